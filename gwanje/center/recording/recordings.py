"""The center's side of recording: index the segments the workers announce, at start-up make the
index and the recordings volume agree, and destroy what is due (retention, the disk guard).

After a crash a worker may have finished segment files whose notice never reached the center;
they are indexed from the files themselves (``gwanje.video.recorder.probe``). An unfinished
``.part`` file (the segment open when a worker died; an MP4 without its index cannot be played)
is removed and logged. A row whose file is gone is marked missing, never dropped.

Retention: each camera's segments that ended more than its ``retention_days`` ago are destroyed
(rows and files) unless a legal hold covers them; every batch destroyed is an audit row (PIPA
wants the destruction of personal video recorded: when, what, by which rule). The disk guard
destroys the oldest unheld segments of any camera while the volume's free space is under the
floor or the bytes kept over the cap; when only held footage is left, recording pauses (the
workers are told) instead of touching it, and resumes once there is room again. The rows and the
audit are committed before the files go: a crash in between leaves files that the next start
indexes again and retention takes again.
"""

from __future__ import annotations

import logging
import shutil
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from gwanje.config import RecordingSiteConfig
from gwanje.domain import Segment
from gwanje.store import audit
from gwanje.store import recordings as index
from gwanje.store.db import Database
from gwanje.store.models import now_utc, utc
from gwanje.video.recorder import PART, probe

log = logging.getLogger(__name__)


BATCH = 1000
PAUSE_S = 0.05  # between batches: the inserts of a busy store go on beside the destruction


@dataclass
class Storage:
    """The recordings volume as the guard last saw it."""

    free_percent: float = 100.0
    bytes: int = 0
    paused: bool = False  # only held footage left and no room: new video is not recorded

    @property
    def warning(self) -> str | None:
        if self.paused:
            return "recording paused: the volume is full of held footage"
        return None


def disk_usage(path: Path) -> tuple[int, int]:
    """(total, free) bytes of the filesystem holding ``path``."""
    usage = shutil.disk_usage(path)
    return usage.total, usage.free


