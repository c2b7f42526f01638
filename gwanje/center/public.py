"""Public shapes of an event: what the center publishes to consoles and other systems, and what
the API serves (pydantic), apart from the tables."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, field_serializer

from gwanje.store.models import EventRow, utc


class _Utc(BaseModel):
    """Datetimes out as UTC ISO strings (SQLite hands them back without their zone)."""

    model_config = ConfigDict(from_attributes=True)

    @field_serializer("*", when_used="json")
    def _utc(self, v: object) -> object:
        return utc(v).isoformat() if isinstance(v, datetime) else v


class SopStepPublic(_Utc):
    position: int
    text: str
    done_by: str | None
    done_at: datetime | None


class ActionPublic(_Utc):
    action: str
    from_status: str
    to_status: str
    username: str
    at: datetime
    note: str | None


class EventPublic(_Utc):
    id: str
    camera_id: str
    type: str
    severity: str
    status: str
    zone: str | None
    started_at: datetime
    ended_at: datetime | None
    confidence: float
    track_ids: list[Any]
    boxes: list[Any]
    details: dict[str, Any]
    has_snapshot: bool
    received_at: datetime
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


class EventDetail(EventPublic):
    sop: list[SopStepPublic]
    actions: list[ActionPublic]


def _base(row: EventRow) -> dict[str, Any]:
    d = {k: getattr(row, k) for k in EventPublic.model_fields if hasattr(row, k)}
    d["has_snapshot"] = bool(row.snapshot_path)
    steps = row.sop_steps
    d["sop_total"] = len(steps)
    d["sop_done"] = sum(1 for s in steps if s.done_at is not None)
    return d


def new_event_summary(row: dict[str, Any]) -> dict[str, Any]:
    """The summary of an event just ingested, from its column values (no query)."""
    d = {k: row.get(k) for k in EventPublic.model_fields}
    d["has_snapshot"] = bool(row.get("snapshot_path"))
    d["sop_done"] = 0
    return EventPublic.model_validate(d).model_dump(mode="json")


def event_summary(row: EventRow) -> dict[str, Any]:
    return EventPublic.model_validate(_base(row)).model_dump(mode="json")


def event_detail(row: EventRow) -> dict[str, Any]:
    d = _base(row)
    d["sop"] = [SopStepPublic.model_validate(s) for s in row.sop_steps]
    d["actions"] = [ActionPublic.model_validate(a) for a in row.actions]
    return EventDetail.model_validate(d).model_dump(mode="json")
