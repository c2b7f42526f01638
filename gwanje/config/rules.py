"""Configuration of the scene analyzers beyond zones and lines: tampering, crowd density, fall,
fight, fire, abandoned object, vehicles. ``CameraConfig`` (camera.py) holds one of each."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator

from gwanje.config.base import Severity, Strict


class TamperConfig(Strict):
    """Camera tampering and loss (analytics/tamper.py). Times are seconds a condition must hold."""

    enabled: bool = True
    learn_s: float = Field(5.0, ge=0, description="Healthy footage needed before the first alarm")
    learn_rate: float = Field(0.02, gt=0, le=1, description="How fast the reference follows the scene")
    relearn_s: float = Field(120.0, gt=0, description="A tampered view held this long becomes the new normal")
    covered_contrast: float = Field(
        8.0, ge=0, description="Grey-level spread below which the lens is covered"
    )
    covered_s: float = Field(2.0, ge=0)
    defocus_ratio: float = Field(
        0.3, gt=0, lt=1, description="Sharpness below this share of normal is defocus"
    )
    defocus_s: float = Field(3.0, ge=0)
    moved_similarity: float = Field(
        0.55, gt=0, lt=1, description="Layout correlation with the learned view below which the camera moved"
    )
    moved_s: float = Field(3.0, ge=0)
    frozen_diff: float = Field(0.2, ge=0, description="Mean grey change below which two frames are the same")
    frozen_s: float = Field(5.0, gt=0)
    brightness_jump: float = Field(60.0, gt=0, description="Scene-wide mean grey change that is sudden")
    brightness_window_s: float = Field(1.0, gt=0, description="...within this many seconds")
    signal_lost_s: float = Field(5.0, ge=0)
    severity: Severity = "high"


class CrowdConfig(Strict):
    """Crowd density levels in persons per m² (defaults: the Korean post-Itaewon guidance)."""

    caution: float = Field(3.0, gt=0)
    warning: float = Field(4.0, gt=0)
    danger: float = Field(5.0, gt=0)
    hysteresis: float = Field(0.5, ge=0, description="A level ends only this far below its threshold")
    window_s: float = Field(3.0, gt=0, description="Density is the median over this many seconds")
    trend_window_s: float = Field(30.0, gt=0)
    trend_rise: float = Field(1.5, gt=0, description="Rise in persons/m² over the trend window that alerts")
    method: Literal["auto", "density", "detections"] = Field(
        "auto",
        description="How people are counted: the trained density network (`gwanje models train-crowd`), "
        "the tracked person boxes, or auto (the network when its file exists, else the boxes). "
        "A zone's count_model (a per-camera fit) comes first where it is set",
    )
    density_model: Path | None = Field(
        None, description="The density network's file (default: the one train-crowd writes)"
    )
    density_every_s: float = Field(1.0, gt=0, description="Run the density network at most this often")

    @model_validator(mode="after")
    def _ordered(self) -> CrowdConfig:
        if not self.caution < self.warning < self.danger:
            raise ValueError("crowd levels must rise: caution < warning < danger")
        return self


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
    full_height: float = Field(
        0.8,
        gt=0,
        le=1,
        description="Standing means at least this share of the tallest upright box the person showed at "
        "the same depth lately (a seated person is shorter)",
    )
    stand_memory_s: float = Field(
        10.0, gt=0, description="How long each person's upright boxes are remembered for that comparison"
    )
    down_s: float = Field(5.0, ge=0, description="...and staying down this long raises the alarm")
    forget_s: float = Field(30.0, gt=0, description="A fallen person unseen this long closes the event")
    pose_check: bool = Field(
        True,
        description="Before the alarm, look at the body pose on the fallen box (BlazePose): a person still "
        "upright (sitting, kneeling) or bent over on their feet (stooping) is not down",
    )
    severity: Severity = "high"


class FightConfig(Strict):
    """Fight: a classifier over flow-weighted deep features (see gwanje.analytics.fight)."""

    enabled: bool = False
    threshold: float = Field(0.5, gt=0, lt=1, description="Classifier probability that raises the alarm")
    window_s: float = Field(2.0, gt=0, description="Seconds of frames the classifier looks at")
    min_people: int = Field(
        1,
        ge=0,
        description="Score only while this many people are seen (two of them close by when 2); the detector "
        "rarely boxes both of two people in a fight (bench/results/fight.md: the gate)",
    )
    hold_s: float = Field(
        2.0,
        ge=0,
        description="Keep scoring this long after the people were last seen (the detector loses them)",
    )
    calm_s: float = Field(5.0, gt=0, description="Probability low this long ends the event")
    model_path: Path | None = Field(
        None, description="The trained classifier (.npz); bench/fight.py makes one"
    )
    severity: Severity = "critical"

    @model_validator(mode="after")
    def _model(self) -> FightConfig:
        if self.enabled and self.model_path is None:
            raise ValueError("fight.enabled needs fight.model_path (bench/fight.py trains the model)")
        return self


class FireConfig(Strict):
    """Flame from colour, staying put and changing brightness (see gwanje.analytics.fire). The
    brightness thresholds assume about 5 analysed frames a second."""

    enabled: bool = True
    width: int = Field(320, ge=64, le=1920, description="Width the frame is shrunk to for the fire test")
    relative_colour: bool = Field(
        True,
        description="Judge flame colour on the picture brought to neutral white balance, full brightness "
        "and normal colourfulness (gwanje.vision.colour), so a colour cast or a grey picture does not hide a fire",
    )
    settle_s: float = Field(5.0, gt=0, description="How slowly those corrections follow the scene (seconds)")
    min_red: int = Field(170, ge=0, le=255, description="Flame pixels are at least this red")
    min_red_minus_blue: int = Field(80, ge=0, le=255)
    window_s: float = Field(3.0, gt=0, description="Seconds of history a flame region is judged on")
    min_presence: float = Field(0.5, gt=0, le=1, description="Share of the window a flame pixel is lit")
    min_lit_change: float = Field(
        10.0, ge=0, description="Mean grey change between analysed frames while a pixel stays lit"
    )
    min_lit_spread: float = Field(8.0, ge=0, description="Mean spread of a lit pixel's grey level")
    min_area: float = Field(0.0005, gt=0, lt=1, description="Smallest flame region, share of the frame")
    far_min_area_share: float = Field(
        0.25,
        gt=0,
        le=1,
        description="With a ground calibration, min_area shrinks where the view is far (by the square of "
        "how much more ground a pixel spans than at the bottom of the frame), down to this share of it",
    )
    hold_s: float = Field(2.0, ge=0, description="A flame region must stay this long to raise the alarm")
    clear_s: float = Field(10.0, gt=0, description="No flame this long ends the event")
    severity: Severity = "critical"


class SmokeConfig(Strict):
    """Smoke: grey veils that fade the background's edges, stay together and rise or grow (see
    gwanje.analytics.smoke). Run on the still-picture schedule of the fire rule."""

    enabled: bool = True
    width: int = Field(160, ge=64, le=1920, description="Width the frame is shrunk to for the smoke test")
    background_s: float = Field(
        30.0, gt=0, description="How slowly the background follows the scene (seconds)"
    )
    min_background_contrast: float = Field(
        5.0,
        ge=0,
        description="Only where the background has detail (local spread, grey levels) can smoke fade it",
    )
    min_correlation: float = Field(
        0.6,
        ge=-1,
        le=1,
        description="The picture still follows the background's pattern (seen through the veil)",
    )
    min_fade: float = Field(
        0.3, gt=0, lt=1, description="Share of the background's contrast the veil takes away"
    )
    min_veil: float = Field(
        40.0, ge=0, le=255, description="The veil adds grey light of at least this level (a shadow adds none)"
    )
    max_activity: float = Field(
        6.0,
        ge=0,
        description="Not judged where the picture strays from the background this much on average (grey "
        "levels): a road or a walkway, where things come and go and leave traces in the background",
    )
    max_saturation: int = Field(
        80, ge=0, le=255, description="Smoke is grey: at most this saturation (0-255)"
    )
    window_s: float = Field(4.0, gt=0, description="Seconds of history a smoke region is judged on")
    min_presence: float = Field(0.5, gt=0, le=1, description="Share of the window a smoke pixel is seen")
    min_area: float = Field(0.004, gt=0, lt=1, description="Smallest smoke region, share of the frame")
    min_rise: float = Field(0.1, ge=0, description="Rise of the region's top, share of the frame height")
    min_growth: float = Field(1.0, ge=0, description="or growth of its area (1.0: twice as big)")
    min_inside_change: float = Field(
        0.3,
        ge=0,
        description="Mean grey change inside between looks, beyond the picture's own noise (a grey thing "
        "that stopped is not smoke)",
    )
    max_inside_change: float = Field(
        15.0, ge=0, description="and at most this (a person or vehicle passing changes more)"
    )
    min_anchor: float = Field(
        0.6,
        ge=0,
        le=1,
        description="Share of where a region started that it still covers (smoke spreads, people move on)",
    )
    warmup_s: float = Field(10.0, ge=0, description="Seconds of background learnt before anything is judged")
    max_frame_share: float = Field(
        0.4, gt=0, le=1, description="Changes over more of the picture are the light, the weather or the lens"
    )
    hold_s: float = Field(
        6.0, ge=0, description="A smoke region must be followed this long to raise the alarm"
    )
    clear_s: float = Field(20.0, gt=0, description="No smoke this long ends the event")
    severity: Severity = "high"


class AbandonConfig(Strict):
    """Abandoned object: a new static region, still for ``abandon_s`` with no person near it (see
    gwanje.analytics.abandoned). It watches the zones whose rules include ``abandoned``, or the
    whole frame when none does."""

    enabled: bool = True
    abandon_s: float = Field(30.0, gt=0, description="AVSS/PETS rule: still for 30 s")
    width: int = Field(320, ge=64, le=1920, description="Width the frame is shrunk to")
    diff: float = Field(35.0, gt=0, description="Grey-level change from the background that is an object")
    short_s: float = Field(
        4.0, gt=0, description="Time constant of the background that takes in still things"
    )
    long_s: float = Field(600.0, gt=0, description="Time constant of the background of the empty scene")
    learn_s: float = Field(15.0, ge=0, description="The empty scene is the median of the first seconds")
    min_area: float = Field(0.001, gt=0, lt=1, description="Smallest object, share of the frame")
    max_area: float = Field(0.05, gt=0, le=1, description="Largest object (a parked train is not one)")
    owner_distance: float = Field(
        2.0, gt=0, description="A person within this many object heights of it is its owner, still there"
    )
    owner_gone_s: float = Field(2.0, ge=0, description="No person near for this long: the owner left")
    severity: Severity = "high"


class VehicleBlobConfig(Strict):
    """Vehicles from motion blobs where the detector cannot read the view (straight down, far away,
    night): changed regions of vehicle size and shape that no detector box explains become
    ``vehicle`` detections (see gwanje.vision.blobs). Off unless a camera needs it."""

    enabled: bool = False
    zones: list[str] = Field(
        default_factory=list,
        description="Zones where blobs count (empty: the parking / no_parking zones, else the frame)",
    )
    width: int = Field(320, ge=64, le=1920, description="Width the frame is shrunk to")
    diff: float = Field(30.0, gt=0, description="Grey-level change from the empty road that is a vehicle")
    learn_s: float = Field(10.0, ge=0, description="The empty road is the median of the first seconds")
    background_s: float = Field(20.0, gt=0, description="Time constant of the road background")
    absorb_s: float = Field(
        900.0,
        gt=0,
        description="Time constant at which a stopped vehicle fades into the background (it stays a "
        "vehicle for about 0.7 of this, longer than no_parking_s)",
    )
    min_area: float = Field(0.004, gt=0, lt=1, description="Smallest vehicle, share of the frame")
    max_area: float = Field(0.25, gt=0, le=1, description="Largest vehicle, share of the frame")
    max_aspect: float = Field(4.0, ge=1, description="Longest side over shortest side of its box, at most")
    min_fill: float = Field(0.4, gt=0, le=1, description="Share of its box a blob fills, at least")
    explained: float = Field(
        0.3, gt=0, le=1, description="A blob this much covered by a detector box is that detection's"
    )
    confidence: float = Field(0.5, gt=0, le=1, description="Score given to a blob vehicle")


class ParkingConfig(Strict):
    """Vehicle rules for zones marked ``no_parking`` or ``parking`` (see gwanje.analytics.vehicles)."""

    vehicle_classes: list[str] = Field(
        default_factory=lambda: ["car", "bus", "truck", "motorbike", "bicycle", "vehicle"],
        description="Detector classes that are vehicles (``vehicle``: a motion blob, see vehicle_blobs)",
    )
    still_px: float = Field(
        0.15, gt=0, description="A vehicle moving less than this share of its width is still"
    )
    no_parking_s: float = Field(300.0, gt=0, description="A vehicle still this long in a no-parking zone")
    parked_s: float = Field(60.0, gt=0, description="A vehicle still this long counts as parked")
    break_in_s: float = Field(20.0, gt=0, description="A person this long beside parked vehicles")
    break_in_night_s: float = Field(8.0, gt=0, description="...the same at night")
    beside: float = Field(0.5, gt=0, description="Beside: within this many vehicle widths")
    night_hours: tuple[int, int] = Field((22, 6), description="Local hours [from, to) that are night")
    timezone: str = "Asia/Seoul"
