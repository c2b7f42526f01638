"""A camera's picture brought to a neutral colour, a full brightness range and a normal colourfulness,
so colour tests with fixed thresholds (the fire rule's flame colour) mean the same on every camera.

Cameras differ: a white balance set for daylight casts a sodium-lit street orange and a fluorescent
room green, a fisheye or a smoky room comes out nearly grey, a night picture never gets bright.
Three gains are estimated from the picture itself, once every ``every_s`` seconds on every second
pixel, and followed slowly (a time constant of ``settle_s``; a scene's light changes over minutes, a
flame in seconds); every frame only has them applied:

- **white balance**, per channel, grey world: the mean of each channel over the pixels that are
  neither clipped nor black is taken to be grey (Minkowski means of higher power, "shades of grey",
  let a bright flame steer the balance and hid FURG house6's own fire for 15 s);
- **brightness**, one gain that takes the picture's 99.5th percentile of its brightest channel to
  ``bright_level`` (never below 1: an overexposed picture is not darkened);
- **colourfulness**, one gain on each pixel's distance from its grey that takes the picture's 99.9th
  percentile of red minus blue (after the two above) to ``chroma_level`` (never below 1).

The gains are capped (``max_gain``; colourfulness ``max_chroma_gain``): a grey scene is not painted,
only a faint one is restored. All three are linear, so they are applied as one 3x3 colour matrix.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

CHROMA_PERCENTILE = 99.9
SAMPLE_STEP = 2  # statistics from every second pixel of every second row


def grey_world(pixels: np.ndarray, max_gain: float, dark: float = 5.0, min_pixels: int = 16) -> np.ndarray:
    """White-balance gains (B, G, R) from sample pixels (n, 3): each channel's mean over the pixels
    that are neither clipped (250 and up) nor black (``dark`` and under) made equal to their average
    (grey world), each gain within 1/``max_gain`` .. ``max_gain``; ones when too few pixels are left."""
    brightest = pixels.max(axis=1)
    usable = pixels[(brightest < 250) & (brightest > dark)]
    if len(usable) < min_pixels:
        return np.ones(3, np.float32)
    means = usable.mean(axis=0)
    gains = means.mean() / np.maximum(means, 1.0)
    return np.clip(gains, 1 / max_gain, max_gain).astype(np.float32)


@dataclass(frozen=True)
class Gains:
    channels: np.ndarray  # (3,) B G R white-balance gains
    brightness: float
    chroma: float


class SceneColour:
    """``normalise(image, t)``: the picture with the camera's current gains applied."""

    def __init__(
        self,
        settle_s: float = 5.0,
        max_gain: float = 2.5,
        bright_level: float = 240.0,
        chroma_level: float = 120.0,
        max_chroma_gain: float = 4.0,
        every_s: float = 1.0,
    ) -> None:
        self.every_s = every_s
        self.settle_s, self.max_gain, self.max_chroma_gain = settle_s, max_gain, max_chroma_gain
        self.bright_level, self.chroma_level = bright_level, chroma_level
        self._gains: Gains | None = None
        self._t = 0.0  # when the gains were last estimated
        self._matrix = np.eye(3, dtype=np.float32)  # the gains as one colour matrix

    @property
    def gains(self) -> Gains | None:
        return self._gains

    def normalise(self, image: np.ndarray, t: float) -> np.ndarray:
        """``image`` (BGR uint8) with the current gains, as BGR uint8 (clipped at 0 and 255)."""
        if self._gains is None or not 0 <= t - self._t < self.every_s:
            self._estimate(image[::SAMPLE_STEP, ::SAMPLE_STEP].reshape(-1, 3).astype(np.float32), t)
        return cv2.transform(image, self._matrix)

    def _estimate(self, pixels: np.ndarray, t: float) -> None:
        """Follow the gains toward this picture's own (a sample of its pixels)."""
        old = self._gains
        mix = 1.0 if old is None or t < self._t else 1.0 - math.exp(-(t - self._t) / self.settle_s)

        def follow(before, now):
            return now if old is None else before + mix * (now - before)

        channels = follow(old.channels if old else None, self._balance(pixels))
        balanced = pixels * channels
        top = float(np.percentile(balanced.max(axis=1), 99.5))
        brightness = follow(old.brightness if old else None, self._limited(self.bright_level / max(top, 1.0)))
        lit = balanced * brightness
        spread = float(np.percentile(lit[:, 2] - lit[:, 0], CHROMA_PERCENTILE))
        chroma = follow(
            old.chroma if old else None,
            self._limited(self.chroma_level / max(spread, 1.0), self.max_chroma_gain),
        )
        self._gains, self._t = Gains(np.asarray(channels, np.float32), float(brightness), float(chroma)), t
        # chroma k keeps each pixel's grey and multiplies its distance from it: k I + (1 - k) / 3
        grey_keeping = chroma * np.eye(3) + (1 - chroma) / 3 * np.ones((3, 3))
        self._matrix = (grey_keeping * (channels * brightness)[None, :]).astype(np.float32)

    def _balance(self, pixels: np.ndarray) -> np.ndarray:
        """This picture's white-balance gains (``grey_world``)."""
        return grey_world(pixels, self.max_gain)

    def _limited(self, gain: float, cap: float | None = None) -> float:
        return float(min(max(gain, 1.0), self.max_gain if cap is None else cap))
