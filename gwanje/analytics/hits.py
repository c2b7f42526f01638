"""What rules share: the ``RuleHit`` a rule reports before the pipeline dresses it as an
``Event`` (absolute time, snapshot), new event ids, and the class filter."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

import numpy as np
import supervision as sv

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


def region_hit(
    event: tuple[str, float],
    phase: str,
    type_: EventType,
    severity: Severity,
    t: float,
    regions: list[tuple[tuple[float, float, float, float], float]],
) -> RuleHit:
    """A hit of a rule that finds regions in the picture (fire, smoke): ``event`` is (id, start),
    ``regions`` (box, score); the boxes go with it and the best score is its confidence."""
    return RuleHit(
        event[0],
        phase,
        type_,
        severity,
        None,
        event[1],
        t,
        boxes=tuple(b for b, _ in regions),
        confidence=round(max((f for _, f in regions), default=0.0), 3),
        details={"regions": len(regions)},
    )


def class_mask(detections: sv.Detections, classes: list[str]) -> np.ndarray:
    """Which detections are of the given class names (all of them when no names are given)."""
    names = detections.data.get("class_name")
    if names is None or not classes:
        return np.ones(len(detections), dtype=bool)
    return np.isin(np.asarray(names, dtype=object), classes)
