"""Fire: flame-coloured pixels that stay in place while their brightness dances.

No openly licensed fire model exists, so this is classical vision (after Chen et al. 2004 and
Toreyin et al. 2006). On a shrunken frame a pixel is lit when it is flame-coloured: bright red,
red ≥ green > blue, red well above blue. A candidate region is where pixels were lit for at least
``min_presence`` of the last ``window_s`` seconds (a flame stays where it burns; a person in an
orange coat walks on). It is a flame when its brightness keeps changing while it stays lit
(``min_lit_change`` between frames, ``min_lit_spread`` over the window): a flame dances, while a
wooden floor, a traffic cone or a red sign stays the same, and a person walking past breaks the
colour rather than changing its brightness. A flame region that holds for ``hold_s`` raises the alarm, with its box; no flame for ``clear_s`` ends it.
"""

from __future__ import annotations

from collections import deque

import cv2
import numpy as np
import supervision as sv

from gwanje.analytics.ground import GroundPlane
from gwanje.analytics.hits import RegionSpell, RuleHit
from gwanje.config import FireConfig
from gwanje.domain import EventType, Severity
from gwanje.vision.colour import SceneColour
from gwanje.vision.shrink import shrink

Box = tuple[float, float, float, float]


def flame_colour(image: np.ndarray, config: FireConfig) -> np.ndarray:
    b, g, r = (image[..., i].astype(np.int16) for i in range(3))
    return (r >= config.min_red) & (r >= g) & (g > b) & (r - b >= config.min_red_minus_blue)


class FireDetector:
    """Flame regions of the latest frame, from a short history of lit pixels and their brightness.
    With the camera's ground calibration (``plane``) the smallest flame region shrinks where the
    view is far: a flame of one size covers fewer pixels there."""

    def __init__(self, config: FireConfig, plane: GroundPlane | None = None) -> None:
        self.config, self.plane = config, plane
        self._near: tuple[tuple[int, ...], float] | None = (
            None  # frame shape, metres per pixel at its bottom centre
        )
        self._history: deque[tuple[float, np.ndarray, np.ndarray]] = deque()  # (t, lit, grey)
        self._lit_count = np.zeros((0, 0), np.int32)  # per pixel: frames of the history it is lit in
        self.scene = SceneColour(config.settle_s) if config.relative_colour else None

    def update(self, image: np.ndarray, t: float) -> list[tuple[Box, float]]:
        """(box in the frame's pixels, brightness change while lit) per flame region."""
        c = self.config
        small, scale = shrink(image, c.width)
        if self.scene is not None:
            # a 3x3 mean first: the correction may multiply colour fourfold, and pixel noise with it
            small = self.scene.normalise(cv2.blur(small, (3, 3)), t)
        lit = flame_colour(small, c)
        grey = cv2.cvtColor(small, cv2.COLOR_BGR2GRAY).astype(np.float32)
        if self._history and self._history[-1][1].shape != lit.shape:
            self._history.clear()
        if not self._history:
            self._lit_count = np.zeros(lit.shape, np.int32)
        self._history.append((t, lit, grey))
        self._lit_count += lit
        while self._history and t - self._history[0][0] > c.window_s:
            self._lit_count -= self._history.popleft()[1]
        if len(self._history) < 4 or t - self._history[0][0] < c.window_s / 2:
            return []
        steady = (self._lit_count >= c.min_presence * len(self._history)).astype(np.uint8)
        lowest = c.min_area * (c.far_min_area_share if self.plane is not None else 1.0)
        if steady.sum() < lowest * steady.size:
            return []
        # the candidate pixels' history only, not whole frames
        n, labels, stats, _ = cv2.connectedComponentsWithStats(steady)
        where = np.flatnonzero(steady)
        lits = np.stack([m.ravel()[where] for _, m, _ in self._history])
        greys = np.stack([g.ravel()[where] for _, _, g in self._history])
        label = labels.ravel()[where]
        out = []
        for i in range(1, n):
            x, y, bw, bh, area = stats[i]
            smallest = c.min_area * self._share_at((x + bw / 2) * scale, (y + bh) * scale, image.shape)
            if area < smallest * steady.size:
                continue
            inside = label == i
            change, spread = _lit_variation(lits[:, inside], greys[:, inside])
            if change >= c.min_lit_change and spread >= c.min_lit_spread:
                out.append(((x * scale, y * scale, (x + bw) * scale, (y + bh) * scale), change))
        return out

    def _share_at(self, x: float, y: float, shape: tuple[int, ...]) -> float:
        """How much of ``min_area`` a region whose foot is at (x, y) must cover: 1 near the camera,
        less where the ground calibration says a pixel spans more ground (never below
        ``far_min_area_share``)."""
        if self.plane is None:
            return 1.0
        if self._near is None or self._near[0] != shape:
            bottom = np.array([[shape[1] / 2, shape[0] - 1]])
            self._near = shape, float(self.plane.metres_per_pixel(bottom)[0])
        near = self._near[1]
        if not np.isfinite(near) or near <= 0:
            return 1.0
        here = float(self.plane.metres_per_pixel(np.array([[x, y]]))[0])
        return float(np.clip((near / here) ** 2, self.config.far_min_area_share, 1.0))


def _lit_variation(lit: np.ndarray, grey: np.ndarray) -> tuple[float, float]:
    """How much the brightness of a region's pixels changes while they stay flame-coloured: the
    mean change between consecutive frames where a pixel is lit in both, and the mean spread of a
    pixel's brightness over its lit frames. A flame's colour holds while its brightness dances;
    a wooden floor or a red sign keeps both, a person walking past breaks the colour instead."""
    both = lit[1:] & lit[:-1]
    change = float((np.abs(np.diff(grey, axis=0)) * both).sum() / max(int(both.sum()), 1))
    count = np.maximum(lit.sum(axis=0), 1)
    mean = (grey * lit).sum(axis=0) / count
    spread = float(np.sqrt(((grey - mean) ** 2 * lit).sum(axis=0) / count).mean())
    return change, spread


class FireRules:
    def __init__(self, config: FireConfig, plane: GroundPlane | None = None) -> None:
        self.config = config
        self.detector = FireDetector(config, plane)
        self._image: np.ndarray | None = None
        self._since: float | None = None  # flame seen continuously since
        self.spell = RegionSpell(EventType.FIRE, Severity(config.severity), config.clear_s)
        self.last_regions: list[tuple[Box, float]] = []  # (box, brightness change)

    def observe(self, image: np.ndarray, _detections: sv.Detections | None) -> None:
        self._image = image

    def update(self, _tracks: sv.Detections, t: float) -> list[RuleHit]:
        if self._image is None:
            return []
        regions = self.detector.update(self._image, t)
        self.last_regions = regions
        c = self.config
        if regions:
            self._since = t if self._since is None else self._since
        elif self._since is not None and t - (self.spell.last_seen or t) > c.window_s / 2:
            self._since = None
        ready = self._since is not None and t - self._since >= c.hold_s
        return self.spell.step(t, regions, ready, began=self._since)

    def finish(self) -> list[RuleHit]:
        return []
