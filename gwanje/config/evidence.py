"""Evidence provision (``evidence:`` of the site, ``privacy:`` of a camera): how footage handed to
police, fire or a data subject is masked, encoded, signed, kept and destroyed."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from gwanje.config.base import Point, Strict, check_polygon


class PrivacyConfig(Strict):
    """A camera's own masks for exports, on top of the people who are not the subject."""

    regions: list[list[Point]] = Field(
        default_factory=list,
        description="Polygons (image pixels) always masked in exports: windows of homes, a neighbour's yard",
    )
    vehicles: Literal["off", "plates", "whole"] = Field(
        "off",
        description="plates: the lower band of every vehicle box (where plates sit; there is no plate "
        "detector), whole: every vehicle",
    )

    @field_validator("regions")
    @classmethod
    def _polygons(cls, v: list[list[Point]]) -> list[list[Point]]:
        for poly in v:
            check_polygon(poly)
        return v


class MaskingConfig(Strict):
    """Who is found and how far the mosaic reaches. Every frame is looked at (not only the
    analysed ones); the export knows the whole range, so gaps in a track are filled from both ends."""

    score_threshold: float = Field(
        0.15, gt=0, lt=1, description="Detector score from which a box is masked (low: privacy wins)"
    )
    input_width: int = Field(768, ge=160, le=4096, description="Detector input (YOLOv3-tiny)")
    input_height: int = Field(576, ge=160, le=4096)
    margin: float = Field(
        0.3, ge=0, le=1, description="Grow every box by this share of its size on each side"
    )
    hold_s: float = Field(
        0.5, ge=0, le=5, description="Mask a person this long before first and after last seen"
    )
    fill_s: float = Field(3.0, ge=0, le=30, description="Fill gaps in a track up to this long (interpolated)")
    foreground: bool = Field(
        True,
        description="Also mask what differs from the range's median background (people the detector "
        "missed), except around the subject",
    )
    foreground_threshold: int = Field(15, ge=1, le=255, description="Grey-level difference that counts")
    foreground_min_area: int = Field(
        4, ge=1, description="Smallest blob, in pixels of the quarter-size image"
    )
    subject_clear: float = Field(
        0.1, ge=0, le=1, description="Foreground is left visible this share around the subject's box"
    )
    block: int = Field(12, ge=2, le=64, description="Mosaic block size in pixels")
    subject_overlap: float = Field(
        0.2,
        ge=0,
        le=1,
        description="The subject is masked too where another person's box overlaps theirs this much "
        "(IoU): their identities may have swapped",
    )


class EvidenceConfig(Strict):
    masking: MaskingConfig = MaskingConfig()
    crf: int = Field(20, ge=0, le=51, description="libx264 quality of exports (lower: better, larger)")
    preset: str = Field("veryfast", description="libx264 preset")
    link_days: float = Field(7.0, gt=0, le=90, description="How long a download link works")
    period_days: float = Field(
        30.0, gt=0, le=3650, description="Default period of use; the package is destroyed when it ends"
    )
    subject_deadline_days: float = Field(
        10.0, gt=0, le=60, description="PIPA: a data subject's access request is answered within 10 days"
    )
    longest_minutes: float = Field(
        60.0, gt=0, le=24 * 60, description="Longest range one request may ask for"
    )
