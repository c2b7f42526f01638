"""Synthetic picture changes of real footage, for checking that an analyzer holds when a camera
sees differently: a colour cast (white balance set for other light), a faded, nearly grey picture,
over- and underexposure. Each takes and gives a BGR uint8 frame."""

from __future__ import annotations

from collections.abc import Callable

import cv2
import numpy as np
from clips import Clip

Transform = Callable[[np.ndarray], np.ndarray]


def cast(blue: float, green: float, red: float) -> Transform:
    gains = np.float32([blue, green, red])
    return lambda img: np.clip(img.astype(np.float32) * gains, 0, 255).astype(np.uint8)


def desaturate(keep: float) -> Transform:
    """``keep``: the share of each pixel's distance from its grey that stays."""

    def apply(img: np.ndarray) -> np.ndarray:
        grey = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY).astype(np.float32)[..., None]
        return np.clip(grey + keep * (img.astype(np.float32) - grey), 0, 255).astype(np.uint8)

    return apply


def expose(gain: float, offset: float = 0.0) -> Transform:
    return lambda img: np.clip(img.astype(np.float32) * gain + offset, 0, 255).astype(np.uint8)


TRANSFORMS: dict[str, Transform] = {
    "purple cast (blue ×1.35, green ×0.75)": cast(1.35, 0.75, 1.0),
    "blue cast (blue ×1.3, red ×0.8)": cast(1.3, 0.95, 0.8),
    "faded (35 % of the colour kept)": desaturate(0.35),
    "overexposed (×1.8 + 20)": expose(1.8, 20),
    "underexposed (×0.55)": expose(0.55),
}


def transformed(clip: Clip, transform: Transform) -> Clip:
    return Clip(clip.name, lambda: ((t, transform(img)) for t, img in clip.frames()))
