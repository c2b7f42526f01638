"""One builder for the domain ``Event`` values the store and API tests feed in."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from gwanje.domain import Event, EventType, Severity


def make_event(
    camera_id: str = "cam-1",
    type: EventType = EventType.INTRUSION,
    *,
    event_id: str | None = None,
    phase: str = "start",
    start_s: float = 10.0,
    end_s: float | None = None,
    severity: Severity = Severity.HIGH,
    snapshot: bytes | None = None,
    started_at: datetime | None = None,
) -> Event:
    return Event(
        event_id=event_id or uuid.uuid4().hex[:16],
        phase=phase,
        camera_id=camera_id,
        type=type,
        severity=severity,
        start_s=start_s,
        end_s=start_s if end_s is None else end_s,
        started_at=started_at or datetime(2026, 11, 25, 9, 0, tzinfo=UTC) + timedelta(seconds=start_s),
        track_ids=(3,),
        boxes=((10.0, 20.0, 50.0, 120.0),),
        confidence=0.8,
        zone="lawn",
        details={"dwell_s": 12.5},
        snapshot_jpeg=snapshot,
    )
