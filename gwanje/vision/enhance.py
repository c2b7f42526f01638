"""Low-light enhancement before analysis: contrast-limited histogram equalisation (CLAHE) of the
luminance, so a dark room's people have edges the detector and the pose model can find. Colours
keep their hue; noise is amplified too, which the clip limit bounds. ``only_when_dark``: frames
whose mean luminance is at least ``dark_below`` pass untouched (a camera that is dark only at
night pays nothing by day)."""

from __future__ import annotations

import cv2
import numpy as np

DARK_BELOW = 60.0  # mean grey level (0-255) under which a frame counts as dark


class LowLight:
    def __init__(
        self,
        clip_limit: float = 3.0,
        tiles: int = 8,
        only_when_dark: bool = False,
        dark_below: float = DARK_BELOW,
    ) -> None:
        self.clahe = cv2.createCLAHE(clipLimit=clip_limit, tileGridSize=(tiles, tiles))
        self.only_when_dark, self.dark_below = only_when_dark, dark_below

    def is_dark(self, image: np.ndarray) -> bool:
        small = cv2.resize(image, (64, 48), interpolation=cv2.INTER_AREA)
        grey = cv2.cvtColor(small, cv2.COLOR_BGR2GRAY) if small.ndim == 3 else small
        return float(grey.mean()) < self.dark_below

    def __call__(self, image: np.ndarray) -> np.ndarray:
        if self.only_when_dark and not self.is_dark(image):
            return image
        if image.ndim == 2:
            return self.clahe.apply(image)
        lab = cv2.cvtColor(image, cv2.COLOR_BGR2LAB)
        lab[:, :, 0] = self.clahe.apply(lab[:, :, 0])
        return cv2.cvtColor(lab, cv2.COLOR_LAB2BGR)
