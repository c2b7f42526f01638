"""The running center: store, bus, camera workers, live views and health, wired together (no HTTP).

Hits from the workers are committed first (grouped into alerts in the same transaction) and
published after, so the console never shows an alert the store does not hold. A batch that fails
to commit is kept and retried. One ingest at a time: the grouping reads the open alerts and
writes them back, so two batches must not interleave.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from gwanje.bus import Bus
from gwanje.center.alerts.alerting import Ingested, ingest_hits
from gwanje.center.alerts.presence import Presence
from gwanje.center.alerts.public import alert_summary
from gwanje.center.exchange.inbound import Inbound
from gwanje.center.follow.records import TrackRecords
from gwanje.center.recording.evidence import Evidence
from gwanje.center.recording.playback import Playback
from gwanje.center.recording.recordings import Recordings
from gwanje.center.state import Health, LiveView
from gwanje.config import CameraConfig, SiteConfig
from gwanje.domain import CameraState, CameraStatus, Event
from gwanje.store import alerts as alert_repo
from gwanje.store import audit, holds
from gwanje.store import cameras as camera_repo
from gwanje.store.db import Database
from gwanje.store.models import now_utc, utc
from gwanje.store.retention import forget_before
from gwanje.workers.messages import EventOut, HealthOut, LiveFrame, TrackOut

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from gwanje.center.exchange.webhooks import Webhooks
    from gwanje.center.worker_pool import WorkerPool

log = logging.getLogger(__name__)
COUNTS_EVERY_S = 0.5  # the badges' counts are sent at most this often


class Outbound(Protocol):
    """A channel to other systems (gwanje.center.exchange.mqtt_out): told after the store has the facts."""

    def events(self, events: list[Event], alert_of: dict[str, str]) -> None: ...
    def alert(self, alert: dict[str, Any]) -> None: ...
    def camera_state(self, state: CameraState) -> None: ...


class Center:
    def __init__(self, site: SiteConfig, db: Database, bus: Bus, *, start_workers: bool = True) -> None:
        self.site, self.db, self.bus = site, db, bus
        self.settings = site.server
        self.snapshot_dir = Path(self.settings.data_dir) / "snapshots"
        self.snapshot_dir.mkdir(parents=True, exist_ok=True)
        self.live: dict[str, LiveView] = {}
        self.health: dict[str, Health] = {}
        self.presence = Presence(site.triage.presence_s)
        self._lock = threading.Lock()
        self._ingest_lock = threading.Lock()
        self._pending: list[Event] = []
        self._counts_due: threading.Timer | None = None
        self.stored_events = 0
        self.last_ingest: Ingested | None = None
        self.on_cameras_changed: Callable[[], None] = lambda: None  # the triage service hooks in here ...
        # (alert summaries, ids of those opened, hits that went to alerts: id, camera, rule, start)
        self.on_alerts_changed: Callable[..., None] = lambda alerts, new, hits=(): None
        self.outbound: list[Outbound] = []  # other systems told of events, alerts, camera state
        self.inbound = Inbound(db, self.ingest)  # alarms from other systems, by API key
        self._enabled_configs: dict[str, dict] | None = None  # enabled_camera_configs' cache
        self.webhooks: Webhooks | None = None  # staged in the store's transactions (outbox)
        if site.exchange.webhooks:
            from gwanje.center.exchange.webhooks import Webhooks  # httpx, cloudevents: only when configured

            self.webhooks = Webhooks(site.exchange, site.site, db)
        self.recordings = Recordings(db, site.recordings_path(), site.recording)
        self.records = TrackRecords(db, Path(self.settings.data_dir))
        self.recordings.on_destroy = self.records.forget_spans
        self._pending_records: list = []
        self.playback = Playback(db, site.recordings_path(), Path(self.settings.data_dir) / "playback")
        self.evidence = Evidence(db, site, self.playback)
        self.pool: WorkerPool | None = None
        if start_workers:
            from gwanje.center.worker_pool import WorkerPool  # spawns processes: only when asked

            self.pool = WorkerPool(
                self.settings.workers,
                on_event=self._on_events,
                on_health=self._on_health,
                on_live=self._on_live,
                on_restart=self._on_worker_restart,
                on_segment=self.recordings.on_segment,
                on_tracks=self._on_tracks,
                live_fps=self.settings.live_fps,
                live_width=self.settings.live_width,
                recordings=str(site.recordings_path()),
            )
            self.recordings.on_pause = self.pool.pause_recording

    # -- start / stop ------------------------------------------------------------------------
    def start(self) -> None:
        with self.db.sessions.begin() as s:
            added, skipped = camera_repo.seed(s, self.site.cameras)
            for cid in added:
                audit.record(
                    s, username="system", action="camera_add", target=cid, detail={"from": "site YAML"}
                )
            for cid in skipped:
                log.warning("camera %s is in the site YAML but was removed through the API: not started", cid)
            rows = camera_repo.all_cameras(s)
            configs = [(camera_repo.to_config(r), r.enabled) for r in rows]
            # the pipelines start afresh: no hit from before this start is still going on
            alert_repo.settle_open_hits(s)
        for cam, enabled in configs:
            self.health[cam.id] = Health(
                CameraState(cam.id, CameraStatus.CONNECTING if enabled else CameraStatus.OFFLINE)
            )
            self._state_changed(self.health[cam.id].state)
        if self.webhooks is not None:
            self.webhooks.start()
        if self.pool is not None:
            self.recordings.volume.mkdir(parents=True, exist_ok=True)
            self.recordings.reconcile()
            self.pool.start()
            for cam, enabled in configs:
                if enabled:
                    self.pool.put_camera(cam)

    def stop(self) -> None:
        self.evidence.close()
        if self.pool is not None:
            self.pool.stop()
        self.flush_pending()
        if self._counts_due is not None:
            self._counts_due.cancel()
        if self.webhooks is not None:
            self.webhooks.stop()

    # -- cameras -----------------------------------------------------------------------------
    def camera_changed(self, camera: CameraConfig, enabled: bool) -> None:
        self._enabled_configs = None
        self.on_cameras_changed()
        self.health[camera.id] = Health(
            CameraState(camera.id, CameraStatus.CONNECTING if enabled else CameraStatus.OFFLINE)
        )
        self._state_changed(self.health[camera.id].state)
        self.live.pop(camera.id, None)
        if self.pool is None:
            return
        if enabled:
            self.pool.put_camera(camera)
        else:
            self.pool.remove_camera(camera.id)

    def camera_removed(self, camera_id: str) -> None:
        self._enabled_configs = None
        self.on_cameras_changed()
        self.health.pop(camera_id, None)
        self.live.pop(camera_id, None)
        if self.pool is not None:
            self.pool.remove_camera(camera_id)

    def enabled_camera_configs(self) -> dict[str, dict]:
        """The enabled cameras' configurations (JSON), for the cluster's assigner (every second):
        read from the store again only after a camera changed."""
        configs = self._enabled_configs
        if configs is None:
            with self.db.sessions() as s:
                configs = {
                    r.id: camera_repo.to_config(r).model_dump(mode="json")
                    for r in camera_repo.all_cameras(s)
                    if r.enabled
                }
            self._enabled_configs = configs
        return configs

    def retention_days(self) -> dict[str, float]:
        with self.db.sessions() as s:
            return {
                r.id: camera_repo.to_config(r).recording.retention_days for r in camera_repo.all_cameras(s)
            }

    def look_after_recordings(self) -> None:
        """Retention, the disk guard and provisions whose period ended, once (the runtime calls it
        every minute)."""
        days = self.retention_days()
        self.recordings.enforce_retention(days)
        self.forget_old_records(days)
        self.recordings.guard()
        self.recordings.sweep_unfinished()
        self.evidence.expire()
        self.forget_old_events()
        if self.webhooks is not None:
            self.webhooks.forget_delivered()

    def forget_old_records(self, retention_days: dict[str, float], now: datetime | None = None) -> int:
        """Track records past their camera's retention that no legal hold covers (a camera that
        records keeps them only as long as the footage they point into; one that does not, as long
        as it would have)."""
        now = now or now_utc()
        default = self.site.recording.defaults.retention_days
        with self.db.sessions() as s:
            held = holds.active(s)
        cutoffs = {cid: now - timedelta(days=retention_days.get(cid, default)) for cid in retention_days}
        gone = self.records.forget_older(
            cutoffs, lambda cam, a, b: holds.holds_span(held, cam, utc(a), utc(b))
        )
        if gone:
            with self.db.sessions.begin() as s:
                audit.record(
                    s,
                    username="system",
                    action="track_record_destroy",
                    detail={"rule": "camera retention", "records": gone},
                )
        return gone

    def forget_old_events(self, now: datetime | None = None) -> int:
        """Hits, snapshots and closed alerts past ``server.keep_events_days`` (unless held), a batch
        at a time, each batch audited; the files go after the rows are committed. Returns hits gone."""
        before = (now or now_utc()) - timedelta(days=self.settings.keep_events_days)
        total = 0
        while True:
            with self.db.sessions.begin() as s:
                done = forget_before(s, before)
                if done.hits or done.alerts:
                    audit.record(
                        s,
                        username="system",
                        action="event_destroy",
                        detail={
                            "rule": f"kept {self.settings.keep_events_days:g} days",
                            "before": before.isoformat(),
                            "hits": done.hits,
                            "alerts": done.alerts,
                            "snapshots": len(done.snapshots),
                            "held": done.held,
                        },
                    )
            for rel in done.snapshots:
                (self.snapshot_dir / rel).unlink(missing_ok=True)
            total += done.hits
            if done.hits < 1000 and done.alerts < 1000:
                return total

    def camera_names(self) -> dict[str, str]:
        with self.db.sessions() as s:
            return {r.id: r.name for r in camera_repo.all_cameras(s)}

    # -- hits and alerts -----------------------------------------------------------------------
    def ingest(self, events: list[Event], audit_entry: dict | None = None) -> list[str]:
        """Commit hits and the alerts they open or feed (one transaction, with the audit record
        of who posted them, if any), then publish the alerts; returns the created hit ids."""
        with self._ingest_lock:
            with self.db.sessions.begin() as s:
                result = ingest_hits(
                    s,
                    events,
                    cfg=self.site.alerts,
                    sop=self.settings.sop,
                    snapshot_dir=self.snapshot_dir,
                    now=now_utc(),
                )
                if audit_entry is not None:
                    audit.record(s, **{**audit_entry, "detail": {"count": len(result.hits)}})
                opened = [alert_summary(r) for r in result.opened]
                changed = [alert_summary(r) for r in result.changed]
                if self.webhooks is not None:  # in this transaction: committed together or not at all
                    self.webhooks.stage_events(s, events, result.alert_of)
                    for summary in opened + changed:
                        self.webhooks.stage_alert(s, summary)
            self.last_ingest = result
        if self.webhooks is not None:
            self.webhooks.wake()
        self.stored_events += len(result.hits)
        alerted = [
            (h["id"], h["camera_id"], h["type"], h["started_at"]) for h in result.hits if h["alert_id"]
        ]
        self.on_alerts_changed(opened + changed, {a["id"] for a in opened}, alerted)
        observed = {e.event_id: e.observed_at for e in events if e.phase == "start" and e.observed_at}
        latest_hit = {aid: hid for hid, aid in result.alert_of.items()}
        for kind, summaries in (("alert", opened), ("alert_update", changed)):
            for summary in summaries:
                at = observed.get(latest_hit.get(summary["id"], ""))
                summary["observed_at"] = at.isoformat() if at else None
                summary["reraised"] = summary["id"] in result.reraised
                self.bus.publish({"kind": kind, "data": summary})
        self._tell_others("events", events, result.alert_of)
        for summary in opened + changed:
            self._tell_others("alert", summary)
        if opened or changed:
            self.counts_changed()
        return [h["id"] for h in result.hits]

    def stage_alert(self, s: Session, alert: dict[str, Any]) -> None:
        """In the transaction that changed the alert: its message for the webhooks' outbox."""
        if self.webhooks is not None:
            self.webhooks.stage_alert(s, alert)

    def alert_changed(self, alert: dict[str, Any]) -> None:
        """An alert moved in its lifecycle or its checklist (committed, and staged for the webhooks
        by ``stage_alert``): tell triage, the consoles and other systems."""
        if self.webhooks is not None:
            self.webhooks.wake()
        self.on_alerts_changed([alert], set())
        self.bus.publish({"kind": "alert_update", "data": alert})
        self._tell_others("alert", alert)
        self.counts_changed()

    def _state_changed(self, state: CameraState) -> None:
        self._tell_others("camera_state", state)
        if self.webhooks is not None:
            try:
                self.webhooks.camera_state(state)
            except Exception:
                log.exception("staging %s's state for the webhooks failed", state.camera_id)

    def _tell_others(self, what: str, *args: Any) -> None:
        """An outbound channel's fault is logged, never the center's."""
        for out in self.outbound:
            try:
                getattr(out, what)(*args)
            except Exception:
                log.exception("telling %s of %s failed", type(out).__name__, what)

    def counts_changed(self) -> None:
        """Send the open-alert counts for the badges soon (at most every COUNTS_EVERY_S)."""
        with self._lock:
            if self._counts_due is not None:
                return
            self._counts_due = threading.Timer(COUNTS_EVERY_S, self._send_counts)
            self._counts_due.daemon = True
            self._counts_due.start()

    def _send_counts(self) -> None:
        with self._lock:
            self._counts_due = None
        try:
            with self.db.sessions() as s:
                counts = alert_repo.counts(s)
        except Exception:
            log.exception("counting the open alerts failed")
            return
        self.bus.publish({"kind": "counts", "data": counts})

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

    def store_from_stream(self, events: list[Event], segments: list, records: list | None = None) -> None:
        """A batch taken from the NATS stream (center/cluster/stream_in.py): stored, or an exception (the
        stream then delivers it again). Storing a batch twice changes nothing."""
        if events:
            self.ingest(events)
        for seg in segments:
            self.recordings.on_segment(seg)
        if records:
            self.records.ingest(records)

    def _on_tracks(self, messages: list[TrackOut]) -> None:
        """Track records from the workers; a batch that fails is kept and tried with the next."""
        batch = self._pending_records + [m.record for m in messages]
        self._pending_records = []
        try:
            self.records.ingest(batch)
        except Exception:
            log.exception("storing %d track records failed; keeping them to retry", len(batch))
            self._pending_records = batch[-5000:]

    def flush_pending(self) -> None:
        if self._pending:
            self._on_events([])

    def _on_worker_restart(self, camera_ids: list[str]) -> None:
        """A worker died: its cameras show offline at once (until the new worker reports), and
        no hit of theirs goes on (their pipelines start afresh)."""
        for cid in camera_ids:
            self.health[cid] = Health(
                CameraState(cid, CameraStatus.OFFLINE, last_error="its worker stopped; restarting")
            )
            self._state_changed(self.health[cid].state)
            self.live.pop(cid, None)
        self.on_cameras_changed()
        self.recordings.worker_restarted(camera_ids)
        try:
            with self.db.sessions.begin() as s:
                alert_repo.settle_open_hits(s, camera_ids, reason="worker restarted")
        except Exception:
            log.exception("settling the hits of a restarted worker's cameras failed")

    # -- health and live ---------------------------------------------------------------------
    def _on_health(self, msg: HealthOut) -> None:
        self.health[msg.state.camera_id] = Health(
            msg.state, msg.worker, msg.detector_ms, msg.methods, msg.recording
        )
        self._state_changed(msg.state)

    def _on_live(self, frame: LiveFrame) -> None:
        view = self.live.get(frame.camera_id)
        if view is None:
            view = self.live[frame.camera_id] = LiveView()
        view.jpeg, view.pts_s, view.tracks = frame.jpeg, frame.pts_s, frame.tracks
        view.seq += 1
