"""Shelves (ISA-18.2): a chattering rule on a camera silenced for a set time with a reason. Its
hits are stored and counted on the shelf but raise nothing; a shelf ends by itself at ``until``
or when someone takes the rule off it."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from gwanje.store.models import ShelfRow, now_utc, utc


class ShelfError(ValueError):
    pass


def active(
    session: Session, *, now: datetime | None = None, camera_ids: list[str] | None = None
) -> list[ShelfRow]:
    now = now or now_utc()
    q = select(ShelfRow).where(ShelfRow.until > now, ShelfRow.cleared_at.is_(None)).order_by(ShelfRow.until)
    if camera_ids is not None:
        q = q.where(ShelfRow.camera_id.in_(camera_ids))
    return list(session.scalars(q))


def matching(shelves: list[ShelfRow], camera_id: str, type_: str, zone: str | None) -> ShelfRow | None:
    """The shelf that silences this hit, if any (a shelf without a zone covers every zone)."""
    for shelf in shelves:
        if shelf.camera_id == camera_id and shelf.type == type_ and shelf.zone in (None, zone):
            return shelf
    return None


def shelve(
    session: Session,
    *,
    camera_id: str,
    type_: str,
    zone: str | None,
    hours: float,
    reason: str,
    username: str,
    max_hours: float,
    now: datetime | None = None,
) -> ShelfRow:
    now = now or now_utc()
    if not reason.strip():
        raise ShelfError("a shelf needs a reason (what is wrong with the rule, who will fix it)")
    if not 0 < hours <= max_hours:
        raise ShelfError(
            f"a rule may be shelved for more than 0 and at most {max_hours:g} hours, not {hours:g}"
        )
    if matching(active(session, now=now, camera_ids=[camera_id]), camera_id, type_, zone) is not None:
        raise ShelfError(f"{type_} on {camera_id} is shelved already")
    row = ShelfRow(
        camera_id=camera_id,
        type=type_,
        zone=zone,
        reason=reason.strip(),
        created_by=username,
        created_at=now,
        until=now + timedelta(hours=hours),
        hits=0,
    )
    session.add(row)
    session.flush()
    return row


def clear(session: Session, shelf_id: int, *, username: str, now: datetime | None = None) -> ShelfRow:
    row = session.get(ShelfRow, shelf_id, with_for_update=True)
    now = now or now_utc()
    if row is None or row.cleared_at is not None or utc(row.until) <= now:
        raise LookupError(f"no active shelf {shelf_id}")
    row.cleared_by, row.cleared_at = username, now
    return row


def recent(session: Session, *, since: datetime) -> list[ShelfRow]:
    """Shelves active now or ended since ``since`` (for the supervisors' list)."""
    q = select(ShelfRow).where(or_(ShelfRow.until > since, ShelfRow.cleared_at > since))
    return list(session.scalars(q.order_by(ShelfRow.created_at.desc()).limit(200)))
