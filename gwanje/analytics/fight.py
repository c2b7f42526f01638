"""Fight: a small classifier over what moves, in the words of the detector's own features.

Each analysed frame gives one vector: the channels of one or more of YOLOv3-tiny's layers (by
default the 1024 of its deepest, 13x13 at a 416x416 input; a model may add the 256 of the 26x26
head's convolution, finer detail for small people), each averaged over the image with weights
from the dense optical flow (Farneback, 160 pixels wide) squared, so the vector describes what the
moving things look like. Over a window of ``window_s`` those vectors become one
(``window_vector``: their mean and spread, optionally of unit-length vectors, one per layer, plus
their frame-to-frame change) for a classifier trained on the ``fight_clips`` set (75 fights, 75
other scenes), a logistic regression or an RBF support-vector machine: ``bench/fight.py`` picks
and measures it by nested 5-fold cross-validation and writes the model trained on all clips to
``bench/.cache/fight_model.npz``; a site points ``fight.model_path`` at it (or at its own). The
file names its layers and window vector. No model ships in the package.
Only frames behind the gate (``FightGate``) are scored: ``min_people`` people (by default one; two
close together when it is 2) among the tracks or the detector's raw person boxes, seen within the
last ``hold_s`` seconds, so an empty street costs no extra inference. The detector seldom boxes
both of two people who grapple, and often neither for a moment: a gate asking for two people close
together, without the hold, opened on 13 % of the fight clips (bench/results/fight.md).
"""

from __future__ import annotations

from collections import deque
from functools import cache
from pathlib import Path

import cv2
import numpy as np
import supervision as sv

from gwanje.analytics.hits import RuleHit, class_mask, new_event_id
from gwanje.config import FightConfig
from gwanje.domain import EventType, Severity

FLOW_WIDTH = 160
SIZE = 416
# yolov3-tiny.cfg layers a model may read, with their channels: the 3x3 conv with 1024 filters on
# the 13x13 grid, and the 26x26 head's 3x3 conv with 256 filters
LAYERS = {12: 1024, 21: 256}
DEFAULT_LAYERS = (12,)


@cache
def _network(layers: tuple[int, ...] = DEFAULT_LAYERS, precision: str = "auto"):
    from gwanje.vision.detectors.base import compile_openvino
    from gwanje.vision.detectors.darknet_graph import build_openvino_model, model_file, with_bgr_u8_input

    cfg, weights = model_file("yolov3-tiny.cfg"), model_file("yolov3-tiny.weights")
    model, heads = build_openvino_model(cfg, weights, SIZE, SIZE, True, feature_layers=layers)
    compiled = compile_openvino(with_bgr_u8_input(model), precision=precision)
    return compiled, len(heads)


def _check_layers(layers: tuple[int, ...]) -> tuple[int, ...]:
    unknown = [n for n in layers if n not in LAYERS]
    if not layers or unknown:
        raise ValueError(f"fight feature layers {list(layers)}: choose from {sorted(LAYERS)}")
    return layers


class MotionAppearance:
    """Per frame: the flow-weighted deep features of what moved since the previous frame, the
    layers' vectors one after the other."""

    def __init__(self, layers: tuple[int, ...] = DEFAULT_LAYERS) -> None:
        self.layers = _check_layers(tuple(layers))
        self.compiled, self.index = _network(self.layers)
        self.request = self.compiled.create_infer_request()
        self._prev: np.ndarray | None = None

    def reset(self) -> None:
        self._prev = None

    def __call__(self, image: np.ndarray) -> np.ndarray | None:
        from gwanje.vision.detectors.base import letterbox

        h, w = image.shape[:2]
        small = cv2.resize(
            image, (FLOW_WIDTH, max(1, round(h * FLOW_WIDTH / w))), interpolation=cv2.INTER_AREA
        )
        grey = cv2.cvtColor(small, cv2.COLOR_BGR2GRAY)
        prev, self._prev = self._prev, grey
        if prev is None or prev.shape != grey.shape:
            return None
        if int(cv2.absdiff(prev, grey).max()) < 4:  # nothing moved (a repeated or still frame)
            return np.zeros(sum(LAYERS[n] for n in self.layers), np.float32)
        flow = cv2.calcOpticalFlowFarneback(prev, grey, None, 0.5, 3, 15, 3, 5, 1.2, 0)
        magnitude = np.linalg.norm(flow, axis=2)
        canvas, _ = letterbox(image, SIZE, SIZE)
        results = self.request.infer({0: canvas[None]})
        scale = min(SIZE / w, SIZE / h)
        nw, nh = round(w * scale), round(h * scale)
        ox, oy = (SIZE - nw) // 2, (SIZE - nh) // 2
        weight = np.zeros((SIZE, SIZE), np.float32)
        weight[oy : oy + nh, ox : ox + nw] = cv2.resize(magnitude, (nw, nh))
        vectors = []
        for k in range(len(self.layers)):
            features = results[self.compiled.output(self.index + k)][0]
            grid = cv2.resize(weight, features.shape[1:][::-1], interpolation=cv2.INTER_AREA) ** 2
            vectors.append((features * (grid / max(float(grid.sum()), 1e-9))).sum(axis=(1, 2)))
        return np.concatenate(vectors)


