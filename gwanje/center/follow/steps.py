"""A follow's memory: what the person looks like (folded from each record of theirs) and its steps,
each confirmed sighting with a copy of its crop kept with the follow (the track record's own crop
goes with its footage; a confirmed step is never lost)."""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

from gwanje.store.models import now_utc, utc
from gwanje.store.models_follow import FollowChainRow, FollowStepRow, TrackRecordRow
from gwanje.store.track_records import vector_bytes, vector_of

VECTOR_KEEP = 0.7  # the person's vector: this much of the old, the rest from a new record


def learn_look(chain: FollowChainRow, record: TrackRecordRow) -> None:
    """Fold a record's look into the person's: its vector (same model) and colours."""
    new = vector_of(record.appearance)
    if new is not None:
        old = vector_of(chain.appearance) if chain.appearance_model == record.appearance_model else None
        mixed = new if old is None or len(old) != len(new) else VECTOR_KEEP * old + (1 - VECTOR_KEEP) * new
        chain.appearance, chain.appearance_model = vector_bytes(mixed), record.appearance_model
    if record.colour_hist:
        chain.colour_hist = record.colour_hist


def add_step(
    chain: FollowChainRow,
    kind: str,
    camera_id: str,
    record: TrackRecordRow | None,
    by: str,
    seen_at: datetime,
    *,
    crops: Path,
    kept: Path,
    score: float | None = None,
    rank: int | None = None,
) -> None:
    """A step of the chain; the record's crop (under ``crops``) copied under ``kept/<chain>/``."""
    seq = len(chain.steps)
    crop = None
    if record is not None and record.crop_path:
        source = crops / record.crop_path
        if source.is_file():
            target = kept / chain.id / f"{seq:03d}.jpg"
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
            crop = target.relative_to(kept).as_posix()
    chain.steps.append(
        FollowStepRow(
            seq=seq,
            kind=kind,
            camera_id=camera_id,
            track_id=record.track_id if record is not None else None,
            track_started_at=utc(record.track_started_at) if record is not None else None,
            record_id=record.id if record is not None else None,
            seen_at=seen_at,
            score=score,
            rank=rank,
            by=by,
            at=now_utc(),
            crop_path=crop,
        )
    )
