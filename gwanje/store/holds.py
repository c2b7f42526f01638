"""Legal holds: footage kept for a case past its retention (and from the disk guard) until a
supervisor releases the hold. Creating and releasing are audited by the caller's transaction."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from gwanje.store.models import HoldRow, now_utc, utc


class HoldError(ValueError):
    pass


def create(
    session: Session,
    *,
    camera_ids: list[str],
    start: datetime,
    end: datetime,
    case_number: str,
    reason: str,
    username: str,
) -> HoldRow:
    if not camera_ids:
        raise HoldError("a hold needs at least one camera")
    if end <= start:
        raise HoldError("a hold's end must come after its start")
    if not case_number.strip() or not reason.strip():
        raise HoldError("a hold needs a case number and a reason")
    row = HoldRow(
        camera_ids=sorted(set(camera_ids)),
        start_at=start,
        end_at=end,
        case_number=case_number.strip(),
        reason=reason.strip(),
        created_by=username,
    )
    session.add(row)
    session.flush()
    return row


def release(session: Session, hold_id: int, *, username: str, reason: str) -> HoldRow:
    row = session.get(HoldRow, hold_id, with_for_update=True)
    if row is None:
        raise LookupError(f"no hold {hold_id}")
    if row.released_at is not None:
        raise HoldError(f"hold {hold_id} was released already")
    if not reason.strip():
        raise HoldError("releasing a hold needs a reason")
    row.released_by, row.released_at, row.release_reason = username, now_utc(), reason.strip()
    return row


def active(session: Session) -> list[HoldRow]:
    return list(session.scalars(select(HoldRow).where(HoldRow.released_at.is_(None)).order_by(HoldRow.id)))


def all_holds(session: Session, limit: int = 200) -> list[HoldRow]:
    return list(session.scalars(select(HoldRow).order_by(HoldRow.id.desc()).limit(limit)))


def holds_span(holds: list[HoldRow], camera_id: str, start: datetime, end: datetime) -> bool:
    """Whether an active hold covers any of [start, end) of the camera."""
    s, e = utc(start), utc(end)
    return any(camera_id in h.camera_ids and utc(h.start_at) < e and utc(h.end_at) > s for h in holds)
