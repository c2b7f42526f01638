"""Public shapes: what the center publishes to consoles and other systems about alerts and their
hits, and what the API serves (pydantic), apart from the tables."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, field_serializer

from gwanje.store.models import AlertRow, EventRow, utc


class _Utc(BaseModel):
    """Datetimes out as UTC ISO strings (SQLite hands them back without their zone)."""

    model_config = ConfigDict(from_attributes=True)

    @field_serializer("*", when_used="json")
    def _utc(self, v: object) -> object:
        return utc(v).isoformat() if isinstance(v, datetime) else v


class HitPublic(_Utc):
    """One rule hit as the camera reported it."""

    id: str
    camera_id: str
    type: str
    severity: str
    zone: str | None
    started_at: datetime
    ended_at: datetime | None
    confidence: float
    track_ids: list[Any]
    boxes: list[Any]
    details: dict[str, Any]
    has_snapshot: bool
    received_at: datetime
    alert_id: str | None
    shelf_id: int | None


class SopStepPublic(_Utc):
    position: int
    text: str
    text_en: str | None
    done_by: str | None
    done_at: datetime | None


class ActionPublic(_Utc):
    action: str
    from_status: str
    to_status: str
    username: str
    at: datetime
    note: str | None


class AlertPublic(_Utc):
    """An alert as the queue shows it."""

    id: str
    camera_id: str
    type: str
    zone: str | None
    status: str
    severity: str
    confidence: float
    first_at: datetime
    last_hit_at: datetime
    last_at: datetime
    ended_at: datetime | None
    open_hits: int
    hit_count: int
    track_ids: list[Any]
    details: dict[str, Any]
    has_snapshot: bool
    best_event_id: str | None
    latest_event_id: str | None
    received_at: datetime
    raised_at: datetime
    raise_count: int
    acknowledged_by: str | None
    acknowledged_at: datetime | None
    dispatched_to: str | None
    dispatch_note: str | None
    dispatched_at: datetime | None
    closed_by: str | None
    closed_at: datetime | None
    closing_note: str | None
    escalated_at: datetime | None
    sop_total: int
    sop_done: int


class AlertDetail(AlertPublic):
    sop: list[SopStepPublic]
    actions: list[ActionPublic]
    hits: list[HitPublic]  # the latest first


def hit_summary(row: EventRow) -> dict[str, Any]:
    d = {k: getattr(row, k) for k in HitPublic.model_fields if hasattr(row, k)}
    d["has_snapshot"] = bool(row.snapshot_path)
    return HitPublic.model_validate(d).model_dump(mode="json")


def _alert(row: AlertRow) -> dict[str, Any]:
    d = {k: getattr(row, k) for k in AlertPublic.model_fields if hasattr(row, k)}
    d["has_snapshot"] = row.best_event_id is not None
    steps = row.sop_steps
    d["sop_total"] = len(steps)
    d["sop_done"] = sum(1 for s in steps if s.done_at is not None)
    return d


def alert_summary(row: AlertRow) -> dict[str, Any]:
    return AlertPublic.model_validate(_alert(row)).model_dump(mode="json")


def alert_detail(row: AlertRow, hits: list[EventRow]) -> dict[str, Any]:
    d = _alert(row)
    d["sop"] = [SopStepPublic.model_validate(s) for s in row.sop_steps]
    d["actions"] = [ActionPublic.model_validate(a) for a in row.actions]
    d["hits"] = [HitPublic.model_validate({**hit_summary(h)}) for h in hits]
    return AlertDetail.model_validate(d).model_dump(mode="json")