FEATURES = ("mean_std", "mean_std_change")


def window_vector(
    frames: list[np.ndarray], kind: str = "mean_std", parts: tuple[int, ...] | None = None
) -> np.ndarray:
    """One vector for a window of per-frame vectors. ``mean_std``: their mean and spread;
    ``mean_std_change``: the same of the vectors scaled to unit length (what moves, not how much),
    plus how much they change from frame to frame (a fight's look changes blow by blow).
    ``parts``: the lengths of the layers the frame vectors are made of, each treated on its own."""
    a = np.stack(frames)
    if parts is not None and len(parts) > 1:
        if sum(parts) != a.shape[1]:
            raise ValueError(f"frame vectors of {a.shape[1]} values are not layers of {list(parts)}")
        cuts = np.cumsum(parts)[:-1]
        return np.concatenate([window_vector(list(p), kind) for p in np.split(a, cuts, axis=1)])
    if kind == "mean_std":
        return np.concatenate([a.mean(axis=0), a.std(axis=0)])
    if kind == "mean_std_change":
        a = a / np.maximum(np.linalg.norm(a, axis=1, keepdims=True), 1e-6)
        change = np.abs(np.diff(a, axis=0)).mean(axis=0) if len(a) > 1 else np.zeros(a.shape[1])
        return np.concatenate([a.mean(axis=0), a.std(axis=0), change])
    raise ValueError(f"unknown fight feature kind {kind!r} (known: {', '.join(FEATURES)})")


class FightModel:
    """A trained classifier from a ``.npz``: the layers and window vector it reads, the
    standardisation, and either a logistic regression (``coef``, ``intercept``) or an RBF
    support-vector machine (``vectors``, ``dual``, ``gamma``, ``intercept``, with Platt's
    ``prob_a``, ``prob_b``)."""

    def __init__(self, path: Path) -> None:
        if not path.exists():
            raise ValueError(f"fight model {path} is missing: bench/fight.py trains one")
        try:
            with np.load(path) as z:
                self.features = str(z["features"]) if "features" in z else "mean_std"
                self.layers = _check_layers(
                    tuple(int(n) for n in z["layers"]) if "layers" in z else DEFAULT_LAYERS
                )
                self.mean, self.scale = z["mean"], z["scale"]
                self.intercept = float(z["intercept"])
                if "coef" in z:
                    self.coef, self.vectors = z["coef"], None
                else:
                    self.coef = None
                    self.vectors, self.dual = z["vectors"], z["dual"]
                    self.gamma, self.prob_a, self.prob_b = (
                        float(z["gamma"]),
                        float(z["prob_a"]),
                        float(z["prob_b"]),
                    )
        except (OSError, KeyError, ValueError) as exc:
            raise ValueError(f"fight model {path}: {exc}") from None
        if self.features not in FEATURES:
            raise ValueError(f"fight model {path}: unknown feature kind {self.features!r}")
        self.parts = tuple(LAYERS[n] for n in self.layers)
        inputs = len(self.window([np.zeros(sum(self.parts), np.float32)] * 2))
        if self.mean.shape != (inputs,):
            raise ValueError(f"fight model {path}: {self.mean.shape[0]} inputs do not fit its layers")

    def window(self, frames: list[np.ndarray]) -> np.ndarray:
        """The window vector this model reads."""
        return window_vector(frames, self.features, self.parts)

    def decision(self, vector: np.ndarray) -> float:
        x = (vector - self.mean) / self.scale
        if self.coef is not None:
            return float(x @ self.coef + self.intercept)
        k = np.exp(-self.gamma * ((self.vectors - x) ** 2).sum(axis=1))
        return float(self.dual @ k + self.intercept)

    def probability(self, vector: np.ndarray) -> float:
        d = self.decision(vector)
        if self.coef is not None:
            return float(1 / (1 + np.exp(-d)))
        return float(1 / (1 + np.exp(self.prob_a * d + self.prob_b)))


def _save(
    path: Path, features: str, layers: tuple[int, ...], mean: np.ndarray, scale: np.ndarray, **classifier
) -> None:
    """What every model file holds (its window vector, layers and standardisation) and its classifier."""
    np.savez_compressed(
        path,
        features=features,
        layers=np.asarray(layers, np.int64),
        mean=mean.astype(np.float32),
        scale=scale.astype(np.float32),
        **classifier,
    )


def save_model(
    path: Path,
    mean: np.ndarray,
    scale: np.ndarray,
    coef: np.ndarray,
    intercept: float,
    features: str = "mean_std",
    layers: tuple[int, ...] = DEFAULT_LAYERS,
) -> None:
    """A logistic regression."""
    _save(path, features, layers, mean, scale, coef=coef.astype(np.float32), intercept=np.float32(intercept))


