"""Site configuration: one YAML file validated by pydantic.

Every model forbids unknown keys, so a typo is an error that names the key and its line.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import Field, ValidationError, field_validator, model_validator

from gwanje.config_rules import (
    AbandonConfig,
    FallConfig,
    FightConfig,
    FireConfig,
    ParkingConfig,
    Severity,
    Strict,
    VehicleBlobConfig,
)
from gwanje.config_server import LocationConfig, ServerConfig
from gwanje.config_triage import TriageConfig

Point = tuple[float, float]


class ConfigError(ValueError):
    """A configuration file that cannot be used; the message names the file, key and line."""


class MotionConfig(Strict):
    """Frigate-style motion gate: a quiet scene costs no inference."""

    enabled: bool = Field(True, description="Skip detection on frames with no motion")
    width: int = Field(160, ge=32, le=1920, description="Width of the downscaled grey image (pixels)")
    pixel_threshold: int = Field(18, ge=1, le=255, description="Grey-level change that counts as motion")
    min_area: float = Field(
        0.0005, ge=0, le=1, description="Share of the (unmasked) image that must change to call it motion"
    )
    background_alpha: float = Field(0.05, gt=0, le=1, description="How fast the background follows the scene")
    keyframe_seconds: float = Field(
        10.0,
        ge=0,
        description="Run detection at least this often even when still, if the picture has changed "
        "since the detector last looked (0 = never)",
    )
    tracked_still_seconds: float = Field(
        1.0, ge=0, description="With people tracked but no motion, detect this often to keep following them"
    )
    still_look_seconds: float = Field(
        1.0,
        ge=0,
        description="With no motion, the analyzers that study the picture itself (fire, abandoned object, "
        "vehicle blobs) look at it only this often (0 = every frame)",
    )
    masks: list[list[Point]] = Field(default_factory=list, description="Polygons where motion is ignored")

    @field_validator("masks")
    @classmethod
    def _polygons(cls, v: list[list[Point]]) -> list[list[Point]]:
        for poly in v:
            _check_polygon(poly)
        return v


class TilingConfig(Strict):
    enabled: bool = False
    rows: int = Field(2, ge=1, le=4)
    cols: int = Field(2, ge=1, le=4)
    overlap: float = Field(0.2, ge=0, lt=0.5, description="Share of a tile that overlaps its neighbour")
    only_motion: bool = Field(True, description="Run a tile only where the motion gate saw motion")


class RoiConfig(Strict):
    """Detect only where something moves or is tracked: the cost follows the scene, not the frame."""

    enabled: bool = Field(True, description="Run the detector on the region around motion and tracks")
    margin: int = Field(
        48, ge=0, le=512, description="Frame pixels added around tracked boxes (they move on)"
    )
    context: int = Field(
        32, ge=0, le=512, description="Frame pixels of picture the detector also sees around each region"
    )
    regions: int = Field(2, ge=1, le=4, description="At most this many regions (groups of people far apart)")
    full_frame_s: float = Field(
        4.0, ge=0, description="Look at the whole frame at least this often (someone still, not yet tracked)"
    )
    full_share: float = Field(
        0.7, gt=0, le=1, description="A region this share of the frame or more is run as the whole frame"
    )


class DetectorConfig(Strict):
    backend: Literal["yolov3_tiny_coco", "ssdlite_person", "yolo_onnx"] = "yolov3_tiny_coco"
    input_width: int = Field(768, ge=32, le=4096)
    input_height: int = Field(576, ge=32, le=4096)
    score_threshold: float = Field(
        0.2, gt=0, lt=1, description="Lowest score kept; ByteTrack uses the low ones only to extend tracks"
    )
    nms_iou: float = Field(0.45, gt=0, lt=1)
    classes: list[str] = Field(
        default_factory=lambda: ["person", "bicycle", "car", "motorbike", "bus", "truck"],
        description="Class names to keep (per camera)",
    )
    precision: Literal["auto", "f32", "bf16", "f16", "int8"] = Field(
        "auto", description="int8: YOLOv3-tiny quantized by `gwanje models quantize` on the site's footage"
    )
    threads: int = Field(0, ge=0, description="OpenVINO inference threads (0 = let it choose)")
    model_path: Path | None = Field(None, description="yolo_onnx only: the site's ONNX or OpenVINO IR file")
    layout: Literal["yolov8", "yolox"] = Field("yolov8", description="yolo_onnx only: output layout")
    class_names: list[str] = Field(default_factory=list, description="yolo_onnx only: names by class index")
    stride: int = Field(
        1,
        ge=1,
        le=10,
        description="Run the detector on every Nth analysed frame while nothing new moves; "
        "the tracks follow the picture by optical flow in between",
    )
    tiling: TilingConfig = TilingConfig()
    roi: RoiConfig = RoiConfig()

    @model_validator(mode="after")
    def _onnx_needs_model(self) -> DetectorConfig:
        if self.backend == "yolo_onnx" and (self.model_path is None or not self.class_names):
            raise ValueError("backend yolo_onnx needs model_path and class_names")
        return self


class TrackerConfig(Strict):
    activation_threshold: float = Field(
        0.3, gt=0, lt=1, description="Score a detection needs to start a track"
    )
    lost_seconds: float = Field(5.0, gt=0, description="How long a lost track is kept for re-identification")
    matching_threshold: float = Field(
        0.9, gt=0, le=1, description="ByteTrack: 1 - IoU cost allowed for a match"
    )
    min_consecutive_frames: int = Field(1, ge=1)
    show_new_from: float = Field(
        0.5,
        gt=0,
        le=1.01,
        description="A new track scoring this much is shown from its first frame (>1 = never)",
    )
    reid_seconds: float = Field(
        2.0, ge=0, description="Give a new track the id of one lost this recently, if it fits (0 = off)"
    )
    reid_min_similarity: float = Field(
        0.6, ge=0, le=1, description="Clothing-colour similarity needed to re-identify"
    )
    swap_margin: float = Field(
        0.2, ge=0, le=2, description="How much better swapped ids must fit by colour to undo a swap (0 = off)"
    )


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
        return _check_polygon(v)


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


class CrowdConfig(Strict):
    """Crowd density levels in persons per m² (defaults: the Korean post-Itaewon guidance)."""

    caution: float = Field(3.0, gt=0)
    warning: float = Field(4.0, gt=0)
    danger: float = Field(5.0, gt=0)
    hysteresis: float = Field(0.5, ge=0, description="A level ends only this far below its threshold")
    window_s: float = Field(3.0, gt=0, description="Density is the median over this many seconds")
    trend_window_s: float = Field(30.0, gt=0)
    trend_rise: float = Field(1.5, gt=0, description="Rise in persons/m² over the trend window that alerts")

    @model_validator(mode="after")
    def _ordered(self) -> CrowdConfig:
        if not self.caution < self.warning < self.danger:
            raise ValueError("crowd levels must rise: caution < warning < danger")
        return self


class CameraConfig(Strict):
    id: Annotated[str, Field(pattern=r"^[A-Za-z0-9_.-]{1,64}$")]
    name: str = ""
    url: str = Field(..., description="File path, rtsp://, rtsps://, http(s):// MJPEG")
    transport: Literal["tcp", "udp"] = "tcp"
    analysis_fps: float = Field(5.0, gt=0, le=60)
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
    abandoned: AbandonConfig = AbandonConfig()
    parking: ParkingConfig = ParkingConfig()
    vehicle_blobs: VehicleBlobConfig = VehicleBlobConfig()

    @model_validator(mode="after")
    def _crowd_needs_ground(self) -> CameraConfig:
        if any("crowd" in z.rules for z in self.zones) and self.ground is None:
            raise ValueError("a zone uses the crowd rule but the camera has no ground calibration")
        missing = set(self.vehicle_blobs.zones) - {z.name for z in self.zones}
        if missing:
            raise ValueError(
                f"vehicle_blobs.zones names no zone of this camera: {', '.join(sorted(missing))}"
            )
        return self


class SiteConfig(Strict):
    site: str = "gwanje"
    timezone: str = "Asia/Seoul"
    cameras: list[CameraConfig] = Field(default_factory=list)
    server: ServerConfig = ServerConfig()
    triage: TriageConfig = TriageConfig()

    def camera(self, camera_id: str | None) -> CameraConfig:
        if not self.cameras:
            raise ConfigError("the config has no cameras")
        if camera_id is None:
            return self.cameras[0]
        for cam in self.cameras:
            if cam.id == camera_id:
                return cam
        raise ConfigError(
            f"no camera {camera_id!r} in the config (have: {', '.join(c.id for c in self.cameras)})"
        )


def _check_polygon(points: list[Point]) -> list[Point]:
    if len(points) < 3:
        raise ValueError(f"a polygon needs at least 3 points, got {len(points)}")
    if len({tuple(p) for p in points}) < 3:
        raise ValueError("a polygon needs at least 3 distinct points")
    area = 0.0
    for (x1, y1), (x2, y2) in zip(points, points[1:] + points[:1], strict=True):
        area += x1 * y2 - x2 * y1
    if abs(area) < 1e-6:
        raise ValueError("polygon has zero area (its points are on one line)")
    return points


def _line_of(node: yaml.Node | None, loc: tuple[int | str, ...]) -> int | None:
    """The 1-based line in the YAML source of the value at pydantic location ``loc``."""
    line = node.start_mark.line + 1 if node is not None else None
    for key in loc:
        if isinstance(node, yaml.MappingNode):
            match = next((v for k, v in node.value if k.value == key), None)
            if match is None:
                key_node = next((k for k, _ in node.value if k.value == key), None)
                return key_node.start_mark.line + 1 if key_node is not None else line
            node = match
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
            node = node.value[key]
        else:
            break
        line = node.start_mark.line + 1
    return line


def parse_config(text: str, source: str = "<config>") -> SiteConfig:
    try:
        data = yaml.safe_load(text) or {}
        tree = yaml.compose(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{source}: not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: expected a mapping at the top level")
    try:
        return SiteConfig.model_validate(data)
    except ValidationError as exc:
        msgs = []
        for err in exc.errors():
            loc = tuple(err["loc"])
            key = ".".join(str(p) for p in loc) or "(top level)"
            line = _line_of(tree, loc)
            where = f" (line {line})" if line else ""
            msg = "unknown key" if err["type"] == "extra_forbidden" else err["msg"]
            msgs.append(f"{key}{where}: {msg}")
        raise ConfigError(f"{source}: " + "; ".join(msgs)) from None


def load_config(path: Path) -> SiteConfig:
    if not path.exists():
        raise ConfigError(f"config file not found: {path}")
    return parse_config(path.read_text(encoding="utf-8"), str(path))
