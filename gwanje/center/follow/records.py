"""Track records as the center keeps them: each record's crop as a file under
``<data>/tracks/<camera>/<day>/``, its row in the store (once, however often it is resent), and the
follow chains told of what arrived. Records go with the footage they point into: the recordings'
destruction calls ``forget_spans`` in its own transaction, and cameras without recordings lose them
after their retention (``forget_older``)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from gwanje.domain import TrackRecord
from gwanje.store import track_records as repo
from gwanje.store.db import Database

log = logging.getLogger(__name__)
BATCH = 1000


class TrackRecords:
    def __init__(self, db: Database, data_dir: Path) -> None:
        self.db = db
        self.crop_dir = data_dir / "tracks"
        self.listeners: list[Callable[[list[TrackRecord]], None]] = []
        self.stored = 0

    def crop_file(self, rel: str) -> Path:
        """The file of a stored crop path; ValueError for a path that leaves the crop folder."""
        path = (self.crop_dir / rel).resolve()
        if not path.is_relative_to(self.crop_dir.resolve()):
            raise ValueError(f"not a crop path: {rel}")
        return path

    def ingest(self, records: list[TrackRecord]) -> int:
        """Store the records not stored yet (crops first, then the rows in one transaction; the
        crops written now are removed again if the rows fail), then tell the listeners. Returns
        how many were new."""
        if not records:
            return 0
        with self.db.sessions() as s:
            known = repo.known_ids(s, [r.record_id for r in records])
        fresh = {r.record_id: r for r in records if r.record_id not in known}  # one of each
        written: list[Path] = []
        values = []
        try:
            for rec in fresh.values():
                rel = self._write_crop(rec)
                if rel is not None:
                    written.append(self.crop_dir / rel)
                values.append(repo.row_values(rec, rel))
            with self.db.sessions.begin() as s:
                repo.add(s, values)
        except Exception:
            for path in written:
                path.unlink(missing_ok=True)
            raise
        self.stored += len(fresh)
        for listener in self.listeners:
            try:
                listener(list(fresh.values()))
            except Exception:
                log.exception("a track-record listener failed")
        return len(fresh)

    def _write_crop(self, rec: TrackRecord) -> str | None:
        if not rec.crop_jpeg:
            return None
        day = rec.started_at.strftime("%Y-%m-%d")
        name = rec.record_id.replace(":", "_") + ".jpg"
        rel = f"{rec.camera_id}/{day}/{name}"
        path = self.crop_dir / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".part")
        tmp.write_bytes(rec.crop_jpeg)
        tmp.replace(path)
        return rel

    # -- destruction -------------------------------------------------------------------------
    def forget_spans(self, session, spans: list[tuple[str, datetime, datetime]]) -> tuple[int, list[Path]]:  # noqa: ANN001
        """In the recordings' destruction transaction: the records inside the destroyed footage;
        returns how many, and their crop files to delete after the commit."""
        gone, crops = repo.delete_within(session, spans)
        return gone, [self.crop_dir / rel for rel in crops]

    def forget_older(
        self, before_by_camera: dict[str, datetime], held: Callable[[str, datetime, datetime], bool]
    ) -> int:
        """Records that ended before their camera's cutoff and no legal hold covers; how many."""
        gone = 0
        by_cutoff: dict[datetime, list[str]] = {}
        for cam, cutoff in before_by_camera.items():
            by_cutoff.setdefault(cutoff, []).append(cam)
        for cutoff, cams in by_cutoff.items():
            while True:
                with self.db.sessions.begin() as s:
                    rows = repo.older(s, cams, cutoff, BATCH)
                    doomed = [r for r in rows if not held(r[1], r[2], r[3])]
                    repo.delete_ids(s, [r[0] for r in doomed])
                for r in doomed:
                    if r[4]:
                        (self.crop_dir / r[4]).unlink(missing_ok=True)
                gone += len(doomed)
                if len(rows) < BATCH or not doomed:
                    break
        return gone
