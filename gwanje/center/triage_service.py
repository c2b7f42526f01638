"""Selective monitoring in the running center: once a second, the open events, false-alarm
history, incident reports and camera health become priorities, and the walls are reallocated
(``gwanje.triage``, pure). A wall that changed is pushed to its operator's console."""

from __future__ import annotations

import asyncio
import itertools
import logging
import threading
import time
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from gwanje.center.core import Center
from gwanje.config import OperatorConfig
from gwanje.domain import CameraStatus
from gwanje.store import cameras as camera_repo
from gwanje.store import events as event_repo
from gwanje.store.lifecycle import Status
from gwanje.store.models import EventRow, SessionRow, UserRow, now_utc, utc
from gwanje.triage.allocate import allocate, dismiss, pin
from gwanje.triage.model import ActiveEvent, Boost, CameraIndex, CameraInfo, Priority, WallState, to_metres
from gwanje.triage.priority import priorities

log = logging.getLogger(__name__)
HISTORY_REFRESH_S = 60.0


class TriageService:
    def __init__(self, center: Center) -> None:
        self.center = center
        self.cfg = center.site.triage
        self.zone = ZoneInfo(center.site.timezone)
        self.state = WallState.empty()
        self.priorities: dict[str, Priority] = {}
        self.boosts: dict[str, Boost] = {}
        self.offline_since: dict[str, float] = {}
        self.names: dict[str, str] = {}
        self.operators: list[OperatorConfig] = []
        self._index: CameraIndex | None = None
        self._origin: tuple[float, float] | None = None
        self._history: dict[tuple[str, str], tuple[int, int]] = {}
        self._history_at = 0.0
        self._ids = itertools.count(1)
        self._open: dict[str, dict[str, Any]] | None = None  # open events by id (see events_ingested)
        # (camera, rule) → {event id: start} of the events started in the last routine window
        self._recent: dict[tuple[str, str], dict[str, float]] = {}
        self._open_at = 0.0  # when they were last read from the store (once a minute, to self-heal)
        self.lock = threading.Lock()
        self.last_ms = 0.0

    # -- inputs ------------------------------------------------------------------------------
    def cameras_changed(self) -> None:
        self._index = None

    def _cameras(self, session) -> CameraIndex:  # noqa: ANN001
        if self._index is not None:
            return self._index
        rows = camera_repo.all_cameras(session)
        placed = [r.config.get("location") or {} for r in rows]
        located = [
            (loc["lat"], loc["lon"])
            for loc in placed
            if loc.get("lat") is not None and loc.get("lon") is not None
        ]
        self._origin = located[0] if located else None
        infos = []
        for row in rows:
            loc = row.config.get("location") or {}
            x = y = None
            if self._origin and loc.get("lat") is not None and loc.get("lon") is not None:
                x, y = to_metres(loc["lat"], loc["lon"], self._origin)
            kinds = {z["name"]: z["kind"] for z in row.config.get("zones", []) if z.get("kind")}
            infos.append(
                CameraInfo(
                    row.id,
                    x,
                    y,
                    loc.get("kind") or "default",
                    loc.get("district") or "",
                    MappingProxyType(kinds),
                )
            )
        self.names = {r.id: r.name for r in rows}
        self._index = CameraIndex(infos)
        return self._index

    def _on_duty(self, session) -> list[OperatorConfig]:  # noqa: ANN001
        if self.cfg.operators:
            return list(self.cfg.operators)
        rows = session.execute(
            select(UserRow.username, UserRow.role)
            .join(SessionRow, SessionRow.user_id == UserRow.id)
            .where(
                SessionRow.expires_at > now_utc(),
                UserRow.active.is_(True),
                UserRow.role.in_(["operator", "supervisor"]),
            )
            .distinct()
            .order_by(UserRow.username)
        ).all()
        return [
            OperatorConfig(id=u, tiles=self.cfg.default_tiles, supervisor=r == "supervisor") for u, r in rows
        ]

    # -- open events: loaded from the store once, then kept current by the center's hooks ------
    def _load_open(self, session, now: float) -> None:  # noqa: ANN001
        rows = session.execute(
            select(
                EventRow.id,
                EventRow.camera_id,
                EventRow.type,
                EventRow.severity,
                EventRow.confidence,
                EventRow.started_at,
                EventRow.ended_at,
                EventRow.status,
                EventRow.zone,
                EventRow.details,
                EventRow.received_at,
            ).where(EventRow.status.in_(event_repo.open_statuses()))
        ).all()
        self._open = {r.id: _open_event(r._asdict()) for r in rows}
        since = datetime.fromtimestamp(now - self.cfg.routine_window_s, UTC)
        self._recent = {}
        for r in session.execute(
            select(EventRow.id, EventRow.camera_id, EventRow.type, EventRow.started_at).where(
                EventRow.started_at >= since
            )
        ):
            self._recent.setdefault((r.camera_id, r.type), {})[r.id] = utc(r.started_at).timestamp()

    def events_ingested(self, rows: list[dict[str, Any]], ended: dict[str, datetime]) -> None:
        """The center stored these new events and applied these ends (event id → end time)."""
        with self.lock:
            if self._open is None:
                return  # not loaded yet: the first tick reads the store
            for row in rows:
                e = self._open[row["id"]] = _open_event(row)
                self._recent.setdefault((e["camera_id"], e["type"]), {})[e["id"]] = e["started_at"]
            for event_id, at in ended.items():
                if event_id in self._open:
                    self._open[event_id]["ended_at"] = utc(at).timestamp()

    def event_changed(self, event: dict[str, Any]) -> None:
        """An event moved in its lifecycle (acknowledged, dispatched, closed)."""
        with self.lock:
            if self._open is None or event["id"] not in self._open:
                return
            if event["status"] in event_repo.open_statuses():
                self._open[event["id"]]["status"] = event["status"]
            else:
                del self._open[event["id"]]

    def _events(self, now: float) -> list[ActiveEvent]:
        out = []
        for e in self._open.values():
            escalated = (
                e["status"] == Status.NEW.value and now - e["received_at"] >= self.cfg.escalate_after_s
            )
            out.append(
                ActiveEvent(
                    e["id"],
                    e["camera_id"],
                    e["type"],
                    e["severity"],
                    e["confidence"],
                    e["started_at"],
                    e["ended_at"],
                    e["status"] != Status.NEW.value,
                    escalated,
                    e["zone"],
                    e["detail"],
                )
            )
        return out

    def _recent_counts(self, now: float) -> dict[tuple[str, str], int]:
        """Events started in the routine window, per (camera, rule) of an open event."""
        since = now - self.cfg.routine_window_s
        out = {}
        for key in {(e["camera_id"], e["type"]) for e in self._open.values()}:
            starts = self._recent.get(key, {})
            for old in [i for i, t in starts.items() if t < since]:
                del starts[old]
            out[key] = len(starts)
        return out

    def _false_alarm_history(self, session, now: float) -> dict[tuple[str, str], tuple[int, int]]:  # noqa: ANN001
        if now - self._history_at >= HISTORY_REFRESH_S:
            totals = dict(
                ((c, t), n)
                for c, t, n in session.execute(
                    select(EventRow.camera_id, EventRow.type, func.count()).group_by(
                        EventRow.camera_id, EventRow.type
                    )
                )
            )
            marks = event_repo.false_alarm_counts(session)
            self._history = {k: (marks.get(k, 0), totals.get(k, 0)) for k in totals.keys() | marks.keys()}
            self._history_at = now
        return self._history

    def _health(self, now: float) -> dict[str, float]:
        for cam_id, h in list(self.center.health.items()):
            down = h.state.status in (CameraStatus.OFFLINE, CameraStatus.RECONNECTING)
            if down:
                self.offline_since.setdefault(cam_id, now)
            else:
                self.offline_since.pop(cam_id, None)
        return dict(self.offline_since)

    # -- the loop ----------------------------------------------------------------------------
    def tick(self, now: float | None = None) -> list[str]:
        """Recompute priorities and walls; returns the operators whose wall changed."""
        now = time.time() if now is None else now
        t0 = time.perf_counter()
        with self.center.db.sessions() as s:
            index = self._cameras(s)
            operators = self._on_duty(s)
            if self._open is None or now - self._open_at >= HISTORY_REFRESH_S:
                # under the lock: an event committed while the store is read is applied after it
                with self.lock:
                    self._load_open(s, now)
                    self._open_at = now
            history = self._false_alarm_history(s, now)
        hour = datetime.fromtimestamp(now, self.zone).hour
        with self.lock:
            events = self._events(now)
            self.boosts = {k: b for k, b in self.boosts.items() if b.until > now}
            prios = priorities(
                index,
                events,
                now=now,
                hour=hour,
                cfg=self.cfg,
                false_alarms=history,
                recent=self._recent_counts(now),
                boosts=self.boosts.values(),
                offline_since=self._health(now),
            )
            districts = {c.id: c.district for c in index.cameras.values()}
            new = allocate(self.state, prios, operators, districts, now, self.cfg)
            changed = [op.id for op in operators if new.walls.get(op.id) != self.state.walls.get(op.id)]
            self.state, self.priorities, self.operators = new, prios, operators
        self.last_ms = (time.perf_counter() - t0) * 1e3
        for op in changed:
            self.center.bus.publish({"kind": "wall", "data": self.wall(op)})
        return changed

    # -- operator actions ----------------------------------------------------------------------
    def pin(self, operator: str, camera_id: str, pinned: bool) -> bool:
        with self.lock:
            if camera_id not in self.state.shown() or self.state.shown()[camera_id] != operator:
                return False
            self.state = pin(self.state, operator, camera_id, pinned)
        self.center.bus.publish({"kind": "wall", "data": self.wall(operator)})
        return True

    def dismiss(self, operator: str, camera_id: str) -> bool:
        with self.lock:
            if self.state.shown().get(camera_id) != operator:
                return False
            p = self.priorities.get(camera_id)
            self.state = dismiss(
                self.state, operator, camera_id, p.value if p else 0.0, time.time(), self.cfg
            )
        self.center.bus.publish({"kind": "wall", "data": self.wall(operator)})
        return True

    def add_incident(self, lat: float, lon: float, radius_m: float, ttl_s: float, note: str) -> Boost:
        with self.center.db.sessions() as s:
            self._cameras(s)
        if self._origin is None:
            raise ValueError("no camera has a position (location.lat/lon): incidents cannot be placed")
        x, y = to_metres(lat, lon, self._origin)
        boost = Boost(f"inc-{next(self._ids)}", x, y, radius_m, time.time() + ttl_s, note)
        with self.lock:
            self.boosts[boost.id] = boost
        return boost

    # -- views -------------------------------------------------------------------------------
    def wall(self, operator: str) -> dict[str, Any]:
        with self.lock:
            tiles = self.state.walls.get(operator, ())
            op = next((o for o in self.operators if o.id == operator), None)
            out = []
            for slot, t in enumerate(tiles):
                if t is None:
                    out.append(None)
                    continue
                p = self.priorities.get(t.camera_id)
                r = p.reason if p else None
                out.append(
                    {
                        "slot": slot,
                        "camera_id": t.camera_id,
                        "name": self.names.get(t.camera_id, t.camera_id),
                        "since": t.since,
                        "pinned": t.pinned,
                        "priority": round(p.value, 2) if p else 0.0,
                        "escalated": bool(p and p.escalated),
                        "event_ids": list(p.event_ids) if p else [],
                        "reason": None
                        if r is None
                        else {
                            "kind": r.kind,
                            "type": r.type,
                            "zone": r.zone,
                            "since": r.since,
                            "event_id": r.event_id,
                            "detail": r.detail,
                        },
                    }
                )
            return {
                "operator": operator,
                "tiles": out,
                "size": op.tiles if op else len(tiles),
                "supervisor": bool(op and op.supervisor),
            }

    def overview(self) -> dict[str, Any]:
        with self.lock:
            ops = list(self.operators)
            waiting = sum(1 for p in self.priorities.values() if p.value >= self.cfg.show_threshold)
            shown = self.state.shown()
        walls = [self.wall(op.id) for op in ops]
        for w in walls:
            w["open_events"] = sum(len(t["event_ids"]) for t in w["tiles"] if t)
        return {
            "walls": walls,
            "cameras_worth_showing": waiting,
            "shown": len(shown),
            "last_ms": round(self.last_ms, 2),
        }


async def triage_forever(triage: TriageService) -> None:
    """Priorities and walls, recomputed every ``triage.interval_s`` (until cancelled)."""
    while True:
        await asyncio.sleep(triage.cfg.interval_s)
        try:
            await asyncio.to_thread(triage.tick)
        except Exception:
            log.exception("triage failed")


def _open_event(row: dict[str, Any]) -> dict[str, Any]:
    """What triage keeps of an open event (from a store row or an ingested column dict)."""
    return {
        "id": row["id"],
        "camera_id": row["camera_id"],
        "type": row["type"],
        "severity": row["severity"],
        "confidence": float(row["confidence"]),
        "started_at": utc(row["started_at"]).timestamp(),
        "ended_at": utc(row["ended_at"]).timestamp() if row.get("ended_at") else None,
        "status": row["status"],
        "zone": row["zone"],
        "detail": _detail(row["type"], row.get("details") or {}),
        "received_at": utc(row["received_at"]).timestamp(),
    }


def _detail(type_: str, details: dict) -> str | None:
    if type_ == "crowd" and "density" in details:
        return f"{float(details['density']):.1f}/m²"
    if "kind" in details:
        return str(details["kind"])
    return None
