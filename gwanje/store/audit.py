"""Append-only audit records: every login, every live or recorded video view, every change."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gwanje.store.models import AuditRow


def record(
    session: Session,
    *,
    username: str,
    action: str,
    target: str | None = None,
    detail: dict[str, Any] | None = None,
    ip: str | None = None,
) -> None:
    session.add(AuditRow(username=username, action=action, target=target, detail=detail or {}, ip=ip))


def recent(session: Session, *, limit: int = 200, action: str | None = None) -> list[AuditRow]:
    query = select(AuditRow).order_by(AuditRow.id.desc()).limit(limit)
    if action:
        query = query.where(AuditRow.action == action)
    return list(session.scalars(query))
