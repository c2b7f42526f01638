"""Perturb real clips at known times and see whether the tamper rules notice, and how fast.

Clips (from 0 at 5 analysed frames a second): vtest.avi paced by its own clock; the Mall and
CDnet highway image sequences taken as 5 frames a second (their own rates are not given).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np
from clips import Clip

from gwanje.analytics.tamper import TamperRules
from gwanje.config import TamperConfig
from gwanje.domain import CameraStatus

Perturb = Callable[[np.ndarray, np.ndarray], np.ndarray]  # (frame, frame at onset) -> tampered frame


_rng = np.random.default_rng(0)


def covered(img, _onset):
    rng = _rng
    return np.clip(np.full(img.shape, (28, 26, 30), np.float32) + rng.normal(0, 2, img.shape), 0, 255).astype(
        np.uint8
    )


def defocus(img, _onset):
    return cv2.GaussianBlur(img, (0, 0), sigmaX=0.012 * img.shape[1])


def moved(img, _onset):
    h, w = img.shape[:2]
    m = cv2.getRotationMatrix2D((w / 2, h / 2), 12, 1.0)
    m[0, 2] += 0.3 * w
    m[1, 2] += 0.15 * h
    return cv2.warpAffine(img, m, (w, h), borderMode=cv2.BORDER_REFLECT)


def frozen(_img, onset):
    return onset


def darker(img, _onset):
    return (img.astype(np.float32) * 0.3).astype(np.uint8)


PERTURBATIONS: dict[str, Perturb | None] = {
    "covered": covered,
    "defocus": defocus,
    "moved": moved,
    "frozen": frozen,
    "brightness": darker,
    "signal_lost": None,  # frames stop; the source reports reconnecting
}


@dataclass
class Outcome:
    clip: str
    kind: str
    onset_s: float
    detected_s: float | None  # first alarm of this kind at or after the onset
    other_alarms: list[str]  # alarms of other kinds after the onset, or any alarm on a clean run

    @property
    def delay_s(self) -> float | None:
        return None if self.detected_s is None else self.detected_s - self.onset_s


def run(
    clip: Clip,
    kind: str | None,
    onset_s: float = 20.0,
    length_s: float = 20.0,
    config: TamperConfig | None = None,
) -> Outcome:
    """``kind`` None: the clean clip, whole."""
    rules = TamperRules(config or TamperConfig())
    onset_frame = None
    detected = None
    others: list[str] = []
    t = 0.0
    for t, img in clip.frames():
        if kind is not None and t >= onset_s + length_s:
            break
        hits = []
        if kind is not None and t >= onset_s:
            perturb = PERTURBATIONS[kind]
            if perturb is None:
                hits = rules.on_source_state(CameraStatus.RECONNECTING, t)
            else:
                onset_frame = img if onset_frame is None else onset_frame
                hits = rules.update(perturb(img, onset_frame), t)
        else:
            hits = rules.update(img, t)
        for h in hits:
            if h.phase != "start":
                continue
            k = str(h.details["kind"])
            if kind is not None and k == kind and detected is None:
                detected = t
            elif kind is None or t >= onset_s:
                others.append(f"{k}@{t:.1f}s")
    return Outcome(clip.name, kind or "none", onset_s, detected, others)
