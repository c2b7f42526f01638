"""How a camera finds and follows things (``motion:``, ``detector:``, ``tracker:`` of a camera):
the motion gate, the detector with its tiling and regions of interest, and the tracker."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator

from gwanje.config.base import Point, Strict, check_polygon


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
            check_polygon(poly)
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
    backend: Literal["yolov3_tiny_coco", "nanodet_coco", "ssdlite_person", "yolo_onnx"] = "yolov3_tiny_coco"
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
    shared: bool = Field(
        True,
        description="nanodet_coco: the cameras of a worker share one network, run as parallel "
        "requests (false: each camera compiles its own)",
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
