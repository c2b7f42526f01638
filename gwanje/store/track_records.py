"""Track records in the store: added once each (a record resent by a worker or the stream is one
row), read back for the follow mode and the search, and destroyed with the footage they point into.

Vectors and colour histograms are bytes: the appearance vector as float16 of its model, the colour
histogram as one byte per name (share × 255), upper part then lower.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
from sqlalchemy import Select, and_, delete, func, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from gwanje.domain import TrackRecord
from gwanje.store.models_follow import TrackRecordRow

LONGEST_PART = timedelta(minutes=10)  # no record spans longer (TrackRecordConfig bounds)


def hist_bytes(values: Sequence[float]) -> bytes:
    return bytes(int(round(min(1.0, max(0.0, v)) * 255)) for v in values)


def hist_of(data: bytes | None) -> np.ndarray:
    return np.frombuffer(data or b"", dtype=np.uint8).astype(np.float32) / 255.0


def vector_bytes(values: Sequence[float] | None) -> bytes | None:
    return None if values is None else np.asarray(values, np.float16).tobytes()


def vector_of(data: bytes | None) -> np.ndarray | None:
    return None if data is None else np.frombuffer(data, dtype=np.float16).astype(np.float32)


def row_values(rec: TrackRecord, crop_path: str | None) -> dict:
    return {
        "id": rec.record_id,
        "camera_id": rec.camera_id,
        "track_id": rec.track_id,
        "part": rec.part,
        "final": rec.final,
        "class_name": rec.class_name,
        "started_at": rec.started_at,
        "ended_at": rec.ended_at,
        "track_started_at": rec.track_started_at,
        "frame_w": rec.frame_size[0],
        "frame_h": rec.frame_size[1],
        "path": [list(p) for p in rec.path],
        "ground_path": [list(p) for p in rec.ground_path] if rec.ground_path is not None else None,
        "entry_edge": rec.entry_edge,
        "exit_edge": rec.exit_edge,
        "heading_deg": rec.heading_deg,
        "box_w": rec.box_size[0],
        "box_h": rec.box_size[1],
        "upper_colour": rec.upper_colour,
        "lower_colour": rec.lower_colour,
        "colour_hist": hist_bytes(rec.colour_hist),
        "appearance": vector_bytes(rec.appearance),
        "appearance_model": rec.appearance_model,
        "crop_path": crop_path,
        "crop_at": rec.crop_at,
        "crop_box": list(rec.crop_box) if rec.crop_box is not None else None,
    }


def add(session: Session, values: list[dict]) -> None:
    """Insert rows (``row_values``); one already there is left as it is."""
    if not values:
        return
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(insert(TrackRecordRow).on_conflict_do_nothing(index_elements=["id"]), values)


def known_ids(session: Session, ids: Iterable[str]) -> set[str]:
    ids = list(ids)
    if not ids:
        return set()
    return set(session.scalars(select(TrackRecordRow.id).where(TrackRecordRow.id.in_(ids))))


def get(session: Session, record_id: str) -> TrackRecordRow | None:
    return session.get(TrackRecordRow, record_id)


def by_ids(session: Session, ids: Sequence[str], columns: Sequence) -> dict[str, tuple]:
    """Rows of these ids (the given columns, the id first), by id."""
    if not ids:
        return {}
    return {r[0]: r for r in session.execute(select(*columns).where(TrackRecordRow.id.in_(list(ids))))}


def track_parts(
    session: Session, camera_id: str, track_started_at: datetime, track_id: int
) -> list[TrackRecordRow]:
    """Every record of one track, in order."""
    q = (
        select(TrackRecordRow)
        .where(
            TrackRecordRow.camera_id == camera_id,
            TrackRecordRow.track_started_at == track_started_at,
            TrackRecordRow.track_id == track_id,
        )
        .order_by(TrackRecordRow.part)
    )
    return list(session.scalars(q))


def latest_of_track(
    session: Session, camera_id: str, track_id: int, since: datetime
) -> TrackRecordRow | None:
    """The newest record of the camera's track ``track_id`` seen since ``since`` (a live track)."""
    q = (
        select(TrackRecordRow)
        .where(
            TrackRecordRow.camera_id == camera_id,
            TrackRecordRow.track_id == track_id,
            TrackRecordRow.ended_at >= since,
        )
        .order_by(TrackRecordRow.ended_at.desc())
        .limit(1)
    )
    return session.scalar(q)


@dataclass(frozen=True)
class Filters:
    start: datetime | None = None
    end: datetime | None = None
    cameras: tuple[str, ...] | None = None  # None: every camera
    class_name: str | None = None
    upper: tuple[str, ...] = ()  # any of these
    lower: tuple[str, ...] = ()
    exit_edges: tuple[str, ...] = ()  # the side it left by (final records)
    headings: tuple[tuple[float, float], ...] = ()  # (from, to) degree ranges on the picture


