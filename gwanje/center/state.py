"""What the center knows of each camera right now, from its worker's messages: health and the latest
annotated live view. Kept in memory only (the store holds the history)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from gwanje.domain import CameraState


@dataclass
class LiveView:
    jpeg: bytes = b""
    seq: int = 0
    pts_s: float = 0.0
    tracks: tuple = ()  # the tracked boxes on it: (id, class, x1, y1, x2, y2) as shares of the picture


@dataclass
class Health:
    state: CameraState
    worker: int | None = None
    detector_ms: float = 0.0
    methods: tuple[tuple[str, str], ...] = ()
    recording: str | None = None
    updated: float = field(default_factory=time.monotonic)
