"""The shared vocabulary between stages: plain typed values, no I/O.

Detections between the detector, tracker and rules are ``supervision.Detections``
(``xyxy``, ``confidence``, ``class_id``, ``tracker_id``, ``data["class_name"]``).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

import numpy as np


class Severity(StrEnum):
    INFO = "info"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


class EventType(StrEnum):
    INTRUSION = "intrusion"
    LOITERING = "loitering"
    LINE_CROSSING = "line_crossing"
    CROWD = "crowd"  # details: level (caution, warning, danger), density, count, area_m2
    CROWD_TREND = "crowd_trend"  # density rising fast
    TAMPER = "tamper"  # details["kind"]: covered, defocus, moved, frozen, brightness, signal_lost
    FALL = "fall"  # a person went down fast and stayed down
    FIGHT = "fight"
    FIRE = "fire"  # flame
    SMOKE = "smoke"  # smoke without flame seen (yet): what a camera sees first of most fires
    ABANDONED = "abandoned_object"
    ILLEGAL_PARKING = "illegal_parking"
    CAR_BREAK_IN = "car_break_in"  # a person loitering beside parked vehicles
    # from other systems (gwanje.center.exchange.inbound): a CCTV pole's emergency bell pressed, and any
    # other system's alarm (another vendor's analytics, an IoT sensor); details say whose
    EMERGENCY_BELL = "emergency_bell"
    EXTERNAL_ALARM = "external_alarm"


class CameraStatus(StrEnum):
    CONNECTING = "connecting"
    ONLINE = "online"
    RECONNECTING = "reconnecting"
    OFFLINE = "offline"


@dataclass(frozen=True)
class Frame:
    """One decoded frame: BGR pixels and the stream's own time for it."""

    camera_id: str
    index: int  # analysed-frame number in the stream, from 0 (pts_s gives its place in time)
    pts_s: float  # seconds since the stream's first frame, from the stream's timestamps
    wall_time: datetime  # when it was decoded (UTC)
    image: np.ndarray

    @property
    def height(self) -> int:
        return int(self.image.shape[0])

    @property
    def width(self) -> int:
        return int(self.image.shape[1])


@dataclass(frozen=True)
class CameraState:
    """What an operator sees of a camera's health."""

    camera_id: str
    status: CameraStatus
    measured_fps: float = 0.0
    lag_s: float = 0.0  # how far analysis runs behind the stream's own clock
    frames: int = 0
    reconnects: int = 0
    last_frame_at: datetime | None = None
    last_error: str | None = None


@dataclass(frozen=True)
class Event:
    """One recognised happening on one camera.

    An event is reported when it starts (``phase="start"``) and again, with the same
    ``event_id`` and its real end time, when it ends (``phase="end"``).
    """

    event_id: str
    phase: str
    camera_id: str
    type: EventType
    severity: Severity
    start_s: float  # stream time (seconds from the stream's start)
    end_s: float
    started_at: datetime  # absolute UTC time of the start
    track_ids: tuple[int, ...]
    boxes: tuple[tuple[float, float, float, float], ...]  # xyxy at the triggering frame
    confidence: float
    zone: str | None = None
    frame_index: int = 0
    details: dict[str, object] = field(default_factory=dict)
    snapshot_jpeg: bytes | None = field(default=None, repr=False)
    observed_at: datetime | None = None  # when the triggering frame was decoded (latency measure)

    @property
    def ended_at(self) -> datetime:
        """Absolute UTC time of the end (for an end phase: the real end)."""
        return self.started_at + timedelta(seconds=max(0.0, self.end_s - self.start_s))

    def to_json(self) -> dict[str, object]:
        d = asdict(self)
        d.pop("snapshot_jpeg")
        d["type"] = self.type.value
        d["severity"] = self.severity.value
        d["started_at"] = self.started_at.isoformat()
        d["observed_at"] = self.observed_at.isoformat() if self.observed_at else None
        d["track_ids"] = list(self.track_ids)
        d["boxes"] = [[round(v, 1) for v in b] for b in self.boxes]
        d["confidence"] = round(self.confidence, 3)
        return d


@dataclass(frozen=True)
class Segment:
    """A closed recording segment: a self-contained video file of one camera, cut on keyframes."""

    camera_id: str
    start: datetime  # UTC
    end: datetime
    path: str  # relative to the recordings volume, '/'-separated
    bytes: int
    sha256: str
    codec: str
    after: str | None = None  # why recording had stopped before it, as the worker knows it


@dataclass(frozen=True)
class TrackRecord:
    """What a camera saw of one tracked object over a stretch of time: sent for every finished
    track, and every few seconds while a long one goes on (``part`` counts them; ``final`` on the
    last). The follow mode and the search in recordings read them; they point into the recordings
    by camera and time, and go when that footage goes."""

    record_id: str  # "<camera>:<track start, ms>:<track id>:<part>": the same fact resent is one row
    camera_id: str
    track_id: int
    part: int
    final: bool
    class_name: str  # person, car, ...
    started_at: datetime  # UTC, this part's first sighting
    ended_at: datetime  # UTC, this part's last sighting
    track_started_at: datetime  # UTC, when the track began (the same in every part)
    frame_size: tuple[int, int]  # (width, height) of the pictures the boxes are on
    path: tuple[tuple[float, float, float], ...]  # (seconds after started_at, x, y): foot point, pixels
    ground_path: tuple[tuple[float, float, float], ...] | None  # (s, X, Y) metres; None: not calibrated
    entry_edge: str | None  # "left", "right", "top", "bottom": where the track came in; None: inside
    exit_edge: str | None  # where it left the picture (final parts); None: inside or still in view
    heading_deg: float | None  # direction of travel on the picture: 0 right, 90 down (toward the camera)
    box_size: tuple[float, float]  # median box (width, height) in pixels
    upper_colour: str | None  # gwanje.vision.colour_names.NAMES
    lower_colour: str | None
    colour_hist: tuple[float, ...]  # shares of the upper then the lower part's pixels per colour name
    appearance: tuple[float, ...] | None  # the vector for matching across cameras
    appearance_model: str | None  # which model made it: vectors of different models never compare
    crop_jpeg: bytes | None = field(default=None, repr=False)  # the best view of it in this part
    crop_at: datetime | None = None  # when that crop was seen
    crop_box: tuple[float, float, float, float] | None = None  # its box (xyxy) in the frame
