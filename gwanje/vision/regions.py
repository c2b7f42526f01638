"""Where the detector looks: around what moves and what is tracked, not the whole frame.

The regions are the motion gate's regions and the tracked boxes grown by ``margin`` (people move
on between frames), split in two (or more) where two groups stand far apart, each with
``context`` pixels of picture around it for the network. The whole frame is looked at every
``full_frame_s`` (someone still whom no track holds), when nothing moves or is tracked, and when
the regions would cover ``full_share`` of it anyway. Of what comes back, only detections centred
in what was asked about count: scenery that a region drawn around two people happens to include
is not news.
"""

from __future__ import annotations

import numpy as np
import supervision as sv

from gwanje.config import RoiConfig
from gwanje.vision.motion import MotionResult

Box = tuple[int, int, int, int]


class DetectionRegions:
    def __init__(self, config: RoiConfig, supported: bool) -> None:
        self.config = config
        self.enabled = config.enabled and supported  # the backend can run on a part of the frame
        self._last_full_s: float | None = None  # when the detector last saw the whole frame
        self._asked = np.zeros((0, 4))  # the motion regions and grown tracked boxes of this frame

    def plan(
        self, motion: MotionResult, tracked: np.ndarray, shape: tuple[int, ...], t: float
    ) -> list[Box] | None:
        """The regions to detect in this frame, or None for the whole frame."""
        cfg = self.config
        if not self.enabled:
            return None
        due = self._last_full_s is None or t - self._last_full_s >= cfg.full_frame_s
        if due or not (motion.regions or len(tracked)):
            self._last_full_s = t
            return None
        h, w = shape[:2]
        m = cfg.margin  # the motion regions are grown already; tracked people may have moved on
        boxes = np.asarray(
            [*motion.regions, *(tracked + np.array([-m, -m, m, m], np.float32)).tolist()], np.float64
        )
        boxes = np.clip(boxes, 0, [w, h, w, h])
        self._asked = boxes
        regions = split(boxes, cfg.regions)
        if sum(float(_area(b)) for b in regions) >= cfg.full_share * w * h:
            self._last_full_s = t
            return None
        c = cfg.context  # the network sees a little around what it is asked about
        return [
            (
                max(0, int(b[0]) - c),
                max(0, int(b[1]) - c),
                min(w, int(np.ceil(b[2])) + c),
                min(h, int(np.ceil(b[3])) + c),
            )
            for b in regions
        ]

    def keep(self, detections: sv.Detections) -> sv.Detections:
        """The detections whose centre lies in one of the boxes this frame asked about."""
        return _centred_in(detections, self._asked)


def _centred_in(detections: sv.Detections, boxes: np.ndarray) -> sv.Detections:
    """The detections whose centre lies in one of the boxes: what moved or was tracked there, not
    scenery that a region drawn around two people happens to include."""
    if not len(detections):
        return detections
    cx = (detections.xyxy[:, 0] + detections.xyxy[:, 2])[:, None] / 2
    cy = (detections.xyxy[:, 1] + detections.xyxy[:, 3])[:, None] / 2
    inside = (
        (cx >= boxes[None, :, 0])
        & (cx <= boxes[None, :, 2])
        & (cy >= boxes[None, :, 1])
        & (cy <= boxes[None, :, 3])
    )
    return detections[inside.any(axis=1)]


def _union(boxes: np.ndarray) -> np.ndarray:
    return np.array([boxes[:, 0].min(), boxes[:, 1].min(), boxes[:, 2].max(), boxes[:, 3].max()])


def _area(box: np.ndarray) -> np.ndarray:
    """Area of a box, or of each box of an (n, 4) array."""
    return (box[..., 2] - box[..., 0]) * (box[..., 3] - box[..., 1])


def _running_unions(boxes: np.ndarray) -> np.ndarray:
    """[k]: the union of boxes[: k + 1]."""
    return np.column_stack(
        [
            np.minimum.accumulate(boxes[:, 0]),
            np.minimum.accumulate(boxes[:, 1]),
            np.maximum.accumulate(boxes[:, 2]),
            np.maximum.accumulate(boxes[:, 3]),
        ]
    )


def _best_cut(group: np.ndarray) -> tuple[float, np.ndarray, np.ndarray] | None:
    """The cut of the group, sorted along x or y, that leaves the least area to look at."""
    best = None
    for axis in (0, 1):
        ordered = group[np.argsort(group[:, axis], kind="stable")]
        head = _running_unions(ordered)[:-1]
        tail = _running_unions(ordered[::-1])[::-1][1:]
        areas = _area(head) + _area(tail)
        if len(areas):
            k = int(np.argmin(areas))
            if best is None or areas[k] < best[0]:
                best = (float(areas[k]), ordered[: k + 1], ordered[k + 1 :])
    return best


def split(boxes: np.ndarray, parts: int, worth: float = 0.75) -> list[np.ndarray]:
    """The boxes' union, split (along x or y, where it saves most) into up to ``parts`` unions
    while a split leaves at most ``worth`` of the area to look at: groups of people far apart."""
    groups = [boxes]
    while len(groups) < parts:
        options = []
        for g, group in enumerate(groups):
            cut = _best_cut(group)
            whole = float(_area(_union(group)))
            if cut is not None and cut[0] <= worth * whole:
                options.append((whole - cut[0], g, cut[1], cut[2]))
        if not options:
            break
        _, g, a, b = max(options, key=lambda o: o[0])
        groups[g : g + 1] = [a, b]
    return [_union(g) for g in groups]
