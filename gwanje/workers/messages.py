"""What travels between the center and its camera workers (picklable values only)."""

from __future__ import annotations

from dataclasses import dataclass

from gwanje.domain import CameraState, Event, Segment, TrackRecord


@dataclass(frozen=True)
class PutCamera:  # center → worker: start or restart a camera with this config (CameraConfig JSON)
    config: dict


@dataclass(frozen=True)
class RemoveCamera:  # center → worker
    camera_id: str


@dataclass(frozen=True)
class PauseRecording:  # center → worker: the volume is full of held footage (or has room again)
    paused: bool


@dataclass(frozen=True)
class Stop:  # center → worker
    pass


@dataclass(frozen=True)
class EventOut:  # worker → center
    event: Event


@dataclass(frozen=True)
class HealthOut:  # worker → center, about once a second per camera
    worker: int
    state: CameraState
    detector_ms: float = 0.0
    methods: tuple[tuple[str, str], ...] = ()  # how each analysis runs, e.g. ("crowd", "density")
    recording: str | None = None  # "continuous", "events", "paused", "error: ..."; None: not recorded


@dataclass(frozen=True)
class LiveFrame:  # worker → center: the latest annotated view, JPEG
    camera_id: str
    jpeg: bytes
    pts_s: float
    # the tracks drawn on it: (track id, class, x1, y1, x2, y2), the box as shares of the picture,
    # so the console can mark a person and the operator can click one to follow
    tracks: tuple[tuple[int, str, float, float, float, float], ...] = ()


@dataclass(frozen=True)
class TrackOut:  # worker → center: a track record (gwanje.domain.TrackRecord), to be stored
    record: TrackRecord


@dataclass(frozen=True)
class SegmentOut:  # worker → center: a recording segment closed on the volume, to be indexed
    segment: Segment