def save_svm(
    path: Path,
    features: str,
    mean: np.ndarray,
    scale: np.ndarray,
    vectors: np.ndarray,
    dual: np.ndarray,
    gamma: float,
    intercept: float,
    prob_a: float,
    prob_b: float,
    layers: tuple[int, ...] = DEFAULT_LAYERS,
) -> None:
    """An RBF support-vector machine; its decision turns into a probability by Platt's sigmoid
    ``1 / (1 + exp(prob_a * decision + prob_b))``."""
    _save(
        path,
        features,
        layers,
        mean,
        scale,
        vectors=vectors.astype(np.float32),
        dual=dual.astype(np.float32),
        gamma=np.float64(gamma),
        intercept=np.float64(intercept),
        prob_a=np.float64(prob_a),
        prob_b=np.float64(prob_b),
    )


def close_pairs(boxes: np.ndarray) -> list[tuple[int, int]]:
    """The pairs of boxes (xyxy) of two people within about a body height of each other."""
    pairs = []
    for i in range(len(boxes)):
        for j in range(i + 1, len(boxes)):
            a, b = boxes[i], boxes[j]
            h = max(a[3] - a[1], b[3] - b[1])
            cx = abs((a[0] + a[2]) - (b[0] + b[2])) / 2
            cy = abs(a[3] - b[3])
            if cx <= h and cy <= h / 2:
                pairs.append((i, j))
    return pairs


def engaged(people: np.ndarray, min_people: int) -> bool:
    """``min_people`` people, two of them close together when it asks for two."""
    return len(people) >= min_people and (min_people < 2 or bool(close_pairs(people)))


class FightGate:
    """Whether to score this frame: the people the rule needs (``engaged``) among the tracked people
    or among the detector's raw person boxes of the frame (a track starts only after a confident
    box; people who grapple, fall or blur often get a low one), seen within the last ``hold_s``
    seconds (the detector loses them for moments in a fight)."""

    def __init__(self, min_people: int, hold_s: float) -> None:
        self.min_people, self.hold_s = min_people, hold_s
        self._seen_s: float | None = None

    def update(self, tracked: np.ndarray, detected: np.ndarray | None, t: float) -> bool:
        if engaged(tracked, self.min_people) or (detected is not None and engaged(detected, self.min_people)):
            self._seen_s = t
        return self._seen_s is not None and t - self._seen_s <= self.hold_s + 1e-6


class FightRules:
    def __init__(self, config: FightConfig) -> None:
        self.config = config
        assert config.model_path is not None  # checked by the config model
        self.model = FightModel(config.model_path)
        self.features = MotionAppearance(self.model.layers)
        self._vectors: deque[tuple[float, np.ndarray]] = deque()
        self._image: np.ndarray | None = None
        self._detected: np.ndarray | None = None
        self.gate = FightGate(config.min_people, config.hold_s)
        self._event: tuple[str, float] | None = None
        self._calm_since: float | None = None
        self.last_probability = 0.0

    def observe(self, image: np.ndarray, detections: sv.Detections | None) -> None:
        self._image = image
        self._detected = (
            detections.xyxy[class_mask(detections, ["person"])] if detections is not None else None
        )

    def update(self, tracks: sv.Detections, t: float) -> list[RuleHit]:
        c = self.config
        people = tracks.xyxy[class_mask(tracks, ["person"])]
        if not self.gate.update(people, self._detected, t) or self._image is None:
            self.features.reset()
            self._vectors.clear()
            p = 0.0
        else:
            v = self.features(self._image)
            if v is not None:
                self._vectors.append((t, v))
            while self._vectors and t - self._vectors[0][0] > c.window_s:
                self._vectors.popleft()
            enough = len(self._vectors) >= max(3, int(c.window_s * 2))
            vectors = [v for _, v in self._vectors]
            p = self.model.probability(self.model.window(vectors)) if enough else 0.0
        self.last_probability = p
        box = (
            tuple(map(float, (*people[:, :2].min(axis=0), *people[:, 2:].max(axis=0))))
            if len(people)
            else None
        )
        if self._event is None and p >= c.threshold:
            self._event = (new_event_id(), t)
            self._calm_since = None
            return [self._hit("start", t, p, box)]
        if self._event is not None:
            if p >= c.threshold - 0.2:
                self._calm_since = None
            elif self._calm_since is None:
                self._calm_since = t
            elif t - self._calm_since >= c.calm_s:
                hit = self._hit("end", t, p, box)
                self._event = None
                return [hit]
        return []

    def _hit(self, phase: str, t: float, p: float, box) -> RuleHit:
        assert self._event is not None
        return RuleHit(
            self._event[0],
            phase,
            EventType.FIGHT,
            Severity(self.config.severity),
            None,
            self._event[1],
            t,
            boxes=(box,) if box else (),
            confidence=round(p, 3),
            details={"probability": round(p, 3)},
        )

    def finish(self) -> list[RuleHit]:
        return []
