"""People count in a zone where detections saturate: a per-camera calibrated regression.

In a dense crowd the detector sees the front row and a few heads; the rest hide behind each other.
The count is then regressed, per camera, from cues that grow with the crowd (after Chen et al.,
BMVC 2012): detector counts at several scores, the foreground area against an empty-scene
reference, and edge pixels, each weighted by a perspective map so a far person counts as much as a
near one. Where the camera has the crowd density network, its count in the zone can be one more
input (``densities``): the general network, refined on the camera's own frames. A site fits the model
once on frames with known counts (``fit_count_model``, as ``bench/mall_count.py`` does) and stores it
in a ``.npz`` file named by the zone's ``count_model``.

The reference background is the median of the fitting frames (people move; the floor stays), so a
lasting change of light or furniture needs a new fit. Perspective weights are the ground area of
each pixel from the camera's ground calibration, or a map the site supplies.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from gwanje.analytics.ground import GroundPlane

SCORES = (0.2, 0.3, 0.4, 0.5)  # detector counts at these scores (the detector must keep ≥ 0.2)
FEATURES = [f"{kind}_{s}" for s in SCORES for kind in ("n", "conf")] + [
    "fg_weighted",
    "fg_pixels",
    "fg_edges",
    "fg_edges_weighted",
    "edges_weighted",
]
DENSITY = "density_net"  # the density network's count in the zone, where the fit used it
DIFF = 25  # grey-level change from the reference that is foreground
_OPEN = np.ones((3, 3), np.uint8)


def zone_mask(shape: tuple[int, int], polygon: list[tuple[float, float]]) -> np.ndarray:
    mask = np.zeros(shape, np.uint8)
    cv2.fillPoly(mask, [np.round(np.asarray(polygon)).astype(np.int32)], 1)
    return mask.astype(bool)


def perspective_from_ground(plane: GroundPlane, shape: tuple[int, int]) -> np.ndarray:
    """Ground area (m²) each pixel covers, normalised to a median of 1 over the image."""
    h, w = shape
    ys, xs = np.mgrid[0:h:8, 0:w:8]
    pts = np.column_stack([xs.ravel(), ys.ravel()]).astype(np.float64)
    right = plane.to_ground(pts + [1, 0]) - plane.to_ground(pts)
    down = plane.to_ground(pts + [0, 1]) - plane.to_ground(pts)
    area = np.abs(right[:, 0] * down[:, 1] - right[:, 1] * down[:, 0]).reshape(ys.shape)
    area = cv2.resize(area.astype(np.float32), (w, h), interpolation=cv2.INTER_LINEAR)
    return area / max(float(np.median(area)), 1e-12)


def frame_features(
    grey: np.ndarray,
    people: np.ndarray,
    mask: np.ndarray,
    weights: np.ndarray,
    background: np.ndarray,
) -> np.ndarray:
    """The regression's inputs for one frame. ``people`` is ``(N, 5)``: x1 y1 x2 y2 score."""
    row: list[float] = []
    people = np.asarray(people, np.float64).reshape(-1, 5)
    cx = ((people[:, 0] + people[:, 2]) / 2).astype(int).clip(0, mask.shape[1] - 1)
    cy = ((people[:, 1] + people[:, 3]) / 2).astype(int).clip(0, mask.shape[0] - 1)
    inside = mask[cy, cx]
    for s in SCORES:
        keep = inside & (people[:, 4] >= s)
        row += [float(keep.sum()), float(people[keep, 4].sum())]
    fg = (np.abs(grey.astype(np.int16) - background.astype(np.int16)) > DIFF).astype(np.uint8)
    fg = cv2.morphologyEx(fg, cv2.MORPH_OPEN, _OPEN).astype(bool) & mask
    edges = cv2.Canny(grey, 80, 160) > 0
    root = np.sqrt(weights)
    row += [
        float((weights * fg).sum()) / 1e3,
        float(fg.sum()) / 1e3,
        float((edges & fg).sum()) / 1e3,
        float((root * (edges & fg)).sum()) / 1e3,
        float((root * (edges & mask)).sum()) / 1e3,
    ]
    return np.asarray(row)


