"""Sessions and CSRF (failed logins are counted in ``gwanje.store.throttle``).

The session cookie (HttpOnly, SameSite=Strict) carries a random token; the store keeps only its
SHA-256. Every state-changing request must also send the session's CSRF token in the
``X-CSRF-Token`` header (double submit: the token is in a readable cookie and in the login
answer, which another site can read neither of)."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from gwanje.store.models import SessionRow, UserRow, now_utc, utc

SESSION_COOKIE = "gwanje_session"
CSRF_COOKIE = "gwanje_csrf"
CSRF_HEADER = "x-csrf-token"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class Principal:
    """Who is asking: what the routes need to know of a signed-in user."""

    user_id: int
    username: str
    role: str
    agency: str | None
    display_name: str
    csrf_token: str
    token_hash: str = ""
    seen_at: float = 0.0  # epoch seconds of the session's last recorded use

    @property
    def is_agency(self) -> bool:
        return self.role == "agency"

    def public(self) -> dict:
        return {
            "username": self.username,
            "role": self.role,
            "agency": self.agency,
            "display_name": self.display_name,
        }


def open_session(session: Session, user: UserRow, hours: float, per_user: int = 5) -> tuple[str, str]:
    """A new session for the user (the oldest of theirs ended beyond ``per_user``); returns
    (cookie token, CSRF token)."""
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    session.execute(delete(SessionRow).where(SessionRow.expires_at < now_utc()))
    theirs = session.scalars(
        select(SessionRow.token_hash)
        .where(SessionRow.user_id == user.id)
        .order_by(SessionRow.created_at.desc())
    ).all()
    if len(theirs) >= per_user:
        session.execute(delete(SessionRow).where(SessionRow.token_hash.in_(theirs[per_user - 1 :])))
    now = now_utc()
    session.add(
        SessionRow(
            token_hash=_digest(token),
            user_id=user.id,
            csrf_token=csrf,
            created_at=now,
            expires_at=now + timedelta(hours=hours),
            last_seen_at=now,
        )
    )
    return token, csrf


def principal_for(session: Session, token: str | None, idle: timedelta | None = None) -> Principal | None:
    """Who holds this session token, if it is still valid (not expired, not idle too long, the
    account active)."""
    if not token:
        return None
    row = session.get(SessionRow, _digest(token))
    now = now_utc()
    if row is None or utc(row.expires_at) < now:
        return None
    seen = utc(row.last_seen_at or row.created_at)
    if idle is not None and idle.total_seconds() > 0 and now - seen > idle:
        return None
    user = session.get(UserRow, row.user_id)
    if user is None or not user.active:
        return None
    return Principal(
        user.id,
        user.username,
        user.role,
        user.agency,
        user.display_name,
        row.csrf_token,
        row.token_hash,
        seen.timestamp(),
    )


def touch(session: Session, token_hash: str) -> None:
    """The session was used now (its idle clock starts again)."""
    session.execute(
        update(SessionRow).where(SessionRow.token_hash == token_hash).values(last_seen_at=now_utc())
    )


def close_session(session: Session, token: str | None) -> None:
    if token:
        session.execute(delete(SessionRow).where(SessionRow.token_hash == _digest(token)))


def csrf_ok(principal: Principal, header: str | None) -> bool:
    return bool(header) and secrets.compare_digest(principal.csrf_token, header or "")
