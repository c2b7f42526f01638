"""Synthetic smoke laid over real footage, for the smoke bench while the project has no real
smoke clip: puffs born at a source every few tenths of a second, rising, spreading and thinning as
they age, their density broken up by a drifting low-frequency noise texture, blended over the frame
(``frame × (1 − α) + colour × α``, so the background's contrast falls by the same share).

It shows whether the detector answers to what we think smoke looks like; it cannot say how it does
on real smoke (real plumes curl, are lit unevenly, and drift with the wind in ways this does not).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np


@dataclass(frozen=True)
class Plume:
    name: str
    source: tuple[float, float]  # where it starts, share of width and height
    start_s: float  # seconds into the clip
    colour: int = 200  # grey level (white smoke ~200, black smoke ~60)
    max_alpha: float = 0.6  # how thick it gets
    rise: float = 0.05  # share of the frame height a second
    spread: float = 0.012  # growth of a puff's radius a second, share of the width
    wind: float = 0.01  # sideways drift, share of the width a second
    puffs_per_s: float = 5.0
    life_s: float = 6.0
    seed: int = 0


class SmokeOverlay:
    def __init__(self, plume: Plume, shape: tuple[int, int]) -> None:
        self.p, (self.h, self.w) = plume, shape
        rng = np.random.default_rng(plume.seed)
        n = int(plume.puffs_per_s * 120)
        self.born = plume.start_s + np.arange(n) / plume.puffs_per_s
        self.jitter = rng.normal(0, 0.01, (n, 2))
        self.phase = rng.uniform(0, 2 * np.pi, n)
        noise = rng.random((max(self.h // 8, 4) * 3, max(self.w // 8, 4)), dtype=np.float32)
        self.noise = cv2.GaussianBlur(cv2.resize(noise, (self.w, self.h * 3)), (0, 0), self.w / 40)
        self.noise = (self.noise - self.noise.mean()) / (self.noise.std() + 1e-6)
        self.yy, self.xx = np.mgrid[0 : self.h, 0 : self.w].astype(np.float32)

    def alpha(self, t: float) -> np.ndarray:
        p = self.p
        age = t - self.born
        live = (age >= 0) & (age < p.life_s)
        density = np.zeros((self.h, self.w), np.float32)
        for a, (jx, jy), ph in zip(age[live], self.jitter[live], self.phase[live], strict=True):
            cx = (p.source[0] + jx + p.wind * a + 0.01 * np.sin(ph + a)) * self.w
            cy = (p.source[1] + jy - p.rise * a) * self.h
            r = (0.015 + p.spread * a) * self.w
            weight = np.exp(-a / (p.life_s / 2.5)) * min(a / 0.5, 1.0)
            density += weight * np.exp(-((self.xx - cx) ** 2 + (self.yy - cy) ** 2) / (2 * r * r))
        # the texture drifts up with the smoke
        shift = int(p.rise * self.h * t) % self.h
        texture = 1.0 + 0.35 * self.noise[self.h - shift : 2 * self.h - shift]
        return np.clip(density * texture * 0.5, 0, p.max_alpha)

    def apply(self, frame: np.ndarray, t: float) -> np.ndarray:
        if t < self.p.start_s:
            return frame
        a = self.alpha(t)[..., None]
        return (frame.astype(np.float32) * (1 - a) + self.p.colour * a).astype(np.uint8)
