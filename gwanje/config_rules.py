"""Configuration of the scene analyzers beyond zones and lines: fall, fight, fire, abandoned
object. Kept apart from ``config.py`` so each stays readable; ``CameraConfig`` holds one of each."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Severity = Literal["info", "low", "medium", "high", "critical"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FallConfig(Strict):
    """A person who goes down fast and stays down (from tracked box geometry)."""

    enabled: bool = True
    upright_ratio: float = Field(1.3, gt=0, description="Box height/width at or above which a person stands")
    lying_ratio: float = Field(0.95, gt=0, description="Box height/width at or below which a person lies")
    drop: float = Field(
        0.7, gt=0, le=1, description="A lying box is at most this share of the standing height"
    )
    min_length: float = Field(
        0.5, gt=0, description="A lying box is at least this share of the standing height wide"
    )
    fall_s: float = Field(1.5, gt=0, description="Standing to lying within this many seconds is a fall")
    down_s: float = Field(5.0, ge=0, description="...and staying down this long raises the alarm")
    forget_s: float = Field(30.0, gt=0, description="A fallen person unseen this long closes the event")
    severity: Severity = "high"


class FightConfig(Strict):
    """Fight: a classifier over flow-weighted deep features (see gwanje.analytics.fight)."""

    enabled: bool = False
    threshold: float = Field(0.5, gt=0, lt=1, description="Classifier probability that raises the alarm")
    window_s: float = Field(2.0, gt=0, description="Seconds of frames the classifier looks at")
    min_people: int = Field(2, ge=0, description="Score only while this many people are tracked close by")
    calm_s: float = Field(5.0, gt=0, description="Probability low this long ends the event")
    severity: Severity = "critical"
