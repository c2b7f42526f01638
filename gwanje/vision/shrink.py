"""One shrunken copy of a frame for every analyzer that wants that width.

Fire, abandoned object and the vehicle blobs each look at the frame at 320 pixels wide; shrinking
a 768x576 frame costs about as much as one of them, so the last frame's copies are kept here and
shared. The cache holds the frame itself and is keyed by identity: a new frame is a new array.
Each thread keeps its own: a worker runs its cameras on threads of one process, and one camera's
new frame must not clear (or resize under) another's copies.
"""

from __future__ import annotations

import threading

import cv2
import numpy as np


class _LastFrame(threading.local):
    frame: np.ndarray | None = None

    def __init__(self) -> None:
        self.copies: dict[tuple[int, int], tuple[np.ndarray, float]] = {}


_last = _LastFrame()


def shrink(image: np.ndarray, width: int, interpolation: int = cv2.INTER_AREA) -> tuple[np.ndarray, float]:
    """``image`` scaled to at most ``width`` pixels wide (never enlarged), and the scale factor
    (frame pixels per shrunken pixel)."""
    last = _last
    if image is not last.frame:
        last.frame = image
        last.copies = {}
    copies = last.copies
    key = (width, interpolation)
    if key not in copies:
        # a copy already made for a wider analyzer is a cheaper start (fire's 320 → smoke's 160)
        wider = [(k[0], c) for k, c in copies.items() if k[1] == interpolation and k[0] > width]
        if wider and image.shape[1] > width:
            start, start_scale = min(wider, key=lambda x: x[0])[1]
            sub, sub_scale = _resize(start, width, interpolation)
            copies[key] = (sub, start_scale * sub_scale)
            return copies[key]
        copies[key] = _resize(image, width, interpolation)
    return copies[key]


def _resize(image: np.ndarray, width: int, interpolation: int) -> tuple[np.ndarray, float]:
    """``image`` to at most ``width`` wide, and the scale (its pixels per shrunken pixel)."""
    h, w = image.shape[:2]
    scale = w / width if w > width else 1.0
    size = (round(w / scale), round(h / scale))
    if scale == 1.0:
        small = image
    elif interpolation == cv2.INTER_AREA and scale >= 2:
        # OpenCV's area averaging is fast only for whole factors (768 → 384: 0.1 ms; 768 → 320:
        # 1.8 ms here): average by the whole part, then the small rest linearly
        k = int(scale)
        part = cv2.resize(image, (w // k, h // k), interpolation=cv2.INTER_AREA)
        small = cv2.resize(part, size, interpolation=cv2.INTER_LINEAR)
    else:
        small = cv2.resize(image, size, interpolation=interpolation)
    return small, scale
