"""The running center: store, bus, camera workers, live views and health, wired together (no HTTP).

Events from the workers are committed first and published after, so the console never shows an
event the store does not hold. A batch that fails to commit is kept and retried."""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from gwanje.bus import Bus
from gwanje.center.public import new_event_summary
from gwanje.config import CameraConfig, SiteConfig
from gwanje.domain import CameraState, CameraStatus, Event
from gwanje.store import audit
from gwanje.store import cameras as camera_repo
from gwanje.store import events as event_repo
from gwanje.store.db import Database
from gwanje.workers.messages import EventOut, HealthOut, LiveFrame

if TYPE_CHECKING:
    from gwanje.center.worker_pool import WorkerPool

log = logging.getLogger(__name__)


@dataclass
class LiveView:
    jpeg: bytes = b""
    seq: int = 0
    pts_s: float = 0.0


@dataclass
class Health:
    state: CameraState
    worker: int | None = None
    detector_ms: float = 0.0
    updated: float = field(default_factory=time.monotonic)


class Center:
    def __init__(self, site: SiteConfig, db: Database, bus: Bus, *, start_workers: bool = True) -> None:
        self.site, self.db, self.bus = site, db, bus
        self.settings = site.server
        self.snapshot_dir = Path(self.settings.data_dir) / "snapshots"
        self.snapshot_dir.mkdir(parents=True, exist_ok=True)
        self.live: dict[str, LiveView] = {}
        self.health: dict[str, Health] = {}
        self._lock = threading.Lock()
        self._pending: list[Event] = []
        self.stored_events = 0
        self.on_cameras_changed = lambda: None  # the triage service hooks in here ...
        self.on_events_ingested = lambda rows, ended: None
        self.on_event_changed = lambda event: None
        self.pool: WorkerPool | None = None
        if start_workers:
            from gwanje.center.worker_pool import WorkerPool  # spawns processes: only when asked

            self.pool = WorkerPool(
                self.settings.workers,
                on_event=self._on_events,
                on_health=self._on_health,
                on_live=self._on_live,
                live_fps=self.settings.live_fps,
                live_width=self.settings.live_width,
            )

    # -- start / stop ------------------------------------------------------------------------
    def start(self) -> None:
        with self.db.sessions.begin() as s:
            camera_repo.seed(s, self.site.cameras)
            rows = camera_repo.all_cameras(s)
            configs = [(camera_repo.to_config(r), r.enabled) for r in rows]
        for cam, enabled in configs:
            self.health[cam.id] = Health(
                CameraState(cam.id, CameraStatus.CONNECTING if enabled else CameraStatus.OFFLINE)
            )
        if self.pool is not None:
            self.pool.start()
            for cam, enabled in configs:
                if enabled:
                    self.pool.put_camera(cam)

    def stop(self) -> None:
        if self.pool is not None:
            self.pool.stop()
        self.flush_pending()

    # -- cameras -----------------------------------------------------------------------------
    def camera_changed(self, camera: CameraConfig, enabled: bool) -> None:
        self.on_cameras_changed()
        self.health[camera.id] = Health(
            CameraState(camera.id, CameraStatus.CONNECTING if enabled else CameraStatus.OFFLINE)
        )
        self.live.pop(camera.id, None)
        if self.pool is None:
            return
        if enabled:
            self.pool.put_camera(camera)
        else:
            self.pool.remove_camera(camera.id)

    def camera_removed(self, camera_id: str) -> None:
        self.on_cameras_changed()
        self.health.pop(camera_id, None)
        self.live.pop(camera_id, None)
        if self.pool is not None:
            self.pool.remove_camera(camera_id)

    # -- events ------------------------------------------------------------------------------
    def ingest(self, events: list[Event], audit_entry: dict | None = None) -> list[str]:
        """Commit events (one transaction, with the audit record of who posted them, if any),
        then publish the new ones; returns the created ids."""
        with self.db.sessions.begin() as s:
            created = event_repo.ingest(s, events, snapshot_dir=self.snapshot_dir, sop=self.settings.sop)
            if audit_entry is not None:
                audit.record(s, **{**audit_entry, "detail": {"count": len(created)}})
        summaries = [new_event_summary(r) for r in created]
        ended = {e.event_id: e.ended_at for e in events if e.phase == "end"}
        self.on_events_ingested(created, ended)
        self.stored_events += len(created)
        observed = {e.event_id: e.observed_at for e in events if e.phase == "start"}
        for summary in summaries:
            at = observed.get(summary["id"])
            summary["observed_at"] = at.isoformat() if at else None
            self.bus.publish({"kind": "event", "data": summary})
        for e in events:
            if e.phase == "end":
                self.bus.publish({"kind": "event_end", "data": {"id": e.event_id, "end_s": e.end_s}})
        return [r["id"] for r in created]

    def event_changed(self, event: dict) -> None:
        """An event moved in its lifecycle or its checklist: tell triage and the consoles."""
        self.on_event_changed(event)
        self.bus.publish({"kind": "event_update", "data": event})

    def _on_events(self, messages: list[EventOut]) -> None:
        with self._lock:
            batch = self._pending + [m.event for m in messages]
            self._pending = []
        try:
            self.ingest(batch)
        except Exception:
            log.exception("storing %d events failed; keeping them to retry", len(batch))
            with self._lock:
                self._pending = batch + self._pending
            time.sleep(0.5)

    def flush_pending(self) -> None:
        if self._pending:
            self._on_events([])

    # -- health and live ---------------------------------------------------------------------
    def _on_health(self, msg: HealthOut) -> None:
        self.health[msg.state.camera_id] = Health(msg.state, msg.worker, msg.detector_ms)

    def _on_live(self, frame: LiveFrame) -> None:
        view = self.live.get(frame.camera_id)
        if view is None:
            view = self.live[frame.camera_id] = LiveView()
        view.jpeg, view.pts_s = frame.jpeg, frame.pts_s
        view.seq += 1
