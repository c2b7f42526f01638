"""One camera (an entry of ``cameras:`` in the site YAML): its source, where it is, what it watches
(zones, lines, ground calibration) and the settings of each stage that analyses it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import quote, unquote, urlsplit, urlunsplit

from pydantic import Field, field_validator, model_validator

from gwanje.config.base import Point, Severity, Strict, check_polygon
from gwanje.config.detection import DetectorConfig, MotionConfig, TrackerConfig
from gwanje.config.evidence import PrivacyConfig
from gwanje.config.follow import NeighbourConfig, TrackRecordConfig
from gwanje.config.recording import RecordingConfig
from gwanje.config.rules import (
    AbandonConfig,
    CrowdConfig,
    FallConfig,
    FightConfig,
    FireConfig,
    ParkingConfig,
    SmokeConfig,
    TamperConfig,
    VehicleBlobConfig,
)
from gwanje.config.weather import TAG_WORDS


class LocationConfig(Strict):
    """Where a camera is: on the site plan image (pixels) and/or on the globe."""

    lat: float | None = Field(None, ge=-90, le=90)
    lon: float | None = Field(None, ge=-180, le=180)
    plan_x: float | None = Field(None, ge=0, description="Position on the site plan image (pixels)")
    plan_y: float | None = Field(None, ge=0)
    bearing_deg: float | None = Field(
        None,
        ge=0,
        lt=360,
        description="Which way the camera looks on the map, degrees clockwise from north (0 north, 90 "
        "east): turns a person's exit side into a direction on the map (follow mode)",
    )
    kind: str = Field(
        "default", description="What the camera watches, for triage: school, alley, crossing, park ..."
    )
    district: str = Field(
        "", description="The district (dong/gu) it belongs to; operators may be given districts"
    )
    tags: list[str] = Field(
        default_factory=list,
        max_length=10,
        description="What makes the place weather-sensitive (underpass, riverside, slope, stairs, "
        "outdoor_gathering, bridge, coast, tunnel): weather rules raise it (weather.rules)",
    )

    @field_validator("tags")
    @classmethod
    def _known_tags(cls, tags: list[str]) -> list[str]:
        unknown = sorted(set(tags) - TAG_WORDS.keys())
        if unknown:
            raise ValueError(f"unknown tags {unknown}: use {', '.join(TAG_WORDS)}")
        return tags


class ZoneConfig(Strict):
    name: str
    polygon: list[Point]
    rules: list[Literal["intrusion", "loitering", "crowd", "abandoned", "no_parking", "parking"]] = Field(
        default_factory=lambda: ["intrusion"]
    )
    loiter_seconds: float = Field(10.0, gt=0, description="KISA: loitering is 10 s or more in a zone")
    kind: str | None = Field(
        None, description="Triage: the zone's kind (school, alley ...) if not the camera's"
    )
    classes: list[str] = Field(default_factory=lambda: ["person"])
    severity: Severity = "medium"
    count_model: Path | None = Field(
        None, description="crowd rule: a fitted count regression (.npz) for where detections saturate"
    )

    @field_validator("polygon")
    @classmethod
    def _polygon(cls, v: list[Point]) -> list[Point]:
        return check_polygon(v)


class LineConfig(Strict):
    name: str
    start: Point
    end: Point
    direction: Literal["in", "out", "both"] = Field(
        "both", description="'in': crossing from the right of start→end to its left; 'out' the reverse"
    )
    classes: list[str] = Field(default_factory=lambda: ["person"])
    severity: Severity = "low"

    @model_validator(mode="after")
    def _length(self) -> LineConfig:
        if self.start == self.end:
            raise ValueError("line start and end are the same point")
        return self


class GroundConfig(Strict):
    """Image-to-ground calibration: image pixels and the same points on the ground in metres."""

    image_points: list[Point] = Field(..., min_length=4)
    ground_points: list[Point] = Field(..., min_length=4)

    @model_validator(mode="after")
    def _pairs(self) -> GroundConfig:
        if len(self.image_points) != len(self.ground_points):
            raise ValueError(
                f"{len(self.image_points)} image points but {len(self.ground_points)} ground points; they pair up"
            )
        return self


class CameraConfig(Strict):
    id: Annotated[str, Field(pattern=r"^[A-Za-z0-9_.-]{1,64}$")]
    name: str = ""
    url: str = Field(
        ...,
        description="File path, rtsp://, rtsps://, http(s):// MJPEG; credentials written in it "
        "(rtsp://user:pass@host/...) are moved to username and password",
    )
    username: str | None = Field(
        None, max_length=200, description="The camera's login, kept apart from the URL"
    )
    password: str | None = Field(None, max_length=200, description="Never shown by the API (*** instead)")
    transport: Literal["tcp", "udp"] = "tcp"
    analysis_fps: float = Field(5.0, gt=0, le=60)
    low_light: Literal["off", "auto", "clahe"] = Field(
        "auto",
        description="Equalise the luminance before analysis (CLAHE): always, or auto (only frames whose "
        "mean grey level is under 60: night, a dark room)",
    )
    open_timeout_s: float = Field(10.0, gt=0, le=120)
    reconnect_initial_s: float = Field(0.5, gt=0)
    reconnect_max_s: float = Field(30.0, gt=0)
    loop: bool = Field(False, description="Files only: start again at the end (demo cameras)")
    start_offset_s: float = Field(0.0, ge=0, description="Files only: begin this far into the file")
    realtime: bool | None = Field(
        None,
        description="Files only: play at the file's own speed (default: yes under `serve`, no for `analyze`)",
    )
    location: LocationConfig = LocationConfig()
    detector: DetectorConfig = DetectorConfig()
    motion: MotionConfig = MotionConfig()
    tracker: TrackerConfig = TrackerConfig()
    zones: list[ZoneConfig] = Field(default_factory=list)
    lines: list[LineConfig] = Field(default_factory=list)
    tamper: TamperConfig = TamperConfig()
    ground: GroundConfig | None = Field(None, description="Needed by zones with the crowd rule")
    crowd: CrowdConfig = CrowdConfig()
    fall: FallConfig = FallConfig()
    fight: FightConfig = FightConfig()
    fire: FireConfig = FireConfig()
    smoke: SmokeConfig = SmokeConfig()
    abandoned: AbandonConfig = AbandonConfig()
    parking: ParkingConfig = ParkingConfig()
    vehicle_blobs: VehicleBlobConfig = VehicleBlobConfig()
    privacy: PrivacyConfig = Field(
        default_factory=PrivacyConfig, description="Fixed masks and vehicle masking in evidence exports"
    )
    recording: RecordingConfig = Field(
        default_factory=RecordingConfig, description="Without one, the site's recording.defaults"
    )
    track_records: TrackRecordConfig = Field(
        default_factory=TrackRecordConfig, description="What it keeps of each track (follow mode, search)"
    )
    neighbours: list[NeighbourConfig] = Field(
        default_factory=list, max_length=20, description="Cameras a person walking out may appear on next"
    )

    @model_validator(mode="before")
    @classmethod
    def _credentials_apart(cls, data: object) -> object:
        """rtsp://user:pass@host/... → url rtsp://host/..., username, password."""
        if not isinstance(data, dict) or not isinstance(data.get("url"), str):
            return data
        parts = urlsplit(data["url"])
        if not parts.scheme or "@" not in parts.netloc:
            return data
        userinfo, host = parts.netloc.rsplit("@", 1)
        user, _, password = userinfo.partition(":")
        out = {**data, "url": urlunsplit(parts._replace(netloc=host))}
        if user and user != "***":
            out.setdefault("username", unquote(user))
            if password:
                out.setdefault("password", unquote(password))
        return out

    def source_url(self) -> str:
        """The URL with its credentials, for opening the stream (never for showing)."""
        if not self.username:
            return self.url
        parts = urlsplit(self.url)
        auth = quote(self.username, safe="") + (":" + quote(self.password, safe="") if self.password else "")
        return urlunsplit(parts._replace(netloc=f"{auth}@{parts.netloc}"))

    def shown_url(self) -> str:
        """The URL as people see it: ``rtsp://***@host/...`` when it has credentials."""
        if not self.username:
            return self.url
        parts = urlsplit(self.url)
        return urlunsplit(parts._replace(netloc=f"***@{parts.netloc}"))

    @model_validator(mode="after")
    def _crowd_needs_ground(self) -> CameraConfig:
        if any("crowd" in z.rules for z in self.zones) and self.ground is None:
            raise ValueError("a zone uses the crowd rule but the camera has no ground calibration")
        if any(n.camera == self.id for n in self.neighbours):
            raise ValueError("a camera is not its own neighbour")
        if len({n.camera for n in self.neighbours}) != len(self.neighbours):
            raise ValueError("a neighbour is listed twice")
        missing = set(self.vehicle_blobs.zones) - {z.name for z in self.zones}
        if missing:
            raise ValueError(
                f"vehicle_blobs.zones names no zone of this camera: {', '.join(sorted(missing))}"
            )
        return self
