"""Failed logins, counted in the store per account and per address, with a waiting time that
doubles with each failure past the allowance. The counts survive a restart; a run of failures
older than the window is forgotten."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.orm import Session

from gwanje.store.models import LoginFailureRow, now_utc, utc
from gwanje.store.users import canonical_username

MAX_WAIT = timedelta(minutes=15)


@dataclass(frozen=True)
class Policy:
    attempts: int  # failures of an account allowed before it waits
    address_attempts: int  # failures from one address (over all accounts) before it waits
    window: timedelta  # a run of failures is forgotten this long after its last one
    base: timedelta = timedelta(seconds=1)  # the first wait; each further failure doubles it


def account_key(username: str) -> str:
    return "user:" + canonical_username(username)[:150]


def address_key(ip: str) -> str:
    return "ip:" + ip[:150]


def _current(session: Session, key: str, now: datetime, window: timedelta) -> LoginFailureRow | None:
    row = session.get(LoginFailureRow, key, with_for_update=True)
    if (
        row is not None
        and now - utc(row.last_at) > window
        and (row.locked_until is None or utc(row.locked_until) <= now)
    ):
        session.delete(row)
        session.flush()
        return None
    return row


def standing(session: Session, key: str, policy: Policy, now: datetime | None = None) -> tuple[int, float]:
    """This key's failures in its current run and the seconds it must still wait (0: it may try)."""
    now = now or now_utc()
    row = _current(session, key, now, policy.window)
    if row is None:
        return 0, 0.0
    wait = 0.0 if row.locked_until is None else max(0.0, (utc(row.locked_until) - now).total_seconds())
    return row.count, wait


def wait_s(session: Session, key: str, policy: Policy, now: datetime | None = None) -> float:
    """Seconds this key must still wait (0: it may try now)."""
    return standing(session, key, policy, now)[1]


def failures(session: Session, key: str, policy: Policy, now: datetime | None = None) -> int:
    return standing(session, key, policy, now)[0]


def fail(session: Session, key: str, allowed: int, policy: Policy, now: datetime | None = None) -> int:
    """Count a failure; past ``allowed`` the key waits ``base`` × 2^(failures past it), at most
    15 minutes. Returns the count."""
    now = now or now_utc()
    row = _current(session, key, now, policy.window)
    if row is None:
        row = LoginFailureRow(key=key, count=0, first_at=now, last_at=now)
        session.add(row)
    row.count += 1
    row.last_at = now
    if row.count >= allowed:
        wait = min(MAX_WAIT, policy.base * 2 ** min(row.count - allowed, 20))
        row.locked_until = now + wait
    session.flush()
    return row.count


def clear(session: Session, key: str) -> None:
    session.execute(delete(LoginFailureRow).where(LoginFailureRow.key == key))
