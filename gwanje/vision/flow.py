"""Boxes carried from one frame to the next by sparse optical flow (pyramidal Lucas-Kanade).

Between two detections (a detector stride) a tracked box is moved by the median displacement of
a grid of points inside it whose flow survives a forward-backward check: where the person went,
not where their last velocity says they should be. A box with too few good points keeps its place.
"""

from __future__ import annotations

import cv2
import numpy as np

_GRID_X = (0.3, 0.5, 0.7)  # across the box, clear of the background at its sides
_GRID_Y = (0.2, 0.35, 0.5, 0.65, 0.8)
_FORWARD_BACKWARD_PX = 1.5  # a point whose return trip misses its start by more is not trusted
_MIN_POINTS = 3
_LK = {"winSize": (15, 15), "maxLevel": 3}


def shift_boxes(prev: np.ndarray, cur: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    """``boxes`` (xyxy, in ``prev``) moved to where they are in ``cur`` (both grey, same size)."""
    out = np.asarray(boxes, np.float32).reshape(-1, 4).copy()
    if not len(out):
        return out
    fx, fy = np.meshgrid(_GRID_X, _GRID_Y)
    fx, fy = fx.ravel(), fy.ravel()
    w, h = out[:, 2] - out[:, 0], out[:, 3] - out[:, 1]
    px = out[:, 0:1] + w[:, None] * fx[None, :]
    py = out[:, 1:2] + h[:, None] * fy[None, :]
    p0 = np.column_stack([px.ravel(), py.ravel()]).astype(np.float32).reshape(-1, 1, 2)
    p1, ok1, _ = cv2.calcOpticalFlowPyrLK(prev, cur, p0, None, **_LK)
    back, ok2, _ = cv2.calcOpticalFlowPyrLK(cur, prev, p1, None, **_LK)
    trip = np.linalg.norm((back - p0).reshape(-1, 2), axis=1)
    good = ((ok1.ravel() == 1) & (ok2.ravel() == 1) & (trip < _FORWARD_BACKWARD_PX)).reshape(len(out), -1)
    moved = (p1 - p0).reshape(len(out), -1, 2)
    for i in range(len(out)):
        if good[i].sum() >= _MIN_POINTS:
            dx, dy = np.median(moved[i][good[i]], axis=0)
            out[i] += np.array([dx, dy, dx, dy], np.float32)
    return out
