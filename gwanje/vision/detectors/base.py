"""What every detector backend shares: the interface, pre-processing, NMS and OpenVINO set-up.

A backend turns one BGR image into ``supervision.Detections`` in that image's pixel
coordinates, with ``class_id``, ``confidence`` and ``data["class_name"]``.
"""

from __future__ import annotations

import fcntl
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import cv2
import numpy as np
import supervision as sv

log = logging.getLogger(__name__)


class ModelNotInstalledError(RuntimeError):
    """A detector's model files are not where its installed package should put them."""


class Detector(Protocol):
    """One image in, detections in that image's coordinates out."""

    name: str
    class_names: list[str]

    def detect(self, image: np.ndarray) -> sv.Detections: ...


@dataclass(frozen=True)
class Letterbox:
    """How an image was scaled and padded into the network input, so boxes can be mapped back."""

    scale: float
    pad_x: float  # network pixels left of (or, negative, cut from) the image
    pad_y: float

    def to_image(self, xyxy: np.ndarray) -> np.ndarray:
        out = xyxy.astype(np.float32, copy=True)
        out[:, [0, 2]] = (out[:, [0, 2]] - self.pad_x) / self.scale
        out[:, [1, 3]] = (out[:, [1, 3]] - self.pad_y) / self.scale
        return out


def letterbox(
    image: np.ndarray, width: int, height: int, fill: int = 127, centre: bool = True
) -> tuple[np.ndarray, Letterbox]:
    """Scale ``image`` to fit ``width`` x ``height`` keeping its aspect, on a grey canvas
    (centred, or at the top left as YOLOX expects)."""
    h, w = image.shape[:2]
    scale = min(width / w, height / h)
    nw, nh = round(w * scale), round(h * scale)
    resized = cv2.resize(image, (nw, nh), interpolation=cv2.INTER_LINEAR)
    canvas = np.full((height, width, 3), fill, dtype=np.uint8)
    px, py = ((width - nw) // 2, (height - nh) // 2) if centre else (0, 0)
    canvas[py : py + nh, px : px + nw] = resized
    return canvas, Letterbox(scale, px, py)


def empty_detections() -> sv.Detections:
    det = sv.Detections.empty()
    det.data["class_name"] = np.array([], dtype=object)
    return det


def empty_tracks() -> sv.Detections:
    """No detections, shaped as a tracker's output (with ``tracker_id``)."""
    det = empty_detections()
    det.tracker_id = np.zeros(0, dtype=int)
    return det


def class_mask(class_names: list[str], classes: list[str] | None) -> np.ndarray | None:
    """1 for the classes to keep, 0 for the others (None: keep all); an unknown name is refused."""
    if not classes:
        return None
    unknown = sorted(set(classes) - set(class_names))
    if unknown:
        raise ValueError(f"unknown COCO class name(s) {unknown}; known: {', '.join(class_names)}")
    return np.array([n in classes for n in class_names], dtype=np.float32)


def kept(
    parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]], nms_iou: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The decoded heads' (boxes, scores, class ids) together, after per-class NMS."""
    xyxy = np.concatenate([p[0] for p in parts])
    scores = np.concatenate([p[1] for p in parts])
    cls = np.concatenate([p[2] for p in parts])
    keep = nms(xyxy, scores, cls, nms_iou)
    return xyxy[keep], scores[keep], cls[keep]


def make_detections(
    xyxy: np.ndarray, scores: np.ndarray, class_ids: np.ndarray, class_names: list[str]
) -> sv.Detections:
    if len(xyxy) == 0:
        return empty_detections()
    return sv.Detections(
        xyxy=np.asarray(xyxy, dtype=np.float32).reshape(-1, 4),
        confidence=np.asarray(scores, dtype=np.float32),
        class_id=np.asarray(class_ids, dtype=int),
        data={"class_name": np.array([class_names[i] for i in class_ids], dtype=object)},
    )


def nms(xyxy: np.ndarray, scores: np.ndarray, class_ids: np.ndarray, iou: float) -> np.ndarray:
    """Indices kept by per-class non-maximum suppression, highest score first."""
    if len(xyxy) == 0:
        return np.zeros(0, dtype=int)
    xywh = np.column_stack([xyxy[:, 0], xyxy[:, 1], xyxy[:, 2] - xyxy[:, 0], xyxy[:, 3] - xyxy[:, 1]])
    keep = cv2.dnn.NMSBoxesBatched(
        xywh.tolist(), scores.astype(float).tolist(), class_ids.astype(int).tolist(), 0.0, iou
    )
    return np.asarray(keep, dtype=int).reshape(-1)


