"""Vehicles from motion blobs, for views the detector cannot read (straight down, far, at night).

The shrunken grey frame is compared with a background of the empty road: the median of the
first ``learn_s`` seconds, then a running average that learns the road quickly (``background_s``)
and what differs from it only very slowly (``absorb_s``), so a vehicle that stops stays a blob
for minutes (long enough for the illegal-parking rule) while lighting drifts are learned in
seconds; where the road as it was before the vehicle came shows again, the vehicle has left and
the background takes the road back at once (no ghost). The whole picture brightening or dimming
(auto exposure, clouds) is taken out first.
Changed regions inside the watched zones that have a vehicle's size and shape (area, aspect,
solidity) are candidates; those a detector box already covers belong to that detection. The rest
join the detections as class ``vehicle``, so the tracker and the vehicle rules treat them as cars.
"""

from __future__ import annotations

import cv2
import numpy as np
import supervision as sv

from gwanje.config import VehicleBlobConfig
from gwanje.vision.detectors.base import box_coverage
from gwanje.vision.shrink import shrink

CLASS_NAME = "vehicle"
CLASS_ID = 1000  # outside every detector's own class ids


class VehicleBlobs:
    def __init__(
        self, config: VehicleBlobConfig, zones: list[list[tuple[float, float]]] | None = None
    ) -> None:
        self.config = config
        self.zones = zones or []
        self._background: np.ndarray | None = None
        self._before = np.zeros((0, 0), np.float32)  # per pixel: the background when it last changed
        self._changed = np.zeros((0, 0), bool)
        self._learning: list[np.ndarray] = []
        self._area: np.ndarray | None = None
        self._scale = 1.0
        self._t0: float | None = None
        self._t_prev: float | None = None
        self.boxes = np.zeros((0, 4), np.float32)  # the candidates of the last frame, full-frame xyxy

    def _grey(self, image: np.ndarray) -> np.ndarray:
        small, self._scale = shrink(image, self.config.width)
        grey = cv2.cvtColor(small, cv2.COLOR_BGR2GRAY) if small.ndim == 3 else small
        return cv2.GaussianBlur(grey, (5, 5), 0).astype(np.float32)

    def update(self, image: np.ndarray, t: float) -> np.ndarray:
        """Learn from this frame and return the vehicle-like blobs in it (xyxy, frame pixels)."""
        c = self.config
        grey = self._grey(image)
        if self._t0 is None or self._area is None or self._area.shape != grey.shape:
            self._t0 = self._t_prev = t
            self._background, self._learning = None, []
            self._area = self._watched(grey.shape)
        if self._background is None:
            self._learning.append(grey)
            if t - self._t0 < c.learn_s:
                self.boxes = np.zeros((0, 4), np.float32)
                return self.boxes
            self._background = np.median(np.stack(self._learning), axis=0).astype(np.float32)
            self._before = self._background.copy()
            self._changed = np.zeros(grey.shape, bool)
            self._learning = []
        dt = max(1e-3, t - self._t_prev)
        self._t_prev = t
        bg = self._background
        # the whole picture brightening is not a vehicle (every 16th pixel tells by how much)
        grey = grey - float(np.median((grey - bg)[::4, ::4]))
        changed = np.abs(grey - bg) > c.diff
        arrived = changed & ~self._changed
        self._before[arrived] = bg[arrived]  # the road as it was when something came over it
        left = changed & (np.abs(grey - self._before) <= c.diff)  # that road shows again: it left
        bg[left] = grey[left]  # (no ghost where a parked car stood)
        changed &= ~left
        self._changed = changed
        rate = np.where(changed, 1 - np.exp(-dt / c.absorb_s), 1 - np.exp(-dt / c.background_s))
        bg += rate.astype(np.float32) * (grey - bg)
        mask = (changed & self._area).astype(np.uint8)
        mask = cv2.morphologyEx(mask, cv2.MORPH_OPEN, np.ones((3, 3), np.uint8))
        mask = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, np.ones((7, 7), np.uint8))  # windscreen and body
        self.boxes = self._vehicle_shaped(mask)
        return self.boxes

    def _watched(self, shape: tuple[int, int]) -> np.ndarray:
        if not self.zones:
            return np.ones(shape, bool)
        area = np.zeros(shape, np.uint8)
        for poly in self.zones:
            cv2.fillPoly(area, [np.round(np.asarray(poly) / self._scale).astype(np.int32)], 1)
        return area.astype(bool)

    def _vehicle_shaped(self, mask: np.ndarray) -> np.ndarray:
        c = self.config
        n, _, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
        out = []
        for x, y, w, h, area in stats[1:n]:
            if not c.min_area * mask.size <= area <= c.max_area * mask.size:
                continue
            if max(w, h) > c.max_aspect * min(w, h) or area < c.min_fill * w * h:
                continue
            out.append((x, y, x + w, y + h))
        return np.asarray(out, np.float32).reshape(-1, 4) * self._scale

    def add_to(self, detections: sv.Detections) -> sv.Detections:
        """The detections plus the last frame's blobs that no detection box explains; a weak
        detection that explains a blob scores at least the blob's ``confidence`` (the motion
        backs it up)."""
        boxes = self.boxes
        if not len(boxes):
            return detections
        if len(detections):
            cover = box_coverage(boxes, detections.xyxy)
            share, which = cover.max(axis=1), cover.argmax(axis=1)
            explained = share >= self.config.explained
            if explained.any():
                detections = detections[:]
                hit = which[explained]
                detections.confidence[hit] = np.maximum(detections.confidence[hit], self.config.confidence)
            boxes = boxes[~explained]
        if not len(boxes):
            return detections
        blobs = sv.Detections(
            xyxy=boxes,
            confidence=np.full(len(boxes), self.config.confidence, np.float32),
            class_id=np.full(len(boxes), CLASS_ID),
            data={"class_name": np.array([CLASS_NAME] * len(boxes), dtype=object)},
        )
        return sv.Detections.merge([detections, blobs]) if len(detections) else blobs