class Recordings:
    def __init__(
        self,
        db: Database,
        volume: Path,
        settings: RecordingSiteConfig | None = None,
        usage: Callable[[Path], tuple[int, int]] = disk_usage,
    ) -> None:
        self.db, self.volume = db, volume
        self.settings = settings or RecordingSiteConfig()
        self.usage = usage
        self.storage = Storage()
        self.batch, self.pause_s = BATCH, PAUSE_S
        self.on_pause: Callable[[bool], None] = lambda paused: None  # the worker pool hooks in
        # what else goes with destroyed footage (the track records in it), in the same transaction:
        # (session, [(camera, start, end)]) → (rows gone, files to delete after the commit)
        self.on_destroy: Callable[..., tuple[int, list[Path]]] = lambda session, spans: (0, [])
        self._restarted: set[str] = set()  # cameras whose worker restarted: their next gap says so
        self._lock = threading.Lock()

    def on_segment(self, seg: Segment) -> None:
        with self._lock:
            restarted = seg.camera_id in self._restarted
            self._restarted.discard(seg.camera_id)
        reason = "worker restarted" if restarted else seg.after or "no recording"
        with self.db.sessions.begin() as s:
            index.add_segment(s, seg, gap_reason=reason)

    def worker_restarted(self, camera_ids: list[str]) -> None:
        with self._lock:
            self._restarted.update(camera_ids)

    def reconcile(self) -> dict[str, int]:
        """Index finished files without a row, remove unfinished ones, mark rows without a file."""
        found: dict[str, str] = {}  # relative path → camera
        removed = 0
        if self.volume.is_dir():
            for camera_dir in sorted(p for p in self.volume.iterdir() if p.is_dir()):
                for path in camera_dir.rglob("*"):
                    if not path.is_file():
                        continue
                    if path.name.endswith(PART):
                        log.warning("recording %s was not finished (its worker stopped): removed", path)
                        path.unlink(missing_ok=True)
                        removed += 1
                        continue
                    found[path.relative_to(self.volume).as_posix()] = camera_dir.name
        added = 0
        with self.db.sessions.begin() as s:
            known = index.indexed_paths(s)
            for rel in sorted(set(found) - known, key=lambda r: Path(r).name):
                seg = probe(self.volume, rel, found[rel])
                if seg is None:
                    log.warning("recording %s is not a readable segment: left out of the index", rel)
                    continue
                index.add_segment(s, seg, gap_reason="center restarted")
                added += 1
            missing = index.mark_missing(s, set(found))
        if added or removed or missing:
            log.warning(
                "recordings: %d segment(s) indexed from disk, %d unfinished removed, %d missing",
                added,
                removed,
                missing,
            )
        return {"indexed": added, "removed": removed, "missing": missing}

    def sweep_unfinished(self, older_than_s: float = 600.0) -> int:
        """Remove ``.part`` files nobody has written to for ``older_than_s`` (a worker killed while
        writing them; a live segment is written to every frame); how many."""
        if not self.volume.is_dir():
            return 0
        cutoff = time.time() - older_than_s
        gone = 0
        for path in self.volume.rglob("*" + PART):
            try:
                if path.stat().st_mtime < cutoff:
                    path.unlink()
                    gone += 1
                    log.warning("recording %s was not finished (its worker stopped): removed", path)
            except OSError as exc:  # gone meanwhile, or not ours to delete: say so, go on
                log.warning("could not sweep %s: %s", path, exc)
        return gone

    # -- destruction ---------------------------------------------------------------------------
    def enforce_retention(self, retention_days: dict[str, float], now: datetime | None = None) -> int:
        """Destroy each camera's expired, unheld segments; how many. Cameras not in
        ``retention_days`` (removed since) keep the site default's. Cameras with the same
        retention are done together, in batches of ``BATCH`` oldest first."""
        now = now or now_utc()
        default = self.settings.defaults.retention_days
        with self.db.sessions() as s:
            cameras = set(index.camera_ids(s)) | set(retention_days)
        by_days: dict[float, list[str]] = {}
        for camera_id in sorted(cameras):
            by_days.setdefault(retention_days.get(camera_id, default), []).append(camera_id)
        destroyed = 0
        for days, ids in sorted(by_days.items()):
            cutoff, after = now - timedelta(days=days), None
            while True:  # held segments are stepped over, not looked at again
                with self.db.sessions.begin() as s:
                    rows, after, looked = index.expired(s, ids, cutoff, self.batch, after)
                    files = self._destroy(s, rows, f"retention {days:g} days")
                self._unlink(files)
                destroyed += len(files)
                if looked < self.batch:
                    break
                time.sleep(self.pause_s)
        return destroyed

    def guard(self) -> Storage:
        """Free room while the volume is under its floor or over its cap; pause when only held
        footage is left, resume when there is room."""
        c = self.settings
        self.volume.mkdir(parents=True, exist_ok=True)
        while True:
            total, free = self.usage(self.volume)
            with self.db.sessions() as s:
                kept = index.total_bytes(s)
            free_percent = 100.0 * free / total if total else 100.0
            need = (c.min_free_percent / 100.0) * total - free  # bytes to free for the floor ...
            if c.max_bytes is not None:
                need = max(need, kept - c.max_bytes)  # ... and for the cap
            short = need > 0
            if not short:
                break
            with self.db.sessions.begin() as s:
                rows, freed = [], 0
                for row in index.oldest_unheld(s, 200):  # the oldest first, just enough of them
                    if freed >= need:
                        break
                    rows.append(row)
                    freed += row.bytes
                files = self._destroy(s, rows, "disk guard")
            self._unlink(files)
            if not rows:
                break
        paused = short
        if paused != self.storage.paused:
            log.error("recording %s", "paused: the volume holds only held footage" if paused else "resumed")
            self.on_pause(paused)
        self.storage = Storage(free_percent, kept, paused)
        return self.storage

    def _destroy(self, s, rows: list, rule: str) -> list[Path]:  # noqa: ANN001 - rows: id, camera_id, start_at, end_at, path, bytes
        """Delete the rows and write what went to the audit record; the files to delete after."""
        if not rows:
            return []
        per_camera: dict[str, int] = {}
        for r in rows:
            per_camera[r.camera_id] = per_camera.get(r.camera_id, 0) + 1
        only = next(iter(per_camera)) if len(per_camera) == 1 else None
        audit.record(
            s,
            username="system",
            action="recording_destroy",
            target=only or f"{len(per_camera)} cameras",
            detail={
                "rule": rule,
                "segments": len(rows),
                "bytes": sum(r.bytes for r in rows),
                "from": min(utc(r.start_at) for r in rows).isoformat(),
                "to": max(utc(r.end_at) for r in rows).isoformat(),
                "cameras": per_camera,
            },
        )
        records, crops = self.on_destroy(s, [(r.camera_id, utc(r.start_at), utc(r.end_at)) for r in rows])
        if records:
            audit.record(
                s,
                username="system",
                action="track_record_destroy",
                target=only or f"{len(per_camera)} cameras",
                detail={"rule": rule, "records": records, "with": "their footage"},
            )
        files = [self.volume / r.path for r in rows] + crops
        index.delete(s, rows)
        return files

    @staticmethod
    def _unlink(files: list[Path]) -> None:
        for path in files:
            try:
                path.unlink(missing_ok=True)
            except OSError as exc:  # left on disk: the next start indexes it, retention takes it again
                log.warning("could not delete %s: %s", path, exc)
