"""Selective monitoring (``triage:`` in the site YAML): how a camera's priority is computed and
how walls are filled. Defaults and their reasons: docs/triage.md."""

from __future__ import annotations

from pydantic import Field, model_validator

from gwanje.config.base import Strict

SEVERITY_WEIGHT = {"info": 0.5, "low": 1.0, "medium": 2.0, "high": 3.0, "critical": 5.0}
TYPE_WEIGHT = {
    "emergency_bell": 2.5,  # a person asked for help at this pole
    "fire": 2.0,
    "smoke": 1.8,
    "fight": 1.8,
    "fall": 1.6,
    "crowd": 1.5,
    "car_break_in": 1.3,
    "intrusion": 1.2,
    "abandoned_object": 1.2,
    "crowd_trend": 1.0,
    "loitering": 1.0,
    "tamper": 0.8,
    "line_crossing": 0.6,
    "illegal_parking": 0.5,
    "external_alarm": 1.0,
}
KIND_WEIGHT = {
    "school": 1.5,
    "crossing": 1.3,
    "alley": 1.2,
    "market": 1.2,
    "park": 1.1,
    "parking": 1.0,
    "residential": 1.0,
    "road": 0.9,
    "default": 1.0,
}
NIGHT_FACTOR = {"alley": 1.5, "parking": 1.4, "park": 1.3, "residential": 1.2}
SCHOOL_HOURS_FACTOR = {"school": 1.4, "crossing": 1.2}


class OperatorConfig(Strict):
    id: str = Field(..., pattern=r"^[A-Za-z0-9_.-]{1,64}$", description="The operator's username")
    tiles: int = Field(9, ge=1, le=64, description="Tiles on the operator's wall (4, 9, 16 ...)")
    districts: list[str] = Field(
        default_factory=list, description="Only cameras of these districts (empty: all)"
    )
    supervisor: bool = Field(
        False,
        description="A supervisor's wall shows escalated alerts (also on the operators' walls) and what "
        "the operators' walls have no room for",
    )


class TriageConfig(Strict):
    severity_weight: dict[str, float] = Field(default_factory=lambda: dict(SEVERITY_WEIGHT))
    type_weight: dict[str, float] = Field(default_factory=lambda: dict(TYPE_WEIGHT))
    kind_weight: dict[str, float] = Field(default_factory=lambda: dict(KIND_WEIGHT))
    night_hours: tuple[int, int] = Field((22, 6), description="Local hours [start, end) of the night profile")
    night_factor: dict[str, float] = Field(default_factory=lambda: dict(NIGHT_FACTOR))
    school_hours: tuple[int, int] = Field((8, 18))
    school_hours_factor: dict[str, float] = Field(default_factory=lambda: dict(SCHOOL_HOURS_FACTOR))
    half_life_s: float = Field(30.0, gt=0, description="An ended event's weight halves this often")
    acknowledged_factor: float = Field(
        0.4, ge=0, le=1, description="An acknowledged event still counts this much"
    )
    false_alarm_prior: float = Field(
        5.0, gt=0, description="Marks needed before a rule's false-alarm rate counts fully"
    )
    false_alarm_floor: float = Field(
        0.3, gt=0, le=1, description="The most a false-alarm history can discount"
    )
    routine_window_s: float = Field(
        3600.0, gt=0, description="How far back a camera's own alarm rate per rule is counted"
    )
    routine_per_window: float = Field(
        4.0,
        ge=0,
        description="Other alarms of the same rule on the camera in that window that halve an alarm's "
        "weight (0: off)",
    )
    routine_floor: float = Field(0.4, gt=0, le=1, description="The most a routine rate can discount")
    offline_weight: float = Field(
        1.5, ge=0, description="An offline camera's priority, times its zone weight"
    )
    offline_after_s: float = Field(30.0, ge=0, description="Offline this long before it counts")
    boost_weight: float = Field(
        4.0, ge=0, description="Priority added at an incident's centre (falls to 0 at its radius)"
    )
    show_threshold: float = Field(0.5, ge=0, description="Cameras below this priority are not put on a wall")
    dwell_s: float = Field(10.0, ge=0, description="A tile stays at least this long ...")
    preempt_ratio: float = Field(
        1.5, ge=1, description="... unless a camera this many times its priority needs it"
    )
    change_budget: int = Field(
        6,
        ge=1,
        le=60,
        description="New cameras per wall per minute (what a person can take in), urgent ones apart",
    )
    change_reserve: int = Field(
        2,
        ge=0,
        le=60,
        description="The last this many of the budget are kept for cameras at reserve_priority or above",
    )
    reserve_priority: float = Field(
        2.0, ge=0, description="Priority a camera needs to take a reserved change"
    )
    urgent_priority: float = Field(
        3.5, ge=0, description="Cameras at this priority or above come up at once, whatever the budget"
    )
    urgent_types: list[str] = Field(
        default_factory=lambda: ["emergency_bell", "fire", "smoke", "fight", "fall", "crowd"],
        description="Life-safety event types that come up at once, whatever their priority",
    )
    dismiss_s: float = Field(120.0, ge=0, description="A dismissed camera stays off the walls this long ...")
    dismiss_rise: float = Field(1.5, ge=1, description="... unless its priority rises this many times")
    operators: list[OperatorConfig] = Field(
        default_factory=list,
        description="Walls; empty: one per operator and supervisor whose console is open (on duty)",
    )
    presence_s: float = Field(
        30.0,
        gt=0,
        le=600,
        description="A console counts as on duty while its event stream is open or it was heard from "
        "within this many seconds",
    )
    default_tiles: int = Field(
        9, ge=1, le=64, description="Wall size of a signed-in user not listed in operators"
    )
    interval_s: float = Field(1.0, gt=0, le=10, description="How often priorities and walls are recomputed")

    @model_validator(mode="after")
    def _consistent(self) -> TriageConfig:
        ids = [o.id for o in self.operators]
        if len(ids) != len(set(ids)):
            raise ValueError("operator ids must be unique")
        if self.change_reserve >= self.change_budget:
            raise ValueError(
                f"change_reserve ({self.change_reserve}) must be below change_budget ({self.change_budget})"
            )
        return self
