"""Event (rule hit) repository: the hits as the cameras reported them, stored and never lost;
their grouping into alerts and the alerts' lifecycle are in ``alerts.py``.

Every function takes the caller's session and leaves the commit to it, so one request or one
ingest batch is one transaction: a failure stores nothing of it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from gwanje.domain import Event
from gwanje.store.models import EventRow, now_utc


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


def new_hits(
    session: Session, events: Iterable[Event], *, snapshot_dir: Path
) -> tuple[list[dict[str, Any]], list[Event]]:
    """The column dicts of the start phases not stored yet (their snapshots written, so no row
    will name a missing file), in order, and the end phases."""
    events = list(events)
    ids = {e.event_id for e in events if e.phase == "start"}
    existing = set(session.scalars(select(EventRow.id).where(EventRow.id.in_(ids)))) if ids else set()
    rows: list[dict[str, Any]] = []
    now = now_utc()
    for event in events:
        if event.phase != "start" or event.event_id in existing:
            continue
        existing.add(event.event_id)
        rows.append(
            {
                "id": event.event_id,
                "camera_id": event.camera_id,
                "type": event.type.value,
                "severity": event.severity.value,
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
                "alert_id": None,
                "shelf_id": None,
            }
        )
    return rows, [e for e in events if e.phase == "end"]


def insert_hits(session: Session, rows: list[dict[str, Any]]) -> None:
    """One bulk ``INSERT ... ON CONFLICT (id) DO NOTHING`` (a batch costs a few statements, not
    one per row): a hit whose id is already stored, e.g. delivered again by the NATS stream while
    another center's transaction stored it, is left as it is. (``ingest_hits`` skips the hits it
    already sees stored before this, so their alerts are not fed twice.)"""
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    else:  # pragma: no cover - the two stores Gwanje runs on
        session.execute(insert(EventRow), rows)
        return
    session.execute(dialect_insert(EventRow).on_conflict_do_nothing(index_elements=[EventRow.id]), rows)


def apply_ends(session: Session, ends: Iterable[Event]) -> dict[str, datetime]:
    """The end phases onto their hits; returns hit id → end time."""
    ended: dict[str, datetime] = {}
    for event in ends:
        session.execute(
            update(EventRow)
            .where(EventRow.id == event.event_id)
            .values(end_s=event.end_s, ended_at=event.ended_at)
        )
        ended[event.event_id] = event.ended_at
    return ended


def alerts_of(session: Session, hit_ids: Sequence[str]) -> dict[str, str]:
    """hit id → its alert id, for the hits that belong to an alert."""
    if not hit_ids:
        return {}
    q = select(EventRow.id, EventRow.alert_id).where(
        EventRow.id.in_(list(hit_ids)), EventRow.alert_id.is_not(None)
    )
    return {hit: alert for hit, alert in session.execute(q)}


def _jsonable(value: object) -> object:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if hasattr(value, "item"):  # numpy scalars
        return value.item()  # type: ignore[union-attr]
    return value


def get(session: Session, event_id: str) -> EventRow:
    row = session.get(EventRow, event_id)
    if row is None:
        raise NotFound(f"no event {event_id!r}")
    return row


def ids_present(session: Session, ids: Sequence[str]) -> list[str]:
    return list(session.scalars(select(EventRow.id).where(EventRow.id.in_(list(ids))))) if ids else []


def query(
    session: Session,
    *,
    camera_id: str | None = None,
    type: str | None = None,
    alert_id: str | None = None,
    alert_ids: Sequence[str] | None = None,
    limit: int = 100,
    before: datetime | None = None,
) -> list[EventRow]:
    """The latest hits first."""
    q = select(EventRow).order_by(EventRow.started_at.desc(), EventRow.id).limit(limit)
    if camera_id:
        q = q.where(EventRow.camera_id == camera_id)
    if type:
        q = q.where(EventRow.type == type)
    if alert_id is not None:
        q = q.where(EventRow.alert_id == alert_id)
    if alert_ids is not None:
        q = q.where(EventRow.alert_id.in_(list(alert_ids)))
    if before is not None:
        q = q.where(EventRow.started_at < before)
    return list(session.scalars(q))
