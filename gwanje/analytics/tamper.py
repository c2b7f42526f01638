"""Camera tampering and loss: covered lens, defocus, camera moved away, frozen picture, signal
lost, sudden scene-wide brightness change.

Works on a small grey copy of each analysed frame and compares it with a reference the camera
learns while it is healthy: its sharpness, contrast, brightness and layout. A kind of
tampering must hold for its own minimum time before it is reported (a person walking past the
lens is not a covered camera). While tampered the reference is not updated; a condition that
lasts longer than ``relearn_s`` (the camera was re-aimed on purpose) becomes the new normal.
Signal loss comes from the video source's state, not from pixels.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import cv2
import numpy as np

from gwanje.analytics.hits import RuleHit, new_event_id
from gwanje.config import TamperConfig
from gwanje.domain import CameraStatus, EventType, Severity

KINDS = ("covered", "defocus", "moved", "frozen", "brightness", "signal_lost")


@dataclass(frozen=True)
class FrameStats:
    brightness: float  # mean grey level 0-255
    contrast: float  # grey standard deviation
    sharpness: float  # variance of the Laplacian of the contrast-stretched image
    thumb: np.ndarray  # 80x60 grey, float: the scene's layout


def frame_stats(image: np.ndarray, width: int = 160) -> tuple[FrameStats, np.ndarray]:
    h, w = image.shape[:2]
    small = cv2.resize(image, (width, max(1, round(h * width / w))), interpolation=cv2.INTER_LINEAR)
    grey = cv2.cvtColor(small, cv2.COLOR_BGR2GRAY) if small.ndim == 3 else small
    mean, std = cv2.meanStdDev(grey)
    # sharpness on the contrast-stretched image, so a darker scene keeps it and a blurred one not
    stretched = cv2.normalize(grey, None, 0, 255, cv2.NORM_MINMAX)
    sharp = float(cv2.Laplacian(stretched, cv2.CV_32F).var())
    thumb = cv2.resize(grey, (80, 60), interpolation=cv2.INTER_AREA).astype(np.float32)
    return FrameStats(float(mean[0, 0]), float(std[0, 0]), sharp, thumb), grey


def layout_similarity(a: np.ndarray, b: np.ndarray) -> float:
    """Normalised cross-correlation of two thumbnails: about 1 for the same view (people passing
    lower it a little), near 0 or below for another view or no picture. Brightness and contrast
    changes do not move it."""
    a = a - a.mean()
    b = b - b.mean()
    den = float(np.sqrt((a * a).sum() * (b * b).sum()))
    return float((a * b).sum()) / den if den > 1e-6 else 0.0


class TamperRules:
    def __init__(self, config: TamperConfig) -> None:
        self.config = config
        self._ref: FrameStats | None = None
        self._learned_s = 0.0
        self._last_t: float | None = None
        self._prev_grey: np.ndarray | None = None
        self._history: deque[tuple[float, float]] = deque()  # (t, brightness)
        self._since: dict[str, float] = {}  # kind -> when its condition started holding
        self._active: dict[str, tuple[str, float]] = {}  # kind -> (event id, start)

    # -- pixels ------------------------------------------------------------------------------
    def update(self, image: np.ndarray, t: float) -> list[RuleHit]:
        cfg = self.config
        stats, grey = frame_stats(image)
        dt = 0.0 if self._last_t is None else max(0.0, t - self._last_t)
        self._last_t = t
        frozen = (
            self._prev_grey is not None and float(cv2.absdiff(grey, self._prev_grey).mean()) < cfg.frozen_diff
        )
        self._prev_grey = grey
        conditions = dict.fromkeys(KINDS[:5], False)
        conditions["frozen"] = frozen
        ready = self._ref is not None and self._learned_s >= cfg.learn_s
        if ready:
            ref = self._ref
            assert ref is not None
            same_view = layout_similarity(stats.thumb, ref.thumb) >= cfg.moved_similarity
            covered = stats.contrast < cfg.covered_contrast and not same_view
            defocus = not covered and same_view and stats.sharpness < cfg.defocus_ratio * ref.sharpness
            moved = not covered and not same_view
            conditions.update(covered=covered, defocus=defocus, moved=moved)
            conditions["brightness"] = self._brightness_jump(stats.brightness, t)
        self._history.append((t, stats.brightness))
        while self._history and t - self._history[0][0] > cfg.brightness_window_s + 2.0:
            self._history.popleft()
        hits = self._hold(conditions, t)
        if not any(conditions[k] for k in ("covered", "defocus", "moved")) or self._relearn_due(t):
            self._learn(stats, dt)
        return hits

    def _brightness_jump(self, now: float, t: float) -> bool:
        """Scene-wide brightness now differs from its level a moment ago by more than the limit."""
        cfg = self.config
        before = [b for s, b in self._history if t - s >= cfg.brightness_window_s]
        return bool(before) and abs(now - before[-1]) >= cfg.brightness_jump

    def _learn(self, stats: FrameStats, dt: float) -> None:
        a = self.config.learn_rate
        ref = self._ref
        if ref is None or ref.thumb.shape != stats.thumb.shape:
            self._ref, self._learned_s = stats, 0.0
            return
        self._ref = FrameStats(
            ref.brightness + a * (stats.brightness - ref.brightness),
            ref.contrast + a * (stats.contrast - ref.contrast),
            ref.sharpness + a * (stats.sharpness - ref.sharpness),
            ref.thumb + a * (stats.thumb - ref.thumb),
        )
        self._learned_s += dt

    def _relearn_due(self, t: float) -> bool:
        starts = [self._since[k] for k in ("covered", "defocus", "moved") if k in self._since]
        return bool(starts) and t - min(starts) >= self.config.relearn_s

    # -- source state ------------------------------------------------------------------------
    def on_source_state(self, status: CameraStatus, t: float) -> list[RuleHit]:
        """Signal lost: the source has not been online for ``signal_lost_s``."""
        down = status in (CameraStatus.RECONNECTING, CameraStatus.OFFLINE)
        return self._hold({"signal_lost": down}, t)

    def finish(self, t: float) -> list[RuleHit]:
        """End the tamper events still open when the stream ends."""
        hits = [self._hit(eid, "end", kind, start, t) for kind, (eid, start) in self._active.items()]
        self._active.clear()
        return hits

    # -- shared ------------------------------------------------------------------------------
    def _hold(self, conditions: dict[str, bool], t: float) -> list[RuleHit]:
        cfg = self.config
        need = {
            "covered": cfg.covered_s,
            "defocus": cfg.defocus_s,
            "moved": cfg.moved_s,
            "frozen": cfg.frozen_s,
            "brightness": 0.0,
            "signal_lost": cfg.signal_lost_s,
        }
        hits: list[RuleHit] = []
        for kind, holds in conditions.items():
            if holds:
                since = self._since.setdefault(kind, t)
                if kind not in self._active and t - since >= need[kind]:
                    eid = new_event_id()
                    self._active[kind] = (eid, since)
                    hits.append(self._hit(eid, "start", kind, since, t))
            else:
                self._since.pop(kind, None)
                if kind in self._active and (kind != "brightness" or t - self._active[kind][1] >= 2.0):
                    eid, start = self._active.pop(kind)
                    hits.append(self._hit(eid, "end", kind, start, t))
        return hits

    def _hit(self, eid: str, phase: str, kind: str, start: float, end: float) -> RuleHit:
        return RuleHit(
            eid,
            phase,
            EventType.TAMPER,
            Severity(self.config.severity),
            None,
            start,
            end,
            details={"kind": kind},
        )
