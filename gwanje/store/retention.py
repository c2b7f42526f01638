"""Forgetting hits and alerts past their time: hits (and their snapshots) that started more than
``keep_days`` ago, whose alert is closed (or that belong to none), not covered by an active legal
hold; then the closed alerts left without hits. A batch at a time; the caller audits each batch
and removes the snapshot files after the commit. The audit itself is never deleted here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, exists, select
from sqlalchemy.orm import Session

from gwanje.store.holds import active as active_holds
from gwanje.store.holds import holds_span
from gwanje.store.models import AlertRow, EventRow, utc

CLOSED = ("resolved", "false_alarm")


@dataclass(frozen=True)
class Forgotten:
    hits: int
    alerts: int
    held: int  # old hits kept because a legal hold covers them
    snapshots: list[str]  # paths (relative to the snapshot folder) to remove after the commit


def forget_before(session: Session, before: datetime, limit: int = 1000) -> Forgotten:
    open_alert = exists().where(AlertRow.id == EventRow.alert_id, AlertRow.status.not_in(CLOSED))
    rows = session.execute(
        select(EventRow.id, EventRow.camera_id, EventRow.started_at, EventRow.snapshot_path)
        .where(EventRow.started_at < before, ~open_alert)
        .order_by(EventRow.started_at)
        .limit(limit)
    ).all()
    holds = active_holds(session)
    moment = timedelta(microseconds=1)
    gone = [
        r for r in rows if not holds_span(holds, r.camera_id, utc(r.started_at), utc(r.started_at) + moment)
    ]
    held = len(rows) - len(gone)
    if gone:
        session.execute(delete(EventRow).where(EventRow.id.in_([r.id for r in gone])))
    empty = session.scalars(
        select(AlertRow.id)
        .where(AlertRow.status.in_(CLOSED), AlertRow.last_at < before)
        .where(~exists().where(EventRow.alert_id == AlertRow.id))
        .limit(limit)
    ).all()
    for alert in session.scalars(select(AlertRow).where(AlertRow.id.in_(list(empty)))):
        session.delete(alert)  # its actions and checklist go with it
    return Forgotten(len(gone), len(empty), held, [r.snapshot_path for r in gone if r.snapshot_path])