def box_coverage(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """[i, j]: the share of box ``a[i]`` that box ``b[j]`` covers (xyxy rows)."""
    a, b = np.asarray(a, np.float64).reshape(-1, 4), np.asarray(b, np.float64).reshape(-1, 4)
    ix = np.clip(np.minimum(a[:, None, 2], b[None, :, 2]) - np.maximum(a[:, None, 0], b[None, :, 0]), 0, None)
    iy = np.clip(np.minimum(a[:, None, 3], b[None, :, 3]) - np.maximum(a[:, None, 1], b[None, :, 1]), 0, None)
    area = np.maximum((a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1]), 1e-6)
    return ix * iy / area[:, None]


def clip_boxes(xyxy: np.ndarray, width: int, height: int) -> np.ndarray:
    out = xyxy.copy()
    out[:, [0, 2]] = out[:, [0, 2]].clip(0, width - 1)
    out[:, [1, 3]] = out[:, [1, 3]].clip(0, height - 1)
    return out


def cache_dir() -> Path:
    root = Path(os.environ.get("GWANJE_CACHE_DIR", Path.home() / ".cache" / "gwanje"))
    root.mkdir(parents=True, exist_ok=True)
    return root


def compile_openvino(
    model: object, *, precision: str = "auto", threads: int = 0, hint: str = "LATENCY"
) -> object:
    """Compile an ``openvino.Model`` (or a path it reads) for the CPU.

    ``hint`` is OpenVINO's performance hint: ``LATENCY`` (one request over all the cores) or
    ``THROUGHPUT`` (the cores split into streams for parallel requests: ``shared``).
    ``precision`` is ``f32``, ``bf16`` or ``auto`` (the CPU's default; bf16 on CPUs that have it,
    which gives slightly different scores run to run across machines). ``GWANJE_INFERENCE_PRECISION``
    overrides it, which is how the tests pin f32. ``threads`` 0 lets OpenVINO choose.
    """
    import openvino as ov

    core = ov.Core()
    blobs = cache_dir() / "openvino"
    blobs.mkdir(exist_ok=True)
    core.set_property({"CACHE_DIR": str(blobs)})
    props: dict[str, object] = {"PERFORMANCE_HINT": hint}
    precision = os.environ.get("GWANJE_INFERENCE_PRECISION", precision)
    if precision not in ("auto", "int8"):  # an INT8 model carries its own precision
        props["INFERENCE_PRECISION_HINT"] = precision
    threads = int(os.environ.get("GWANJE_INFERENCE_THREADS", threads))
    if threads > 0:
        props["INFERENCE_NUM_THREADS"] = threads
    log.debug("compiling OpenVINO model with %s", props)
    # Two camera workers starting together compile the same model into the same cache file, and
    # OpenVINO's cache writer does not expect that ("cannot set permissions: No such file"): one
    # compile at a time per cache, across processes
    with (blobs / ".compile.lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            return core.compile_model(model, "CPU", props)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def installed_package_file(package: str, *parts: str) -> Path:
    """Path of a data file inside an installed package, without importing the package's code."""
    from importlib.util import find_spec

    spec = find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ModelNotInstalledError(
            f"package {package!r} is not installed; run `make install` (it ships the model files)"
        )
    path = Path(list(spec.submodule_search_locations)[0], *parts)
    if not path.exists():
        raise ModelNotInstalledError(f"model file missing from installed package {package!r}: {path}")
    return path


def node_modules() -> Path:
    """Where ``make install`` put the npm registry's packages (``package.json``): the project's
    ``node_modules``, or the folder ``GWANJE_NODE_MODULES`` names."""
    return Path(os.environ.get("GWANJE_NODE_MODULES", Path(__file__).resolve().parents[3] / "node_modules"))


def npm_package_file(package: str, *parts: str) -> Path:
    """Path of a file inside an npm package in ``node_modules()``."""
    path = node_modules().joinpath(*package.split("/"), *parts)
    if not path.exists():
        raise ModelNotInstalledError(
            f"npm package {package!r} is not installed ({path} is missing); run `make install` (npm ci)"
        )
    return path
