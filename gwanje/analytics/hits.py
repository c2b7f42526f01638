"""What a rule reports, before the pipeline dresses it as an ``Event`` (absolute time, snapshot)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from gwanje.domain import EventType, Severity


@dataclass(frozen=True)
class RuleHit:
    event_id: str
    phase: str  # "start" or "end"
    type: EventType
    severity: Severity
    zone: str | None
    start_s: float
    end_s: float
    track_ids: tuple[int, ...] = ()
    boxes: tuple[tuple[float, float, float, float], ...] = ()
    confidence: float = 1.0
    details: dict[str, object] = field(default_factory=dict)


def new_event_id() -> str:
    return uuid.uuid4().hex[:16]
