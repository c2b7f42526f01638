"""Detector backends, one file each, imported only when configured."""

from __future__ import annotations

from gwanje.config import DetectorConfig
from gwanje.vision.detectors.base import Detector


def create_detector(config: DetectorConfig) -> Detector:
    """Build the configured backend, wrapped in tiling when enabled."""
    detector: Detector
    yolo_options = {
        "input_width": config.input_width,
        "input_height": config.input_height,
        "score_threshold": config.score_threshold,
        "nms_iou": config.nms_iou,
        "classes": config.classes,
        "precision": config.precision,
        "threads": config.threads,
    }
    if config.backend == "yolov3_tiny_coco":
        from gwanje.vision.detectors.darknet_yolo import DarknetYolo

        detector = DarknetYolo(**yolo_options)
    elif config.backend == "nanodet_coco":
        from gwanje.vision.detectors.nanodet import NanoDet

        detector = NanoDet(
            score_threshold=config.score_threshold,
            nms_iou=config.nms_iou,
            classes=config.classes,
            precision=config.precision,
            threads=config.threads,
            shared=config.shared,
        )
    elif config.backend == "ssdlite_person":
        from gwanje.vision.detectors.ssdlite import SsdlitePerson

        detector = SsdlitePerson(
            score_threshold=config.score_threshold, precision=config.precision, threads=config.threads
        )
    elif config.backend == "yolo_onnx":
        from gwanje.vision.detectors.onnx_yolo import OnnxYolo

        assert config.model_path is not None  # checked by the config model
        detector = OnnxYolo(
            config.model_path, class_names=config.class_names, layout=config.layout, **yolo_options
        )
    else:  # pragma: no cover - the config model admits only the names above
        raise ValueError(f"unknown detector backend {config.backend!r}")
    if config.tiling.enabled:
        from gwanje.vision.detectors.tiling import TiledDetector

        detector = TiledDetector(detector, config.tiling, nms_iou=config.nms_iou)
    return detector
