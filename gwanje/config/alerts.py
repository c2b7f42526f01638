"""What a person handles (``alerts:`` in the site YAML): rule hits grouped into alerts, which hits
re-raise an acknowledged alert, which are only recorded, and how long a rule may be shelved.

ISA-18.2 / EEMUA 191: an operator can handle about one alert in ten minutes; an alarm must call
for a response, repeating ("chattering") alarms are grouped, and a nuisance rule is shelved for a
while with a reason, not silenced for good. Defaults and their reasons: docs/alerts.md."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from gwanje.config.base import Severity, Strict

SEVERITY_RANK = {"info": 0, "low": 1, "medium": 2, "high": 3, "critical": 4}


class AlertsConfig(Strict):
    quiet_s: float = Field(
        120.0,
        gt=0,
        description="Hits of one rule on one camera and zone join the open alert while the activity "
        "goes on and for this long after it; later, a new alert opens",
    )
    quiet_by_type: dict[str, Annotated[float, Field(gt=0)]] = Field(
        default_factory=lambda: {"tamper": 600.0, "crowd": 300.0, "crowd_trend": 300.0},
        description="The quiet period per event type, where it differs",
    )
    min_severity: Severity = Field(
        "medium",
        description="Hits below this severity are recorded and counted but open no alert (a line "
        "crossing kept for statistics calls for no response); raise a rule's severity to alert on it",
    )
    life_safety_types: list[str] = Field(
        default_factory=lambda: ["emergency_bell", "fire", "smoke", "fight", "fall"],
        description="A new hit of these types re-raises its acknowledged alert (so does crowd danger "
        "and any hit more severe than the alert)",
    )
    max_shelve_h: float = Field(8.0, gt=0, le=72, description="The longest a rule may be shelved")

    def quiet_for(self, event_type: str) -> float:
        return self.quiet_by_type.get(event_type, self.quiet_s)

    def alerts_on(self, severity: str) -> bool:
        return SEVERITY_RANK.get(severity, 0) >= SEVERITY_RANK[self.min_severity]
