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


Regions = list[tuple[tuple[float, float, float, float], float]]


class RegionSpell:
    """One event for a spell of regions a rule finds in the picture (fire, smoke): it starts on a
    frame with regions once the rule is ``ready`` (from ``began``, default that frame) and ends once
    no region has been seen for ``clear_s``. Its hits carry the regions' boxes and the best score as
    the confidence."""

    def __init__(self, type_: EventType, severity: Severity, clear_s: float) -> None:
        self.type, self.severity, self.clear_s = type_, severity, clear_s
        self.last_seen: float | None = None  # when regions were last found
        self._event: tuple[str, float] | None = None  # (id, start)

    def step(
        self, t: float, regions: Regions, ready: bool = True, began: float | None = None
    ) -> list[RuleHit]:
        if regions:
            self.last_seen = t
        if self._event is None:
            if regions and ready:
                self._event = (new_event_id(), t if began is None else began)
                return [self._hit("start", t, regions)]
            return []
        if self.last_seen is not None and t - self.last_seen >= self.clear_s:
            hit = self._hit("end", t, [])
            self._event = None
            return [hit]
        return []

    def _hit(self, phase: str, t: float, regions: Regions) -> RuleHit:
        assert self._event is not None
        return RuleHit(
            self._event[0],
            phase,
            self.type,
            self.severity,
            None,
            self._event[1],
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