@dataclass(frozen=True)
class CountModel:
    coef: np.ndarray
    intercept: float
    mean: np.ndarray
    scale: np.ndarray
    background: np.ndarray  # grey reference, uint8
    weights: np.ndarray  # perspective map, float32
    mask: np.ndarray  # the zone, bool
    alpha: float
    uses_density: bool = False  # fitted with the density network's count as one more input

    @property
    def features(self) -> list[str]:
        return FEATURES + [DENSITY] if self.uses_density else FEATURES

    def count(self, grey: np.ndarray, people: np.ndarray, density: float | None = None) -> float:
        """People in the zone; ``density`` is the network's count there, needed by a model
        fitted with it."""
        if grey.shape != self.background.shape:
            raise ValueError(
                f"frame is {grey.shape[1]}x{grey.shape[0]} but the count model was fitted on "
                f"{self.background.shape[1]}x{self.background.shape[0]}"
            )
        x = frame_features(grey, people, self.mask, self.weights, self.background)
        if self.uses_density:
            if density is None:
                raise ValueError("this count model was fitted with the density network's count")
            x = np.append(x, density)
        return max(0.0, float(((x - self.mean) / self.scale) @ self.coef + self.intercept))

    def save(self, path: Path) -> None:
        np.savez_compressed(
            path,
            coef=self.coef,
            intercept=self.intercept,
            mean=self.mean,
            scale=self.scale,
            background=self.background,
            weights=self.weights.astype(np.float32),
            mask=self.mask,
            alpha=self.alpha,
            features=np.asarray(self.features),
        )

    @classmethod
    def load(cls, path: Path) -> CountModel:
        try:
            with np.load(path) as z:
                features = list(z["features"])
                if features not in (FEATURES, FEATURES + [DENSITY]):
                    raise ValueError("it was made with other features; fit it again")
                return cls(
                    z["coef"],
                    float(z["intercept"]),
                    z["mean"],
                    z["scale"],
                    z["background"],
                    z["weights"],
                    z["mask"].astype(bool),
                    float(z["alpha"]),
                    features[-1] == DENSITY,
                )
        except (OSError, KeyError, ValueError) as exc:
            raise ValueError(f"count model {path}: {exc}") from None


def _ridge(x: np.ndarray, y: np.ndarray, alpha: float) -> tuple[np.ndarray, float]:
    ym = y.mean()
    coef = np.linalg.solve(x.T @ x + alpha * np.eye(x.shape[1]), x.T @ (y - ym))
    return coef, float(ym)


def fit_count_model(
    greys: list[np.ndarray],
    people: list[np.ndarray],
    counts: np.ndarray,
    polygon: list[tuple[float, float]],
    weights: np.ndarray | None = None,
    folds: int = 5,
    densities: np.ndarray | None = None,
) -> CountModel:
    """Fit on frames with known counts; the ridge penalty is chosen by cross-validation over
    contiguous blocks (neighbouring frames look alike, so random folds would flatter it).
    ``densities``: the density network's count in the zone on each frame, as one more input."""
    if len(greys) != len(people) or len(greys) != len(counts) or len(greys) < 2 * folds:
        raise ValueError(f"need as many frames, detections and counts, at least {2 * folds}")
    if densities is not None and len(densities) != len(greys):
        raise ValueError("need a density network count for every frame")
    shape = greys[0].shape
    mask = zone_mask(shape, polygon)
    weights = np.ones(shape, np.float32) if weights is None else np.asarray(weights, np.float32)
    background = np.median(np.stack(greys[:: max(1, len(greys) // 200)]), axis=0).astype(np.uint8)
    x = np.stack(
        [frame_features(g, p, mask, weights, background) for g, p in zip(greys, people, strict=True)]
    )
    if densities is not None:
        x = np.column_stack([x, np.asarray(densities, np.float64)])
    y = np.asarray(counts, np.float64)
    mean, scale = x.mean(axis=0), x.std(axis=0) + 1e-9
    z = (x - mean) / scale
    blocks = np.array_split(np.arange(len(y)), folds)
    best: tuple[float, float] | None = None
    for alpha in np.logspace(-2, 3, 11):
        err = 0.0
        for b in blocks:
            train = np.setdiff1d(np.arange(len(y)), b)
            coef, icpt = _ridge(z[train], y[train], alpha)
            err += float(np.abs(z[b] @ coef + icpt - y[b]).sum())
        if best is None or err < best[0]:
            best = (err, float(alpha))
    assert best is not None
    coef, icpt = _ridge(z, y, best[1])
    return CountModel(coef, icpt, mean, scale, background, weights, mask, best[1], densities is not None)
