"""Alert repository: alerts opened and fed by hits, re-raised, moved through their lifecycle,
their checklists, escalation, counts and the queue's paged, filtered listing.

Every function takes the caller's session and leaves the commit to it. Which hit joins which
alert is decided by ``gwanje.center.alerts.alerting``; here are only the rows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, func, or_, select, tuple_, update
from sqlalchemy.orm import Session, selectinload

from gwanje.store.lifecycle import OPEN, Action, Status, next_status
from gwanje.store.models import (
    AlertActionRow,
    AlertRow,
    AlertSopStepRow,
    CameraRow,
    EventRow,
    FalseAlarmRow,
    now_utc,
    utc,
)

MAX_TRACK_IDS = 50
SEVERITY_RANK = {"info": 0, "low": 1, "medium": 2, "high": 3, "critical": 4}


class NotFound(LookupError):
    pass


def open_statuses() -> list[str]:
    return [s.value for s in OPEN]


# -- opened and fed by hits ------------------------------------------------------------------------
def latest_open(
    session: Session,
    pairs: Iterable[tuple[str, str]],
    key: Callable[[str, str, str | None], tuple],
) -> dict[tuple, AlertRow]:
    """The open alerts of these (camera, type) pairs, locked for the change: the most recently
    raised of each ``key(camera, type, zone)``."""
    pairs = sorted(set(pairs))
    if not pairs:
        return {}
    rows = session.scalars(
        select(AlertRow)
        .where(tuple_(AlertRow.camera_id, AlertRow.type).in_(pairs), AlertRow.status.in_(open_statuses()))
        .order_by(AlertRow.raised_at)
        .options(selectinload(AlertRow.sop_steps))  # their summaries are published: one query
        .with_for_update()
    )
    out: dict[tuple, AlertRow] = {}
    for row in rows:
        out[key(row.camera_id, row.type, row.zone)] = row  # later raised wins
    return out


def open_alert(
    session: Session, hit: dict[str, Any], *, alert_id: str, sop: Sequence[tuple[str, str]], now: datetime
) -> AlertRow:
    """A new alert from its first hit (a stored hit's column dict)."""
    snap = hit["id"] if hit.get("snapshot_path") else None
    row = AlertRow(
        id=alert_id,
        camera_id=hit["camera_id"],
        type=hit["type"],
        zone=hit["zone"],
        status=Status.NEW.value,
        severity=hit["severity"],
        confidence=float(hit["confidence"]),
        first_at=hit["started_at"],
        last_hit_at=hit["started_at"],
        last_at=hit["started_at"],
        ended_at=None,
        open_hits=1,
        hit_count=1,
        track_ids=list(hit["track_ids"])[:MAX_TRACK_IDS],
        details=hit["details"],
        best_event_id=snap,
        latest_event_id=snap,
        received_at=now,
        raised_at=now,
        raise_count=0,
    )
    row.sop_steps = [
        AlertSopStepRow(position=i, text=ko, text_en=en or None) for i, (ko, en) in enumerate(sop)
    ]
    row.actions = []
    session.add(row)
    return row


def add_hit(row: AlertRow, hit: dict[str, Any]) -> None:
    """A further hit joins the alert: counts, times, the highest severity and confidence, tracks,
    the best and the latest snapshot."""
    started = hit["started_at"]
    row.hit_count += 1
    row.open_hits += 1
    row.ended_at = None
    row.last_hit_at = max(utc(row.last_hit_at), utc(started))
    row.last_at = max(utc(row.last_at), utc(started))
    if SEVERITY_RANK.get(hit["severity"], 0) > SEVERITY_RANK.get(row.severity, 0):
        row.severity = hit["severity"]
    row.details = hit["details"]
    seen = list(row.track_ids or [])
    row.track_ids = (seen + [t for t in hit["track_ids"] if t not in seen])[-MAX_TRACK_IDS:]
    if hit.get("snapshot_path"):
        row.latest_event_id = hit["id"]
        if row.best_event_id is None or float(hit["confidence"]) > row.confidence:
            row.best_event_id = hit["id"]
    row.confidence = max(row.confidence, float(hit["confidence"]))


def end_hits(session: Session, ends: Sequence[tuple[str, datetime]]) -> list[AlertRow]:
    """Hits of these alerts ended (alert id, end time): the activity stops with the last one."""
    by_alert: dict[str, list[datetime]] = {}
    for alert_id, at in ends:
        by_alert.setdefault(alert_id, []).append(utc(at))
    if not by_alert:
        return []
    rows = list(session.scalars(select(AlertRow).where(AlertRow.id.in_(list(by_alert))).with_for_update()))
    for row in rows:
        times = by_alert[row.id]
        row.open_hits = max(0, row.open_hits - len(times))
        row.last_at = max(utc(row.last_at), *times)
        if row.open_hits == 0:
            row.ended_at = row.last_at
    return rows


def settle_open_hits(
    session: Session, camera_ids: Sequence[str] | None = None, reason: str = "center restarted"
) -> int:
    """No hit of these cameras (all, by default) is going on any more: their pipelines started
    again (a center start, a worker restart). Hits still open get their end now, with the reason
    in their details. Returns the alerts changed."""
    now = now_utc()
    hits = select(EventRow).where(EventRow.ended_at.is_(None))
    if camera_ids is not None:
        hits = hits.where(EventRow.camera_id.in_(list(camera_ids)))
    for hit in session.scalars(hits.limit(10_000)):
        hit.ended_at = max(now, utc(hit.started_at))
        hit.details = {**(hit.details or {}), "ended_by": reason}
    q = update(AlertRow).where(AlertRow.open_hits > 0)
    if camera_ids is not None:
        q = q.where(AlertRow.camera_id.in_(list(camera_ids)))
    return session.execute(q.values(open_hits=0, ended_at=AlertRow.last_at)).rowcount or 0


def reraise(session: Session, row: AlertRow, *, reason: str, now: datetime) -> None:
    """A hit that calls for a response again brings an acknowledged alert back to new."""
    before = row.status
    row.status = Status.NEW.value
    row.raised_at = now
    row.raise_count += 1
    row.escalated_at = None
    row.actions.append(
        AlertActionRow(
            action="reraise", from_status=before, to_status=row.status, username="system", at=now, note=reason
        )
    )


# -- the lifecycle -----------------------------------------------------------------------------------
def get(session: Session, alert_id: str, *, agency: str | None = None) -> AlertRow:
    row = session.get(
        AlertRow, alert_id, options=[selectinload(AlertRow.actions), selectinload(AlertRow.sop_steps)]
    )
    if row is None or (agency is not None and row.dispatched_to != agency):
        raise NotFound(f"no alert {alert_id!r}")
    return row


def act(
    session: Session,
    alert_id: str,
    action: Action,
    *,
    username: str,
    note: str | None = None,
    agency: str | None = None,
) -> AlertRow:
    """Move an alert on; ``IllegalTransition`` when its state does not allow the action. The row
    is locked for the check (PostgreSQL), so two operators cannot both move it."""
    row = session.scalar(select(AlertRow).where(AlertRow.id == alert_id).with_for_update())
    if row is None:
        raise NotFound(f"no alert {alert_id!r}")
    before = Status(row.status)
    after = next_status(before, action)
    now = now_utc()
    row.status = after.value
    if action == Action.ACKNOWLEDGE:
        row.acknowledged_by, row.acknowledged_at = username, now
    elif action == Action.DISPATCH:
        row.dispatched_to, row.dispatch_note = agency, note
        row.dispatched_by, row.dispatched_at = username, now
    else:
        row.closed_by, row.closed_at, row.closing_note = username, now, note
    if action == Action.FALSE_ALARM:
        _count_false_alarm(session, row.camera_id, row.type)
    session.add(
        AlertActionRow(
            alert_id=row.id,
            action=action.value,
            from_status=before.value,
            to_status=after.value,
            username=username,
            note=note if action != Action.DISPATCH else f"{agency}: {note or ''}".strip(": "),
            at=now,
        )
    )
    session.flush()
    return row


def _count_false_alarm(session: Session, camera_id: str, rule: str) -> None:
    mark = session.get(FalseAlarmRow, (camera_id, rule), with_for_update=True)
    if mark is None:
        session.add(FalseAlarmRow(camera_id=camera_id, rule=rule, count=1, last_at=now_utc()))
    else:
        mark.count += 1
        mark.last_at = now_utc()


def false_alarm_counts(session: Session) -> dict[tuple[str, str], int]:
    return {(r.camera_id, r.rule): r.count for r in session.scalars(select(FalseAlarmRow))}


class Closed(ValueError):
    """A change to an alert that is resolved or a false alarm (its record is final)."""


def tick_sop(session: Session, alert_id: str, position: int, *, username: str, done: bool) -> AlertSopStepRow:
    step = session.scalar(
        select(AlertSopStepRow).where(
            AlertSopStepRow.alert_id == alert_id, AlertSopStepRow.position == position
        )
    )
    if step is None:
        raise NotFound(f"alert {alert_id!r} has no SOP step {position}")
    alert = session.get(AlertRow, alert_id)
    if alert is not None and alert.status not in OPEN:
        raise Closed(f"alert {alert_id!r} is {alert.status}: its checklist is closed too")
    step.done_by, step.done_at = (username, now_utc()) if done else (None, None)
    return step


def escalate_due(session: Session, *, after_s: dict[str, float], default_s: float) -> list[AlertRow]:
    """Mark alerts still new past their type's time (counted from when they were raised) as
    escalated, once; returns them. One indexed query per configured type, one for the rest."""
    now = now_utc()
    waiting = select(AlertRow).where(AlertRow.status == Status.NEW.value, AlertRow.escalated_at.is_(None))
    queries = [
        waiting.where(AlertRow.type == typ, AlertRow.raised_at <= now - timedelta(seconds=limit))
        for typ, limit in after_s.items()
    ]
    queries.append(
        waiting.where(
            AlertRow.type.not_in(list(after_s)), AlertRow.raised_at <= now - timedelta(seconds=default_s)
        )
    )
    due = [row for q in queries for row in session.scalars(q.with_for_update(skip_locked=True))]
    for row in due:
        row.escalated_at = now
    return due


# -- the queue ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Filter:
    """What the queue and the alerts page ask for; every field narrows, None means any."""

    status: Sequence[str] | None = None
    type: Sequence[str] | None = None
    severity: Sequence[str] | None = None
    camera_id: str | None = None
    since: datetime | None = None  # the alert's last activity at or after
    until: datetime | None = None  # ... its first hit before
    text: str | None = None  # in the camera's id or name, the zone, the notes
    agency: str | None = None  # an agency liaison's own alerts only
    escalated: bool | None = None


def _where(f: Filter) -> list:
    conds = []
    if f.status:
        conds.append(AlertRow.status.in_(list(f.status)))
    if f.type:
        conds.append(AlertRow.type.in_(list(f.type)))
    if f.severity:
        conds.append(AlertRow.severity.in_(list(f.severity)))
    if f.camera_id:
        conds.append(AlertRow.camera_id == f.camera_id)
    if f.since is not None:
        conds.append(AlertRow.last_at >= f.since)
    if f.until is not None:
        conds.append(AlertRow.first_at < f.until)
    if f.agency is not None:
        conds.append(AlertRow.dispatched_to == f.agency)
    if f.escalated is not None:
        conds.append(AlertRow.escalated_at.is_not(None) if f.escalated else AlertRow.escalated_at.is_(None))
    if f.text:
        like = f"%{f.text.lower()}%"
        names = select(CameraRow.id).where(func.lower(CameraRow.name).like(like))
        conds.append(
            or_(
                func.lower(AlertRow.camera_id).like(like),
                AlertRow.camera_id.in_(names),
                func.lower(func.coalesce(AlertRow.zone, "")).like(like),
                func.lower(func.coalesce(AlertRow.closing_note, "")).like(like),
                func.lower(func.coalesce(AlertRow.dispatch_note, "")).like(like),
            )
        )
    return conds


SEVERITY_ORDER = [("critical", 0), ("high", 1), ("medium", 2), ("low", 3), ("info", 4)]


def query(
    session: Session, f: Filter = Filter(), *, order: str = "queue", offset: int = 0, limit: int = 50
) -> tuple[int, list[AlertRow]]:
    """(the total that match, one page of them). ``queue``: new first, then by severity, then the
    most recently raised; ``latest``: the most recently active first."""
    conds = _where(f)
    total = session.scalar(select(func.count()).select_from(AlertRow).where(and_(True, *conds))) or 0
    q = select(AlertRow).where(and_(True, *conds)).options(selectinload(AlertRow.sop_steps))
    if order == "queue":
        q = q.order_by(
            case((AlertRow.status == Status.NEW.value, 0), else_=1),
            case(*[(AlertRow.severity == s, r) for s, r in SEVERITY_ORDER], else_=5),
            AlertRow.raised_at.desc(),
            AlertRow.id,
        )
    else:
        q = q.order_by(AlertRow.last_at.desc(), AlertRow.id)
    return total, list(session.scalars(q.offset(offset).limit(limit)))


def counts(session: Session, *, agency: str | None = None) -> dict[str, int]:
    """Open alerts in all, new ones, escalated new ones (for the badges)."""
    q = select(AlertRow.status, AlertRow.escalated_at.is_not(None), func.count()).where(
        AlertRow.status.in_(open_statuses())
    )
    if agency is not None:
        q = q.where(AlertRow.dispatched_to == agency)
    out = {"open": 0, "new": 0, "escalated": 0}
    for status, escalated, n in session.execute(
        q.group_by(AlertRow.status, AlertRow.escalated_at.is_not(None))
    ):
        out["open"] += n
        if status == Status.NEW.value:
            out["new"] += n
            if escalated:
                out["escalated"] += n
    return out


def ids_present(session: Session, ids: Sequence[str]) -> list[str]:
    return list(session.scalars(select(AlertRow.id).where(AlertRow.id.in_(list(ids))))) if ids else []
