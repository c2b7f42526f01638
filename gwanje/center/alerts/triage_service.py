"""Selective monitoring in the running center: once a second, the open alerts, false-alarm
history, incident reports and camera health become priorities, and the walls of the consoles on
duty are reallocated (``gwanje.triage``, pure). A wall that changed is pushed to its console."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections.abc import Iterable
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from gwanje.center.alerts.host import AlertHost
from gwanje.center.weather import WeatherService
from gwanje.config import OperatorConfig
from gwanje.domain import CameraStatus
from gwanje.store import alerts as alert_repo
from gwanje.store import cameras as camera_repo
from gwanje.store.lifecycle import Status
from gwanje.store.models import AlertRow, EventRow, utc
from gwanje.triage.allocate import allocate, dismiss, hold, pin
from gwanje.triage.model import ActiveEvent, Boost, CameraIndex, CameraInfo, Priority, WallState, to_metres
from gwanje.triage.priority import priorities

log = logging.getLogger(__name__)
HISTORY_REFRESH_S = 60.0


class TriageService:
    def __init__(self, center: AlertHost) -> None:
        self.center = center
        self.cfg = center.site.triage
        self.zone = ZoneInfo(center.site.timezone)
        self.state = WallState.empty()
        self.priorities: dict[str, Priority] = {}
        self.boosts: dict[str, Boost] = {}
        self._places: dict[str, tuple[float, float]] = {}  # incident id → (lat, lon)
        self.offline_since: dict[str, float] = {}
        self.names: dict[str, str] = {}
        self.operators: list[OperatorConfig] = []
        self._index: CameraIndex | None = None
        self._origin: tuple[float, float] | None = None
        self._history: dict[tuple[str, str], tuple[int, int]] = {}
        self._history_at = 0.0
        self._open: dict[str, dict[str, Any]] | None = None  # open alerts by id (see alerts_changed)
        # (camera, rule) → {alert id: start} of the alerts opened in the last routine window
        self._recent: dict[tuple[str, str], dict[str, float]] = {}
        self._open_at = 0.0  # when they were last read from the store (once a minute, to self-heal)
        self.lock = threading.Lock()
        self.last_ms = 0.0
        self.weather: WeatherService | None = None  # camera → (weight, caption, since) of weather rules
        # operator → cameras a follow asked for on their wall, with why ("follow", "follow_next"),
        # and the ones this pinned (unpinned again when the follow lets them go)
        self.follow: dict[str, list[tuple[str, str]]] = {}
        self._follow_pinned: dict[str, set[str]] = {}
        # an urgent alert (a life-safety type) asks for the next tick at once, not at the interval's end
        self._wake: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

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

    def _on_duty(self) -> list[OperatorConfig]:
        """The walls of the consoles open now: operators and supervisors present (``presence``);
        one listed in ``triage.operators`` keeps its configured wall there."""
        configured = {o.id: o for o in self.cfg.operators}
        return [
            configured.get(c.username)
            or OperatorConfig(id=c.username, tiles=self.cfg.default_tiles, supervisor=c.role == "supervisor")
            for c in self.center.presence.on_duty()
        ]

    # -- open alerts: loaded from the store once, then kept current by the center's hooks ------
    def _load_open(self, session, now: float) -> None:  # noqa: ANN001
        rows = session.execute(
            select(
                AlertRow.id,
                AlertRow.camera_id,
                AlertRow.type,
                AlertRow.severity,
                AlertRow.confidence,
                AlertRow.first_at,
                AlertRow.last_hit_at,
                AlertRow.ended_at,
                AlertRow.status,
                AlertRow.zone,
                AlertRow.details,
                AlertRow.escalated_at,
                AlertRow.acknowledged_at,
            ).where(AlertRow.status.in_(alert_repo.open_statuses()))
        ).all()
        self._open = {r.id: _open_alert(r._asdict()) for r in rows}
        since = datetime.fromtimestamp(now - self.cfg.routine_window_s, UTC)
        self._recent = {}
        for r in session.execute(
            select(EventRow.id, EventRow.camera_id, EventRow.type, EventRow.started_at).where(
                EventRow.started_at >= since, EventRow.alert_id.is_not(None)
            )
        ):
            self._recent.setdefault((r.camera_id, r.type), {})[r.id] = utc(r.started_at).timestamp()

    def alerts_changed(
        self,
        alerts: list[dict[str, Any]],
        opened: set[str],
        hits: Iterable[tuple[str, str, str, datetime]] = (),
    ) -> None:
        """Alerts opened (ids in ``opened``), fed by hits (id, camera, rule, start), moved in
        their lifecycle or escalated (their public summaries)."""
        urgent = any(a["id"] in opened and a["type"] in self.cfg.urgent_types for a in alerts)
        with self.lock:
            if self._open is None:
                if urgent:
                    self.tick_soon()  # (the tick reads the store)
                return  # not loaded yet: the first tick reads the store
            for a in alerts:
                if a["status"] in alert_repo.open_statuses():
                    self._open[a["id"]] = _open_alert(a)
                else:
                    self._open.pop(a["id"], None)
            for hit_id, camera, rule, start in hits:
                self._recent.setdefault((camera, rule), {})[hit_id] = utc(start).timestamp()
        if urgent:
            self.tick_soon()

    def tick_soon(self) -> None:
        """Ask the loop for a tick now (from any thread)."""
        if self._loop is not None and self._wake is not None:
            self._loop.call_soon_threadsafe(self._wake.set)

    def _events(self) -> list[ActiveEvent]:
        return [
            ActiveEvent(
                e["id"],
                e["camera_id"],
                e["type"],
                e["severity"],
                e["confidence"],
                e["last_hit_at"],
                e["ended_at"],
                e["status"] != Status.NEW.value and not _active_since_acknowledged(e),
                e["escalated"],
                e["zone"],
                e["detail"],
            )
            for e in self._open.values()
        ]

    def _recent_counts(self, now: float) -> dict[tuple[str, str], int]:
        """Hits that alerted in the routine window, per (camera, rule) of an open alert: how often
        the rule fires there, whether its hits are grouped into few alerts or not."""
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
                    select(AlertRow.camera_id, AlertRow.type, func.count()).group_by(
                        AlertRow.camera_id, AlertRow.type
                    )
                )
            )
            marks = alert_repo.false_alarm_counts(session)
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
        operators = self._on_duty()
        with self.center.db.sessions() as s:
            index = self._cameras(s)
            if self._open is None or now - self._open_at >= HISTORY_REFRESH_S:
                # under the lock: an event committed while the store is read is applied after it
                with self.lock:
                    self._load_open(s, now)
                    self._open_at = now
            history = self._false_alarm_history(s, now)
        hour = datetime.fromtimestamp(now, self.zone).hour
        with self.lock:
            events = self._events()
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
                weather=self.weather.raises() if self.weather is not None else None,
            )
            districts = {c.id: c.district for c in index.cameras.values()}
            new = self._held(allocate(self.state, prios, operators, districts, now, self.cfg), now)
            changed = [op.id for op in operators if new.walls.get(op.id) != self.state.walls.get(op.id)]
            self.state, self.priorities, self.operators = new, prios, operators
        self.last_ms = (time.perf_counter() - t0) * 1e3
        for op in changed:
            self.center.bus.publish({"kind": "wall", "data": self.wall(op)})
        return changed

    # -- follow mode -----------------------------------------------------------------------------
    def _held(self, state: WallState, now: float) -> WallState:
        """The follows' cameras put (back) on their operators' walls, pinned; cameras a follow no
        longer asks for are unpinned (triage may then move them on)."""
        for operator in set(self.follow) | set(self._follow_pinned):
            cams = [c for c, _ in self.follow.get(operator, [])]
            for gone in self._follow_pinned.get(operator, set()) - set(cams):
                state = pin(state, operator, gone, False)
            if cams and operator in state.walls:
                state = hold(state, operator, cams, self._urgent_tile, now)
            self._follow_pinned[operator] = set(cams)
            if not cams:
                self.follow.pop(operator, None)
                self._follow_pinned.pop(operator, None)
        return state

    def _urgent_tile(self, camera_id: str) -> bool:
        """A tile a follow may not take: a camera with a new alert of high severity or up."""
        p = self.priorities.get(camera_id)
        return bool(p and p.reason.kind == "event" and p.value >= self.cfg.urgent_priority)

    def set_follow(self, operator: str, cameras: list[tuple[str, str]]) -> None:
        """The cameras an operator's follows ask for (called by the follow mode); applied now."""
        with self.lock:
            self.follow[operator] = list(cameras)
            before = self.state.walls.get(operator)
            self.state = self._held(self.state, time.time())
            changed = self.state.walls.get(operator) != before
        if changed:
            self.center.bus.publish({"kind": "wall", "data": self.wall(operator)})

    # -- operator actions ----------------------------------------------------------------------
    def _on_wall(self, operator: str, camera_id: str) -> bool:
        return any(t is not None and t.camera_id == camera_id for t in self.state.walls.get(operator, ()))

    def pin(self, operator: str, camera_id: str, pinned: bool) -> bool:
        with self.lock:
            if not self._on_wall(operator, camera_id):
                return False
            self.state = pin(self.state, operator, camera_id, pinned)
        self.center.bus.publish({"kind": "wall", "data": self.wall(operator)})
        return True

    def dismiss(self, operator: str, camera_id: str) -> bool:
        with self.lock:
            if not self._on_wall(operator, camera_id):
                return False
            p = self.priorities.get(camera_id)
            self.state = dismiss(
                self.state, operator, camera_id, p.value if p else 0.0, time.time(), self.cfg
            )
        self.center.bus.publish({"kind": "wall", "data": self.wall(operator)})
        return True

    def place(
        self,
        incident_id: str,
        lat: float,
        lon: float,
        radius_m: float,
        until: float,
        note: str,
        edge_share: float = 0.0,
    ) -> list[str]:
        """Raise the cameras within ``radius_m`` of the place until ``until`` (or until ``unplace``);
        placing the same id again moves it. Returns those cameras, the nearest first."""
        with self.center.db.sessions() as s:
            index = self._cameras(s)
        if self._origin is None:
            raise ValueError("no camera has a position (location.lat/lon): incidents cannot be placed")
        x, y = to_metres(lat, lon, self._origin)
        boost = Boost(incident_id, x, y, radius_m, until, note, edge_share=edge_share)
        with self.lock:
            self.boosts[boost.id] = boost
            self._places[boost.id] = (lat, lon)
        return [c for c, _ in sorted(index.within(x, y, radius_m), key=lambda cd: cd[1])]

    def unplace(self, incident_id: str) -> None:
        with self.lock:
            self.boosts.pop(incident_id, None)
            self._places.pop(incident_id, None)

    def incidents(self) -> list[dict[str, Any]]:
        """The incidents raising cameras now, where they are."""
        now = time.time()
        with self.lock:
            return [
                {
                    "id": b.id,
                    "lat": self._places[b.id][0],
                    "lon": self._places[b.id][1],
                    "radius_m": b.radius_m,
                    "until": b.until,
                    "note": b.note,
                }
                for b in self.boosts.values()
                if b.until > now and b.id in self._places
            ]

    # -- views -------------------------------------------------------------------------------
    def wall(self, operator: str) -> dict[str, Any]:
        with self.lock:
            tiles = self.state.walls.get(operator, ())
            op = next((o for o in self.operators if o.id == operator), None)
            follow = dict(self.follow.get(operator, []))
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
                        "follow": follow.get(t.camera_id),
                        "alert_ids": list(p.event_ids) if p else [],
                        "reason": None
                        if r is None
                        else {
                            "kind": r.kind,
                            "type": r.type,
                            "zone": r.zone,
                            "since": r.since,
                            "alert_id": r.event_id if r.kind == "event" else None,
                            "incident_id": r.event_id if r.kind == "incident" else None,
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
            w["open_alerts"] = sum(len(t["alert_ids"]) for t in w["tiles"] if t)
        present = [
            {
                "username": c.username,
                "role": c.role,
                "since": c.since,
                "last_seen": c.last_seen,
                "streams": c.streams,
            }
            for c in self.center.presence.present()
        ]
        return {
            "walls": walls,
            "present": present,
            "cameras_worth_showing": waiting,
            "shown": len(shown),
            "last_ms": round(self.last_ms, 2),
        }


async def triage_forever(triage: TriageService) -> None:
    """Priorities and walls, recomputed every ``triage.interval_s`` (until cancelled)."""
    triage._loop, triage._wake = asyncio.get_running_loop(), asyncio.Event()
    while True:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(triage._wake.wait(), triage.cfg.interval_s)
        triage._wake.clear()
        try:
            await asyncio.to_thread(triage.tick)
        except Exception:
            log.exception("triage failed")


def _open_alert(row: dict[str, Any]) -> dict[str, Any]:
    """What triage keeps of an open alert (from a store row or a published summary)."""

    def ts(v: object) -> float | None:
        if v is None:
            return None
        return utc(datetime.fromisoformat(v) if isinstance(v, str) else v).timestamp()  # type: ignore[arg-type]

    return {
        "id": row["id"],
        "camera_id": row["camera_id"],
        "type": row["type"],
        "severity": row["severity"],
        "confidence": float(row["confidence"]),
        "first_at": ts(row["first_at"]),
        "last_hit_at": ts(row["last_hit_at"]),
        "ended_at": ts(row.get("ended_at")),
        "status": row["status"],
        "escalated": row.get("escalated_at") is not None and row["status"] == Status.NEW.value,
        "acknowledged_at": ts(row.get("acknowledged_at")),
        "zone": row["zone"],
        "detail": _detail(row["type"], row.get("details") or {}),
    }


def _active_since_acknowledged(e: dict[str, Any]) -> bool:
    """A hit started after the alert was acknowledged: new activity counts fully again (and
    decays once it ends), as a new alert would."""
    return e["acknowledged_at"] is not None and e["last_hit_at"] > e["acknowledged_at"]


def _detail(type_: str, details: dict) -> str | None:
    if type_ == "crowd" and "density" in details:
        return f"{float(details['density']):.1f}/m²"
    if "kind" in details:
        return str(details["kind"])
    return None
