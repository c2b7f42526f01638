"""A falling person the detector loses: still there while the picture where they went down stays changed.

In the dark or on a patterned floor the detector often stops boxing a person in the middle of a
fall and gives no box at all to them lying. The fall rule then sees a track that was going down
fast and vanished low in the picture. :class:`LostFalls` notices that (the top of the track's box
came down from its highest of the last ``fall_s`` by at least ``DESCENT`` of the height it had
then, at ``SPEED`` such heights a second or faster; the track was seen at full height within
``fall_s``; and it is gone) and proposes where the person would lie: a box as wide as they
were tall, resting on the row their feet were on. :class:`Picture` keeps a few small grey copies
of recent frames; the person is taken as still there while that box differs from the same place
just before the fall in at least ``CHANGED`` of its pixels, leaving out where they stood then
(before: floor beside the legs; after: a body across it). Someone who got up and walked off leaves the floor as it was.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import cv2
import numpy as np

Box = tuple[float, float, float, float]

SCALE = 0.25  # the grey copies are a quarter of the picture's size
HISTORY_S = 4.0
DESCENT = 0.25  # the box's top came down by this share of the standing height ...
SPEED = 0.5  # ... at this many standing heights a second or faster
CHANGED = 0.2  # share of the lying box's pixels that differ from before the fall
LOST_S = 1.0  # the detector drops people in the dark for a few frames: lost this long at least
# a change: grey levels (after the camera's low-light equalisation) of at least this share of the
# picture's own spread (its standard deviation), and never under MIN_STEP (noise)
CONTRAST_STEP = 0.2
MIN_STEP = 5.0


class Picture:
    """Small blurred grey copies of the last ``HISTORY_S`` seconds of frames."""

    def __init__(self) -> None:
        self._frames: deque[tuple[float, np.ndarray]] = deque()
        self.shape: tuple[int, int] | None = None

    def observe(self, image: np.ndarray, t: float) -> None:
        grey = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY) if image.ndim == 3 else image
        small = cv2.resize(grey, None, fx=SCALE, fy=SCALE, interpolation=cv2.INTER_AREA)
        self.shape = grey.shape[:2]
        self._frames.append((t, cv2.GaussianBlur(small, (5, 5), 0)))
        while self._frames and t - self._frames[0][0] > HISTORY_S:
            self._frames.popleft()

    def before(self, t: float) -> np.ndarray | None:
        """The latest copy taken at or before ``t`` (None: none kept that old)."""
        found = None
        for ts, grey in self._frames:
            if ts > t:
                break
            found = grey
        return found

    def changed(self, box: Box, reference: np.ndarray, hidden: Box | None = None) -> float:
        """Share of ``box``'s pixels that differ from ``reference`` in the latest copy, leaving out
        those of ``hidden`` (where the reference shows the person standing, not the floor)."""
        if not self._frames:
            return 0.0
        now = self._frames[-1][1]
        if now.shape != reference.shape:
            return 0.0
        x1, y1, x2, y2 = (int(round(v * SCALE)) for v in box)
        x1, y1 = max(x1, 0), max(y1, 0)
        x2, y2 = min(x2, now.shape[1]), min(y2, now.shape[0])
        if x2 <= x1 or y2 <= y1:
            return 0.0
        diff = cv2.absdiff(now[y1:y2, x1:x2], reference[y1:y2, x1:x2])
        step = max(MIN_STEP, CONTRAST_STEP * float(reference.std()))  # a dark picture has less contrast
        counted = np.ones(diff.shape, bool)
        if hidden is not None:
            hx1, hy1, hx2, hy2 = (int(round(v * SCALE)) for v in hidden)
            counted[max(hy1 - y1, 0) : max(hy2 - y1, 0), max(hx1 - x1, 0) : max(hx2 - x1, 0)] = False
        if counted.sum() == 0:
            return 0.0
        return float((diff >= step)[counted].mean())


@dataclass
class LostFall:
    standing: Box  # the track's full-height box
    lost_s: float  # when the track was last seen
    box: Box  # where the person would lie
    reference: np.ndarray  # the picture before the descent
    stood: Box  # where the person stood in it (left out of the comparison)


class LostFalls:
    """Tracks' recent boxes, to tell when one vanished while going down fast."""

    def __init__(self, fall_s: float) -> None:
        self.fall_s = fall_s
        self._boxes: dict[int, deque[tuple[float, Box]]] = {}

    def update(
        self, boxes: dict[int, Box], tall: dict[int, tuple[float, Box]], t: float, picture: Picture
    ) -> list[LostFall]:
        """``boxes``: this frame's person tracks by id; ``tall``: each track's last full-height
        upright box and when. Returns the falls of tracks that vanished this frame."""
        out = []
        for track in [k for k in self._boxes if k not in boxes]:
            history = self._boxes.pop(track)
            standing = tall.get(track)
            if standing is None or history[-1][0] - standing[0] > self.fall_s:
                continue
            fall = self._descent(history, standing, picture)
            if fall is not None:
                out.append(fall)
        for track, box in boxes.items():
            history = self._boxes.setdefault(track, deque())
            history.append((t, box))
            while t - history[0][0] > self.fall_s:
                history.popleft()
        return out

    def _descent(
        self, history: deque[tuple[float, Box]], standing: tuple[float, Box], picture: Picture
    ) -> LostFall | None:
        """The fall of a vanished track: its head (box top) came down from its highest within
        ``fall_s`` far and fast enough."""
        highest = min(b[1] for _, b in history)
        # when the head last was (about) that high: the descent starts there
        t_top, top = [(t, b) for t, b in history if b[1] <= highest + 0.05 * (b[3] - b[1])][-1]
        height = top[3] - top[1]
        t_last, last = history[-1]
        drop = last[1] - top[1]
        if height <= 0 or drop < DESCENT * height or drop / max(t_last - t_top, 1e-3) < SPEED * height:
            return None
        reference = picture.before(t_top - 0.5)
        if reference is None or picture.shape is None:
            return None
        cx, floor = (last[0] + last[2]) / 2, max(last[3], top[3])
        h, w = picture.shape
        box = (
            max(cx - height / 2, 0.0),
            max(floor - 0.45 * height, 0.0),
            min(cx + height / 2, w),
            min(floor, h),
        )
        return LostFall(standing[1], t_last, box, reference, top)
