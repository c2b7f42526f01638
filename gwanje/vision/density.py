"""Crowd density maps from the project's trained network, run with OpenVINO.

The network (YOLOv3-tiny's first layers, frozen, and a density head; ``gwanje.training``) is made
by ``gwanje models train-crowd`` into ``<cache>/models/crowd-density.onnx``; it is not shipped,
because it is trained on research data. It takes the whole picture (sides padded to multiples of
16) and gives people per 8x8 cell, so a zone's count is the sum of the cells inside it, however
dense the crowd (a detector stops boxing people once they hide each other).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import cv2
import numpy as np

from gwanje.vision.detectors.base import cache_dir, compile_openvino
from gwanje.vision.detectors.darknet_graph import with_bgr_u8_input

STRIDE = 8
MULTIPLE = 16


def default_density_model() -> Path:
    return cache_dir() / "models" / "crowd-density.onnx"


def padded_size(h: int, w: int) -> tuple[int, int]:
    return -(-h // MULTIPLE) * MULTIPLE, -(-w // MULTIPLE) * MULTIPLE


def cell_shares(mask: np.ndarray | None, shape: tuple[int, int]) -> np.ndarray:
    """The share of each 8x8 cell of a picture of ``shape`` (padded to multiples of 16) that lies
    inside ``mask`` (a bool picture, at most ``shape``; None: every cell whole)."""
    ph, pw = padded_size(*shape)
    full = np.zeros((ph, pw), np.float32)
    if mask is None:
        full[: shape[0], : shape[1]] = 1.0
    else:
        full[: mask.shape[0], : mask.shape[1]] = mask
    return full.reshape(ph // STRIDE, STRIDE, pw // STRIDE, STRIDE).mean(axis=(1, 3))


def polygon_shares(polygon: list[tuple[float, float]], shape: tuple[int, int]) -> np.ndarray:
    mask = np.zeros(shape, np.uint8)
    cv2.fillPoly(mask, [np.round(np.asarray(polygon)).astype(np.int32)], 1)
    return cell_shares(mask.astype(bool), shape)


def padded(image: np.ndarray) -> np.ndarray:
    """A BGR (or grey) picture as the network takes it: BGR, zero-padded at the right and bottom to
    sides that are multiples of 16. Training prepares its pictures the same way."""
    if image.ndim == 2:
        image = cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
    h, w = image.shape[:2]
    ph, pw = padded_size(h, w)
    if (ph, pw) == (h, w):
        return np.ascontiguousarray(image)
    canvas = np.zeros((ph, pw, 3), np.uint8)
    canvas[:h, :w] = image
    return canvas


@cache
def _compiled(path: str, modified_ns: int, precision: str):
    """One compiled network per file version and process: cameras of a worker and a camera's
    reconnects share it (each counter keeps its own infer request, so threads do not)."""
    import openvino as ov

    try:
        model = ov.Core().read_model(path)
    except RuntimeError as exc:
        raise ValueError(f"crowd density model {path} is unreadable: {exc}") from None
    if len(model.inputs) != 1 or len(model.outputs) != 1:
        raise ValueError(f"crowd density model {path}: expected one input and one output")
    return compile_openvino(with_bgr_u8_input(model), precision=precision)


class DensityCounter:
    """The compiled network with an infer request of its own; ``density`` gives the cells of one
    BGR frame."""

    def __init__(self, path: Path | None = None, precision: str = "auto") -> None:
        self.path = Path(path) if path is not None else default_density_model()
        if not self.path.is_file():
            raise FileNotFoundError(
                f"crowd density model {self.path} not found; `gwanje models train-crowd` makes it"
            )
        self.compiled = _compiled(str(self.path), self.path.stat().st_mtime_ns, precision)
        self.request = self.compiled.create_infer_request()

    def density(self, image: np.ndarray) -> np.ndarray:
        """People per 8x8 cell, shape (padded H / 8, padded W / 8)."""
        self.request.infer({0: padded(image)[None]})
        return np.asarray(self.request.get_output_tensor(0).data, np.float32)[0, 0].copy()
