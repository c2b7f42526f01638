"""The webhook outbox: messages staged in the transaction of the facts they report, taken when
due, marked delivered, retried later or set aside as dead letters, replayed by a supervisor."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from gwanje.store.models import now_utc
from gwanje.store.models_exchange import OutboxRow

PENDING, DELIVERED, DEAD = "pending", "delivered", "dead"


@dataclass(frozen=True)
class Staged:
    webhook: str
    key: str
    type: str
    camera_id: str | None
    body: str


def stage(session: Session, messages: Iterable[Staged], now: datetime | None = None) -> None:
    """Queue messages in the caller's transaction; one already queued under its key is kept as
    it was (the receiver must see one message per fact, however often the center says it)."""
    at = now or now_utc()
    rows = [
        {
            "webhook": m.webhook,
            "key": m.key,
            "type": m.type,
            "camera_id": m.camera_id,
            "body": m.body,
            "state": PENDING,
            "created_at": at,
            "next_at": at,
            "attempts": 0,
        }
        for m in messages
    ]
    if not rows:
        return
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(insert(OutboxRow).values(rows).on_conflict_do_nothing(index_elements=["webhook", "key"]))


def due(session: Session, webhook: str, limit: int, now: datetime | None = None) -> list[OutboxRow]:
    """The oldest pending messages of a receiver whose time has come."""
    q = (
        select(OutboxRow)
        .where(
            OutboxRow.webhook == webhook, OutboxRow.state == PENDING, OutboxRow.next_at <= (now or now_utc())
        )
        .order_by(OutboxRow.id)
        .limit(limit)
    )
    return list(session.scalars(q))


@dataclass(frozen=True)
class Outcome:
    id: int
    ok: bool
    status: int | None = None
    error: str | None = None
    retry_at: datetime | None = None  # None and not ok: a dead letter


def record(session: Session, outcomes: Iterable[Outcome], now: datetime | None = None) -> None:
    at = now or now_utc()
    for o in outcomes:
        values: dict = {"attempts": OutboxRow.attempts + 1, "last_status": o.status, "last_at": at}
        if o.ok:
            values |= {"state": DELIVERED, "delivered_at": at, "last_error": None}
        else:
            values["last_error"] = (o.error or "")[:300]
            values |= {"next_at": o.retry_at} if o.retry_at is not None else {"state": DEAD}
        session.execute(
            update(OutboxRow).where(OutboxRow.id == o.id, OutboxRow.state == PENDING).values(**values)
        )


def replay(session: Session, ids: Iterable[int] | None = None, webhook: str | None = None) -> int:
    """Dead letters back to pending, due now, their attempts counted afresh; returns how many."""
    q = update(OutboxRow).where(OutboxRow.state == DEAD)
    if ids is not None:
        q = q.where(OutboxRow.id.in_(list(ids)))
    if webhook is not None:
        q = q.where(OutboxRow.webhook == webhook)
    return session.execute(q.values(state=PENDING, attempts=0, next_at=now_utc())).rowcount or 0


def discard(session: Session, ids: Iterable[int]) -> int:
    """Dead letters a supervisor decided no receiver needs."""
    q = delete(OutboxRow).where(OutboxRow.state == DEAD, OutboxRow.id.in_(list(ids)))
    return session.execute(q).rowcount or 0


def listing(
    session: Session, state: str, webhook: str | None, limit: int, offset: int
) -> tuple[int, list[OutboxRow]]:
    q = select(OutboxRow).where(OutboxRow.state == state)
    if webhook is not None:
        q = q.where(OutboxRow.webhook == webhook)
    total = session.scalar(select(func.count()).select_from(q.subquery())) or 0
    rows = session.scalars(q.order_by(OutboxRow.id.desc()).limit(limit).offset(offset))
    return total, list(rows)


def depths(session: Session) -> dict[str, dict[str, int]]:
    """Messages per receiver and state."""
    out: dict[str, dict[str, int]] = {}
    q = select(OutboxRow.webhook, OutboxRow.state, func.count()).group_by(OutboxRow.webhook, OutboxRow.state)
    for webhook, state, n in session.execute(q):
        out.setdefault(webhook, {PENDING: 0, DELIVERED: 0, DEAD: 0})[state] = n
    return out


def forget_delivered(session: Session, older_than: timedelta, now: datetime | None = None) -> int:
    before = (now or now_utc()) - older_than
    q = delete(OutboxRow).where(OutboxRow.state == DELIVERED, OutboxRow.delivered_at < before)
    return session.execute(q).rowcount or 0
