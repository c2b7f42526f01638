"""Low-light enhancement before analysis: contrast-limited histogram equalisation (CLAHE) of the
luminance, so a dark room's people have edges the detector and the pose model can find. Colours
keep their hue; noise is amplified too, which the clip limit bounds."""

from __future__ import annotations

import cv2
import numpy as np


class LowLight:
    def __init__(self, clip_limit: float = 3.0, tiles: int = 8) -> None:
        self.clahe = cv2.createCLAHE(clipLimit=clip_limit, tileGridSize=(tiles, tiles))

    def __call__(self, image: np.ndarray) -> np.ndarray:
        if image.ndim == 2:
            return self.clahe.apply(image)
        lab = cv2.cvtColor(image, cv2.COLOR_BGR2LAB)
        lab[:, :, 0] = self.clahe.apply(lab[:, :, 0])
        return cv2.cvtColor(lab, cv2.COLOR_LAB2BGR)
