"""API keys of the machines that send alarms and incidents in or read the status summary: made
(the key shown once), found by the SHA-256 of what a request carries, revoked, counted."""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from gwanje.store.models import iso, now_utc, utc
from gwanje.store.models_exchange import ApiKeyRow

SCOPES = ("alarms", "incidents", "status")
PREFIX = "gwk_"


class NoSuchKey(LookupError):
    pass


def digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def create(
    session: Session,
    *,
    source: str,
    scopes: list[str],
    cameras: list[str],
    created_by: str,
    rate_per_min: int = 120,
    days: float | None = None,
    note: str | None = None,
) -> tuple[ApiKeyRow, str]:
    """A new key for ``source``; returns the row and the key, which is never stored."""
    if not re.fullmatch(r"[a-z0-9][a-z0-9_\-]{0,63}", source):
        raise ValueError(f"source {source!r}: lower-case letters, digits, - and _, at most 64")
    unknown = sorted(set(scopes) - set(SCOPES))
    if unknown or not scopes:
        raise ValueError(f"scopes must be some of {', '.join(SCOPES)} (got {', '.join(scopes) or 'none'})")
    if not cameras:
        raise ValueError('name the cameras the key may raise alarms on, or "*" for all')
    key = PREFIX + secrets.token_urlsafe(32)
    row = ApiKeyRow(
        source=source,
        prefix=key[:12],
        hash=digest(key),
        scopes=sorted(set(scopes)),
        cameras=sorted(set(cameras)),
        rate_per_min=rate_per_min,
        note=note,
        created_by=created_by,
        created_at=now_utc(),
        expires_at=now_utc() + timedelta(days=days) if days else None,
        used=0,
        refused=0,
    )
    session.add(row)
    session.flush()
    return row, key


def find(session: Session, key: str) -> ApiKeyRow | None:
    """The key's row, whatever its state (the caller says why it is refused)."""
    if not key.startswith(PREFIX) or len(key) > 100:
        return None
    return session.scalar(select(ApiKeyRow).where(ApiKeyRow.hash == digest(key)))


def state(row: ApiKeyRow, now: datetime | None = None) -> str:
    """live, revoked or expired."""
    if row.revoked_at is not None:
        return "revoked"
    if row.expires_at is not None and utc(row.expires_at) <= (now or now_utc()):
        return "expired"
    return "live"


def refusal(row: ApiKeyRow | None, scope: str, now: datetime | None = None) -> tuple[int, str] | None:
    """(HTTP status, reason) when the key may not be used for ``scope`` now; None when it may."""
    if row is None:
        return 401, "unknown API key"
    st = state(row, now)
    if st == "revoked":
        return 401, "this API key was revoked"
    if st == "expired":
        return 401, "this API key has expired"
    if scope not in row.scopes:
        return 403, f"this API key may not be used for {scope}"
    return None


def allows_camera(row: ApiKeyRow, camera_id: str) -> bool:
    return "*" in row.cameras or camera_id in row.cameras


def count(session: Session, key_id: int, *, used: int = 0, refused: int = 0) -> None:
    values: dict = {"used": ApiKeyRow.used + used, "refused": ApiKeyRow.refused + refused}
    if used:
        values["last_used_at"] = now_utc()
    session.execute(update(ApiKeyRow).where(ApiKeyRow.id == key_id).values(**values))


def listing(session: Session) -> list[ApiKeyRow]:
    return list(session.scalars(select(ApiKeyRow).order_by(ApiKeyRow.id)))


def revoke(session: Session, key_id: int, by: str) -> ApiKeyRow:
    row = session.get(ApiKeyRow, key_id, with_for_update=True)
    if row is None:
        raise NoSuchKey(f"no API key {key_id}")
    if row.revoked_at is None:
        row.revoked_at, row.revoked_by = now_utc(), by
    return row


def public(row: ApiKeyRow) -> dict:
    return {
        "id": row.id,
        "source": row.source,
        "prefix": row.prefix,
        "scopes": row.scopes,
        "cameras": row.cameras,
        "rate_per_min": row.rate_per_min,
        "note": row.note,
        "created_by": row.created_by,
        "created_at": iso(row.created_at),
        "expires_at": iso(row.expires_at),
        "revoked_at": iso(row.revoked_at),
        "revoked_by": row.revoked_by,
        "last_used_at": iso(row.last_used_at),
        "used": row.used,
        "refused": row.refused,
    }
