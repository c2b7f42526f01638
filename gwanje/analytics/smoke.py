"""Smoke: grey veils the background is still seen through, staying together and spreading.

No openly licensed smoke model exists, so this is classical vision (after Toreyin et al. 2005,
"Wavelet based real-time smoke detection", and the atmospheric-scattering model of dehazing):
thin smoke lets the background show through but dims its detail and lays its own grey over it,
``I = (1 − α)·B + α·S``. So, patch by patch against a slow background B, the picture I is still
**the background's pattern** (high local correlation: something solid in front, a person, replaces
it instead), with its **contrast cut** (gain g = 1 − α below ``1 − min_fade``: the background's
edges fade rather than new edges appearing), and with **grey light added** (the implied veil colour
S = offset / (1 − g) at least ``min_veil``: a shadow or the light going down dims the pattern too but
adds nothing), in a picture that is grey there (low saturation). Pixels like that for
``min_presence`` of the last ``window_s`` form candidate regions, followed while they overlap. A
region becomes smoke when it has been followed ``hold_s``, still covers where it started
(``min_anchor``: smoke spreads from its source, a walking person moves on), has risen (its top up
by ``min_rise`` of the frame height) or grown (by ``min_growth``), and its inside keeps changing a
little between looks (between ``min_inside_change`` and ``max_inside_change``: a grey board put
down stops changing, a passer-by changes too much). A veil over more than ``max_frame_share`` of the
picture is fog, the light or the lens (camera tampering has its own rule): nothing is judged then,
and the background starts afresh.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

import cv2
import numpy as np
import supervision as sv

from gwanje.analytics.hits import RegionSpell, RuleHit
from gwanje.config import SmokeConfig
from gwanje.domain import EventType, Severity
from gwanje.vision.detectors.base import box_coverage
from gwanje.vision.shrink import shrink

Box = tuple[float, float, float, float]


def veil(grey: np.ndarray, bg: np.ndarray, k: int = 7) -> tuple[np.ndarray, ...]:
    """Per pixel, over a k x k patch, the picture as a veil over the background,
    ``grey ≈ gain · bg + offset``: (gain, offset, correlation, the background's local spread)."""
    mi, mb = cv2.blur(grey, (k, k)), cv2.blur(bg, (k, k))
    vb = np.maximum(cv2.blur(bg * bg, (k, k)) - mb * mb, 0)
    vi = np.maximum(cv2.blur(grey * grey, (k, k)) - mi * mi, 0)
    cov = cv2.blur(grey * bg, (k, k)) - mi * mb
    gain = cov / np.maximum(vb, 1e-3)
    corr = cov / np.sqrt(np.maximum(vb * vi, 1e-6))
    return gain, mi - gain * mb, corr, np.sqrt(vb)


@dataclass
class _Region:
    first_t: float
    first_top: float
    first_area: float
    first_box: tuple[int, int, int, int]
    box: tuple[int, int, int, int]  # x1, y1, x2, y2 in the small picture
    top: float
    area: float
    changes: deque = field(default_factory=lambda: deque(maxlen=8))  # inside change between looks


class SmokeDetector:
    """Smoke regions of the latest picture from its history against a slow background."""

    def __init__(self, config: SmokeConfig) -> None:
        self.config = config
        self._bg: np.ndarray | None = None  # float32 grey background
        self._activity = np.zeros((0, 0), np.float32)
        self._last_t: float | None = None
        self._started = 0.0  # when the background was (re)started
        self._last_grey: np.ndarray | None = None
        self._history: deque[tuple[float, np.ndarray]] = deque()  # (t, smoky mask)
        self._count = np.zeros((0, 0), np.int32)
        self._regions: list[_Region] = []

    def _restart(self, grey: np.ndarray, t: float) -> None:
        """Learn the background afresh from this picture."""
        self._bg, self._last_t, self._last_grey, self._started = grey.copy(), t, grey, t
        self._activity = np.zeros_like(grey)  # how much the picture strays from the background there
        self._history.clear()
        self._count = np.zeros(grey.shape, np.int32)
        self._regions = []

    def update(
        self, image: np.ndarray, t: float, exclude: list[Box] | None = None
    ) -> list[tuple[Box, float]]:
        """(box in the frame's pixels, how far the background's edges faded there) per smoke region."""
        c = self.config
        small, scale = shrink(image, c.width)
        grey = cv2.cvtColor(small, cv2.COLOR_BGR2GRAY).astype(np.float32)
        if self._bg is None or self._bg.shape != grey.shape:
            self._restart(grey, t)
            return []
        dt = max(t - (self._last_t or t), 1e-3)
        gain, offset, corr, spread = veil(grey, self._bg)
        with np.errstate(divide="ignore", invalid="ignore"):
            colour = offset / np.maximum(1.0 - gain, 1e-3)  # the veil's implied grey level
        sat = cv2.cvtColor(small, cv2.COLOR_BGR2HSV)[..., 1]
        smoky = (
            (spread >= c.min_background_contrast)
            & (corr >= c.min_correlation)
            & (gain <= 1.0 - c.min_fade)
            & (gain >= 0.05)
            & (colour >= c.min_veil)
            & (sat <= c.max_saturation)
            & (self._activity <= c.max_activity)  # not where things come and go (a road, a walkway)
        )
        for x1, y1, x2, y2 in exclude or []:  # people and vehicles are not smoke
            a, b = int(x1 / scale), int(y1 / scale)
            smoky[max(b, 0) : int(np.ceil(y2 / scale)) + 1, max(a, 0) : int(np.ceil(x2 / scale)) + 1] = False
        smoky = cv2.morphologyEx(smoky.astype(np.uint8), cv2.MORPH_CLOSE, np.ones((3, 3), np.uint8))
        if smoky.mean() > c.max_frame_share:  # fog, the light or the lens: start afresh
            self._restart(grey, t)
            return []
        # the background follows the scene slowly, and five times slower where smoke may be (never
        # frozen: what stood there at the start, or a ghost, must fade out of it)
        rate = min(dt / c.background_s, 1.0)
        keep = cv2.dilate(smoky, np.ones((5, 5), np.uint8)).astype(bool)
        rates = np.where(keep, rate / 5, rate).astype(np.float32)
        # (where smoke may be, the activity before it is what counts: not updated)
        self._activity += np.where(keep, 0.0, rate).astype(np.float32) * (
            np.abs(grey - self._bg) - self._activity
        )
        self._bg += rates * (grey - self._bg)
        change = np.abs(grey - self._last_grey)
        self._last_t, self._last_grey = t, grey
        self._history.append((t, smoky))
        self._count += smoky
        while self._history and t - self._history[0][0] > c.window_s:
            self._count -= self._history.popleft()[1]
        if len(self._history) < 3 or t - self._started < c.warmup_s:
            return []
        steady = (self._count >= c.min_presence * len(self._history)).astype(np.uint8)
        # a plume's thin parts break it up: pieces a few pixels apart are one region
        steady = cv2.morphologyEx(steady, cv2.MORPH_CLOSE, np.ones((5, 5), np.uint8))
        still = float(np.median(change))  # what the sensor's noise and the codec change everywhere
        n, labels, stats, _ = cv2.connectedComponentsWithStats(steady)
        h = grey.shape[0]
        regions: list[_Region] = []  # this look's, each continuing one of the last look's or new
        out = []
        for i in range(1, n):
            x, y, bw, bh, area = stats[i]
            if area < c.min_area * steady.size:
                continue
            box = (int(x), int(y), int(x + bw), int(y + bh))
            inside = labels == i
            region = self._follow(box, t, float(y), float(area), regions)
            region.changes.append(float(change[inside].mean()) - still)
            regions.append(region)
            # smoke spreads from where it started (a walking person's region moves on instead)
            stays = float(box_coverage(region.first_box, box)[0, 0]) >= c.min_anchor
            rose = (region.first_top - region.top) / h >= c.min_rise
            grew = region.area >= (1.0 + c.min_growth) * region.first_area
            moving = float(np.median(region.changes))
            alive = c.min_inside_change <= moving <= c.max_inside_change
            if t - region.first_t >= c.hold_s and stays and (rose or grew) and alive:
                fade = 1.0 - float(np.clip(gain[inside], 0, 1).mean())
                out.append(((x * scale, y * scale, (x + bw) * scale, (y + bh) * scale), round(fade, 3)))
        self._regions = regions
        return out

    def _follow(
        self, box: tuple[int, int, int, int], t: float, top: float, area: float, taken: list[_Region]
    ) -> _Region:
        """The last look's region this one continues (overlapping boxes, not ``taken`` by another
        region of this look), or a new one."""
        for r in self._regions:
            if all(r is not o for o in taken) and box_coverage(r.box, box)[0, 0] > 0:
                r.box, r.top, r.area = box, top, area
                return r
        return _Region(t, top, area, box, box, top, area)


class SmokeRules:
    """The smoke event: a smoke region held, ended after ``clear_s`` without one."""

    def __init__(self, config: SmokeConfig) -> None:
        self.config = config
        self.detector = SmokeDetector(config)
        self._image: np.ndarray | None = None
        self._boxes: list[Box] = []
        self.spell = RegionSpell(EventType.SMOKE, Severity(config.severity), config.clear_s)
        self.last_regions: list[tuple[Box, float]] = []

    def observe(self, image: np.ndarray, detections: sv.Detections | None) -> None:
        self._image = image
        if detections is not None:
            self._boxes = [tuple(map(float, b)) for b in detections.xyxy]

    def update(self, tracks: sv.Detections | None, t: float) -> list[RuleHit]:
        if self._image is None:
            return []
        boxes = list(self._boxes)
        if tracks is not None and len(tracks):
            boxes += [tuple(map(float, b)) for b in tracks.xyxy]
        regions = self.detector.update(self._image, t, boxes)
        self.last_regions = regions
        return self.spell.step(t, regions)

    def finish(self) -> list[RuleHit]:
        return []