def filtered(f: Filters, columns: Sequence | None = None) -> Select:
    """The rows that pass ``f``, newest first (a time range overlapping the record's span)."""
    q = select(*(columns or (TrackRecordRow,)))
    conds = []
    if f.start is not None:
        # a record spans at most a part (every_s, ≤ 300 s, and end_after_s, ≤ 60 s): bounding its
        # start from below too keeps the time index's scan to the window asked about
        conds.append(TrackRecordRow.ended_at >= f.start)
        conds.append(TrackRecordRow.started_at >= f.start - LONGEST_PART)
    if f.end is not None:
        conds.append(TrackRecordRow.started_at <= f.end)
    if f.cameras is not None:
        conds.append(TrackRecordRow.camera_id.in_(f.cameras))
    if f.class_name:
        conds.append(TrackRecordRow.class_name == f.class_name)
    if f.upper:
        conds.append(TrackRecordRow.upper_colour.in_(f.upper))
    if f.lower:
        conds.append(TrackRecordRow.lower_colour.in_(f.lower))
    if f.exit_edges:
        conds.append(TrackRecordRow.exit_edge.in_(f.exit_edges))
    if f.headings:
        conds.append(
            or_(
                *(
                    and_(TrackRecordRow.heading_deg >= lo, TrackRecordRow.heading_deg < hi)
                    for lo, hi in f.headings
                )
            )
        )
    if conds:
        q = q.where(and_(*conds))
    return q.order_by(TrackRecordRow.started_at.desc())


def entries_between(
    session: Session, cameras: Sequence[str], start: datetime, end: datetime, class_name: str
) -> list[TrackRecordRow]:
    """Records of tracks that began on these cameras within [start, end]: the people who came into
    view there (each track's records, newest part last)."""
    if not cameras:
        return []
    q = (
        select(TrackRecordRow)
        .where(
            TrackRecordRow.camera_id.in_(list(cameras)),
            TrackRecordRow.track_started_at >= start,
            TrackRecordRow.track_started_at <= end,
            TrackRecordRow.started_at >= start,
            TrackRecordRow.class_name == class_name,
        )
        .order_by(TrackRecordRow.track_started_at, TrackRecordRow.part)
    )
    return list(session.scalars(q))


def delete_within(session: Session, spans: Sequence[tuple[str, datetime, datetime]]) -> tuple[int, list[str]]:
    """Delete the records that began inside any (camera, start, end) span (destroyed footage);
    returns how many, and their crop files."""
    crops: list[str] = []
    gone = 0
    for camera_id, start, end in spans:
        where = and_(
            TrackRecordRow.camera_id == camera_id,
            TrackRecordRow.started_at >= start,
            TrackRecordRow.started_at < end,
        )
        found = list(session.execute(select(TrackRecordRow.id, TrackRecordRow.crop_path).where(where)))
        if found:
            crops += [p for _, p in found if p]
            gone += len(found)
            session.execute(delete(TrackRecordRow).where(TrackRecordRow.id.in_([i for i, _ in found])))
    return gone, crops


def older(session: Session, camera_ids: Sequence[str], before: datetime, limit: int) -> list[tuple]:
    """Up to ``limit`` records of these cameras that ended before ``before``, oldest first: (id,
    camera, started, ended, crop path)."""
    q = (
        select(
            TrackRecordRow.id,
            TrackRecordRow.camera_id,
            TrackRecordRow.started_at,
            TrackRecordRow.ended_at,
            TrackRecordRow.crop_path,
        )
        .where(
            TrackRecordRow.camera_id.in_(list(camera_ids)),
            TrackRecordRow.started_at < before,  # (implied; it bounds the index scan)
            TrackRecordRow.ended_at < before,
        )
        .order_by(TrackRecordRow.started_at)
        .limit(limit)
    )
    return [tuple(r) for r in session.execute(q)]


def delete_ids(session: Session, ids: Sequence[str]) -> None:
    if ids:
        session.execute(delete(TrackRecordRow).where(TrackRecordRow.id.in_(list(ids))))


def count(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(TrackRecordRow)) or 0)


def exits_and_entries(session: Session, since: datetime, limit: int = 200_000) -> list[tuple]:
    """Final records' exits and first records' entries since ``since`` (for the learned topology):
    (camera, track start, ended, exit edge, entry edge, part, final, vector, model), the newest
    ``limit``."""
    q = (
        select(
            TrackRecordRow.camera_id,
            TrackRecordRow.track_started_at,
            TrackRecordRow.ended_at,
            TrackRecordRow.exit_edge,
            TrackRecordRow.entry_edge,
            TrackRecordRow.part,
            TrackRecordRow.final,
            TrackRecordRow.appearance,
            TrackRecordRow.appearance_model,
        )
        .where(
            TrackRecordRow.started_at >= since,
            TrackRecordRow.class_name == "person",
            or_(TrackRecordRow.final.is_(True), TrackRecordRow.part == 0),
        )
        .order_by(TrackRecordRow.started_at.desc())
        .limit(limit)
    )
    return [tuple(r) for r in session.execute(q)]
