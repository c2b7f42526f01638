"""Recording: what each camera keeps (``recording:`` of a camera) and where and how much the center
keeps in all (``recording:`` of the site, whose ``defaults`` apply to cameras without their own)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field

from gwanje.config.base import Strict


class RecordingConfig(Strict):
    """One camera's recording. The worker records the packets it already reads (no second
    connection, no re-encoding) into self-contained segments cut on keyframes."""

    mode: Literal["continuous", "events", "off"] = Field(
        "continuous",
        description="continuous: everything the camera sends; events: only around its events; off: nothing",
    )
    segment_s: float = Field(
        10.0, ge=2, le=300, description="Segment length in seconds (cut at the next keyframe)"
    )
    pre_roll_s: float = Field(10.0, ge=0, le=120, description="events mode: seconds kept before an event")
    post_roll_s: float = Field(10.0, ge=0, le=600, description="events mode: seconds kept after it ends")
    retention_days: float = Field(
        30.0,
        gt=0,
        le=3650,
        description="Segments older than this are destroyed (unless a legal hold keeps them)",
    )


class RecordingSiteConfig(Strict):
    """Where recordings go and the guard on their disk."""

    path: Path | None = Field(
        None, description="The recordings volume (a directory); empty: 'recordings' in the server's data_dir"
    )
    min_free_percent: float = Field(
        5.0, ge=0, lt=100, description="Below this share of free space the oldest unheld segments go first"
    )
    max_bytes: int | None = Field(None, gt=0, description="Optional cap on the bytes kept in the volume")
    defaults: RecordingConfig = Field(
        default_factory=RecordingConfig, description="For cameras without a recording: of their own"
    )
