"""Event repository: ingest from the pipelines, lifecycle moves, SOP ticks, escalation, queries.

Every function takes the caller's session and leaves the commit to it, so one request or one
ingest batch is one transaction: a failure stores nothing of it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session, selectinload

from gwanje.domain import Event
from gwanje.store.lifecycle import OPEN, Action, Status, next_status
from gwanje.store.models import EventActionRow, EventRow, FalseAlarmRow, SopStepRow, now_utc


class NotFound(LookupError):
    pass


def save_snapshot(snapshot_dir: Path, event: Event) -> str | None:
    """Write the event's JPEG (before its row is committed, so no row names a missing file)."""
    if not event.snapshot_jpeg:
        return None
    day = event.started_at.strftime("%Y%m%d")
    folder = snapshot_dir / day
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{event.event_id}.jpg"
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(event.snapshot_jpeg)
    tmp.replace(path)
    return f"{day}/{event.event_id}.jpg"


def ingest(
    session: Session,
    events: Iterable[Event],
    *,
    snapshot_dir: Path,
    sop: dict[str, list[str]] | None = None,
) -> list[dict[str, Any]]:
    """Store start phases as new events (with their SOP checklist) and apply end phases to the
    events they close. A repeated start is ignored. Returns the created rows as column dicts
    (plus ``sop_total``), in order. Bulk inserts: a batch costs a few statements, not one per row."""
    events = list(events)
    ids = {e.event_id for e in events if e.phase == "start"}
    existing = set(session.scalars(select(EventRow.id).where(EventRow.id.in_(ids)))) if ids else set()
    rows: list[dict[str, Any]] = []
    steps: list[dict[str, Any]] = []
    now = now_utc()
    for event in events:
        if event.phase != "start" or event.event_id in existing:
            continue
        existing.add(event.event_id)
        texts = (sop or {}).get(event.type.value) or (sop or {}).get("default") or []
        rows.append(
            {
                "id": event.event_id,
                "camera_id": event.camera_id,
                "type": event.type.value,
                "severity": event.severity.value,
                "status": Status.NEW.value,
                "zone": event.zone,
                "started_at": event.started_at,
                "ended_at": None,
                "start_s": event.start_s,
                "end_s": event.end_s,
                "confidence": float(event.confidence),
                "track_ids": [int(t) for t in event.track_ids],
                "boxes": [[round(float(v), 1) for v in b] for b in event.boxes],
                "details": _jsonable(event.details),
                "snapshot_path": save_snapshot(snapshot_dir, event),
                "received_at": now,
                **dict.fromkeys(LIFECYCLE_COLUMNS),
            }
        )
        steps += [{"event_id": event.event_id, "position": i, "text": t} for i, t in enumerate(texts)]
        rows[-1]["sop_total"] = len(texts)
    if rows:
        session.execute(insert(EventRow), [{k: v for k, v in r.items() if k != "sop_total"} for r in rows])
    if steps:
        session.execute(insert(SopStepRow), steps)
    for event in events:
        if event.phase == "end":
            session.execute(
                update(EventRow)
                .where(EventRow.id == event.event_id)
                .values(end_s=event.end_s, ended_at=event.ended_at)
            )
    return rows


LIFECYCLE_COLUMNS = (
    "acknowledged_by",
    "acknowledged_at",
    "dispatched_to",
    "dispatch_note",
    "dispatched_by",
    "dispatched_at",
    "closed_by",
    "closed_at",
    "closing_note",
    "escalated_at",
)


def _jsonable(value: object) -> object:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if hasattr(value, "item"):  # numpy scalars
        return value.item()  # type: ignore[union-attr]
    return value


def get(session: Session, event_id: str, *, agency: str | None = None) -> EventRow:
    row = session.get(
        EventRow, event_id, options=[selectinload(EventRow.actions), selectinload(EventRow.sop_steps)]
    )
    if row is None or (agency is not None and row.dispatched_to != agency):
        raise NotFound(f"no event {event_id!r}")
    return row


def ids_present(session: Session, ids: Sequence[str]) -> list[str]:
    return list(session.scalars(select(EventRow.id).where(EventRow.id.in_(list(ids))))) if ids else []


def act(
    session: Session,
    event_id: str,
    action: Action,
    *,
    username: str,
    note: str | None = None,
    agency: str | None = None,
) -> EventRow:
    """Move an event on; ``IllegalTransition`` when its state does not allow the action.
    The row is locked for the check (PostgreSQL), so two operators cannot both move it."""
    row = session.scalar(select(EventRow).where(EventRow.id == event_id).with_for_update())
    if row is None:
        raise NotFound(f"no event {event_id!r}")
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
        EventActionRow(
            event_id=row.id,
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


def tick_sop(session: Session, event_id: str, position: int, *, username: str, done: bool) -> SopStepRow:
    step = session.scalar(
        select(SopStepRow).where(SopStepRow.event_id == event_id, SopStepRow.position == position)
    )
    if step is None:
        raise NotFound(f"event {event_id!r} has no SOP step {position}")
    step.done_by, step.done_at = (username, now_utc()) if done else (None, None)
    return step


def query(
    session: Session,
    *,
    status: Sequence[str] | None = None,
    camera_id: str | None = None,
    type: str | None = None,
    agency: str | None = None,
    limit: int = 100,
    before: datetime | None = None,
) -> list[EventRow]:
    q = (
        select(EventRow)
        .order_by(EventRow.started_at.desc())
        .limit(limit)
        .options(selectinload(EventRow.sop_steps))
    )
    if status:
        q = q.where(EventRow.status.in_(list(status)))
    if camera_id:
        q = q.where(EventRow.camera_id == camera_id)
    if type:
        q = q.where(EventRow.type == type)
    if agency is not None:
        q = q.where(EventRow.dispatched_to == agency)
    if before is not None:
        q = q.where(EventRow.started_at < before)
    return list(session.scalars(q))


def escalate_due(session: Session, *, after_s: dict[str, float], default_s: float) -> list[EventRow]:
    """Mark events still new past their type's time as escalated (once); returns them. Only the
    due rows are read (one indexed query per configured type, one for the rest)."""
    now = now_utc()
    waiting = select(EventRow).where(EventRow.status == Status.NEW.value, EventRow.escalated_at.is_(None))
    queries = [
        waiting.where(EventRow.type == typ, EventRow.received_at <= now - timedelta(seconds=limit))
        for typ, limit in after_s.items()
    ]
    queries.append(
        waiting.where(
            EventRow.type.not_in(list(after_s)), EventRow.received_at <= now - timedelta(seconds=default_s)
        )
    )
    due = [row for q in queries for row in session.scalars(q.with_for_update(skip_locked=True))]
    for row in due:
        row.escalated_at = now
    return due


def open_statuses() -> list[str]:
    return [s.value for s in OPEN]
