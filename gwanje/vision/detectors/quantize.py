"""INT8 post-training quantization of YOLOv3-tiny with NNCF, calibrated on a site's own footage.

    gwanje models quantize --video footage1.mp4 --video footage2.mp4

Calibration only measures activation ranges (no training); ~100 frames of the site's scenes are
enough. The quantized model is saved as OpenVINO IR in the cache (``GWANJE_CACHE_DIR``) and used
by cameras whose detector says ``precision: int8``. The first convolution and the two that
make the YOLO heads stay in float (``float_layers``); with them the INT8 model scores as the
float one on PETS, at about 1.3x the speed of bf16 on this project's CPU (bench/results/).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np

from gwanje.vision.detectors.base import cache_dir, letterbox
from gwanje.vision.detectors.darknet_graph import build_openvino_model, model_file

log = logging.getLogger(__name__)


class NotQuantizedError(RuntimeError):
    """``precision: int8`` asked for before ``gwanje models quantize`` made the model."""


def int8_model_path(width: int, height: int) -> Path:
    return cache_dir() / "models" / f"yolov3-tiny-coco-{width}x{height}-int8.xml"


def preprocess(image: np.ndarray, width: int, height: int) -> np.ndarray:
    canvas, _ = letterbox(image, width, height)
    return canvas[:, :, ::-1].transpose(2, 0, 1)[None].astype(np.float32) / 255.0


def quantize_yolov3_tiny(
    images: Iterable[np.ndarray],
    *,
    width: int = 768,
    height: int = 576,
    on_progress: Callable[[int], None] | None = None,
) -> Path:
    """Quantize to INT8 on ``images`` (BGR frames of the site's cameras); returns the IR path."""
    import nncf
    import openvino as ov

    blobs = []
    for i, image in enumerate(images, 1):
        blobs.append(preprocess(image, width, height))
        if on_progress:
            on_progress(i)
    if len(blobs) < 10:
        raise ValueError(f"need at least 10 calibration frames, got {len(blobs)}")
    model, _ = build_openvino_model(
        model_file("yolov3-tiny.cfg"),
        model_file("yolov3-tiny.weights"),
        width,
        height,
        True,
    )
    quantized = nncf.quantize(
        model,
        nncf.Dataset(blobs),
        preset=nncf.QuantizationPreset.MIXED,
        subset_size=len(blobs),
        ignored_scope=nncf.IgnoredScope(names=float_layers(model)),
    )
    out = int8_model_path(width, height)
    out.parent.mkdir(parents=True, exist_ok=True)
    ov.save_model(quantized, str(out))
    log.info("saved INT8 model %s (calibrated on %d frames)", out, len(blobs))
    return out


def float_layers(model) -> list[str]:
    """The convolutions kept in float: the first (three colour channels in, the most sensitive to
    rounding) and the two that produce the YOLO heads' outputs. Both are cheap; with them in
    float the INT8 model scores as the float one on PETS (bench/results/pets09.md)."""
    convs = [op for op in model.get_ordered_ops() if op.get_type_name() == "Convolution"]
    heads = [
        src.get_node().get_friendly_name()
        for result in model.get_results()
        for src in (i.get_source_output() for i in result.input_value(0).get_node().inputs())
        if src.get_node().get_type_name() == "Convolution"
    ]
    return [convs[0].get_friendly_name(), *heads]


def load_int8(width: int, height: int):
    import openvino as ov

    path = int8_model_path(width, height)
    if not path.exists():
        raise NotQuantizedError(
            f"no INT8 model for {width}x{height} input: run `gwanje models quantize --video <site footage> "
            f"--width {width} --height {height}` first (or set detector.precision to auto)"
        )
    return ov.Core().read_model(str(path))
