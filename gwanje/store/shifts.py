"""Shifts: who took the watch when, and the handover note (인수인계) left for the next shift."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from gwanje.store.models import ShiftRow, now_utc


def current(session: Session, username: str) -> ShiftRow | None:
    return session.scalar(
        select(ShiftRow)
        .where(ShiftRow.username == username, ShiftRow.ended_at.is_(None))
        .order_by(ShiftRow.started_at.desc())
        .limit(1)
    )


def start(
    session: Session, username: str, role: str, *, now: datetime | None = None
) -> tuple[ShiftRow, bool]:
    """The user's open shift, or a new one; returns (shift, whether it was started now)."""
    shift = current(session, username)
    if shift is not None:
        return shift, False
    shift = ShiftRow(username=username, role=role, started_at=now or now_utc())
    session.add(shift)
    session.flush()
    return shift, True


def end(session: Session, username: str, note: str | None, *, now: datetime | None = None) -> ShiftRow | None:
    shift = current(session, username)
    if shift is None:
        return None
    shift.ended_at = now or now_utc()
    shift.handover_note = (note or "").strip() or None
    return shift


def handovers(session: Session, *, limit: int = 5) -> list[ShiftRow]:
    """The latest ended shifts that left a note, newest first."""
    q = (
        select(ShiftRow)
        .where(ShiftRow.ended_at.is_not(None), ShiftRow.handover_note.is_not(None))
        .order_by(ShiftRow.ended_at.desc())
        .limit(limit)
    )
    return list(session.scalars(q))


def open_shifts(session: Session) -> list[ShiftRow]:
    return list(
        session.scalars(select(ShiftRow).where(ShiftRow.ended_at.is_(None)).order_by(ShiftRow.started_at))
    )
