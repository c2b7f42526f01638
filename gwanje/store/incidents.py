"""Incidents in the store: opened once per (source, reference), moved, handled, closed."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from gwanje.store.models import iso, now_utc, utc
from gwanje.store.models_exchange import IncidentRow

OPEN, HANDLED, CLOSED = "open", "handled", "closed"
NEXT = {"handle": ({OPEN}, HANDLED), "close": ({OPEN, HANDLED}, CLOSED)}


class NotFound(LookupError):
    pass


class Illegal(ValueError):
    pass


def by_reference(session: Session, source: str, reference: str) -> IncidentRow | None:
    q = select(IncidentRow).where(IncidentRow.source == source, IncidentRow.reference == reference)
    return session.scalar(q)


def get(session: Session, incident_id: str, lock: bool = False) -> IncidentRow:
    row = session.get(IncidentRow, incident_id, with_for_update=lock)
    if row is None:
        raise NotFound(f"no incident {incident_id!r}")
    return row


def in_force(session: Session, now: datetime | None = None) -> list[IncidentRow]:
    """Open incidents (a center report only until its end)."""
    at = now or now_utc()
    rows = session.scalars(
        select(IncidentRow).where(IncidentRow.status == OPEN).order_by(IncidentRow.created_at)
    )
    return [r for r in rows if r.until is None or utc(r.until) > at]


def recent(session: Session, limit: int = 200) -> list[IncidentRow]:
    return list(session.scalars(select(IncidentRow).order_by(IncidentRow.created_at.desc()).limit(limit)))


def move(row: IncidentRow, lat: float, lon: float, at: datetime, cameras: list[str]) -> None:
    row.track = [*row.track, [lat, lon, utc(at).isoformat()]][-500:]
    row.lat, row.lon, row.cameras, row.updated_at = lat, lon, cameras, now_utc()


def step(row: IncidentRow, action: str, username: str) -> None:
    sources, target = NEXT[action]
    if row.status not in sources:
        raise Illegal(f"cannot {action} an incident that is {row.status}")
    now = now_utc()
    row.status, row.updated_at = target, now
    if target == HANDLED:
        row.handled_by, row.handled_at = username, now
    else:
        row.closed_by, row.closed_at = username, now


def public(row: IncidentRow) -> dict:
    return {
        "id": row.id,
        "kind": row.kind,
        "status": row.status,
        "lat": row.lat,
        "lon": row.lon,
        "radius_m": row.radius_m,
        "occurred_at": iso(row.occurred_at),
        "source": row.source,
        "reference": row.reference,
        "note": row.note,
        "cameras": row.cameras,
        "track": row.track,
        "until": iso(row.until),
        "created_by": row.created_by,
        "created_at": iso(row.created_at),
        "updated_at": iso(row.updated_at),
        "handled_by": row.handled_by,
        "handled_at": iso(row.handled_at),
        "closed_by": row.closed_by,
        "closed_at": iso(row.closed_at),
    }
