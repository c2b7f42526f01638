"""Abandoned object: something new that stays still, with nobody near it.

Two backgrounds of the shrunken grey frame (after Porikli et al. 2008): one that follows the scene
within seconds (``short_s``) and one of the empty scene that changes over many minutes
(``long_s``). A pixel that differs from the empty scene but already belongs to the quick one holds
something that arrived and stopped; its clock starts then and runs on while passers-by hide it,
and stops only when the empty scene shows through again (the object was taken away). A region
whose pixels have been still for ``abandon_s`` is an object when it has its own edges (a "ghost"
left where something stood at start-up has its edges in the background instead), is neither tiny
nor huge, and is not a person (person boxes of the last seconds are cut out).
The person nearest to it when it is first judged, if within ``owner_distance`` object heights, is
taken for its owner; when that person has been away for ``owner_gone_s`` (or there was none), the
owner has gone: alarm, with the object's box. Other people passing by do not count.
The event ends when the object is taken away.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import supervision as sv

from gwanje.analytics.crowd_count import zone_mask
from gwanje.analytics.hits import RuleHit, class_mask, new_event_id
from gwanje.config import AbandonConfig
from gwanje.domain import EventType, Severity
from gwanje.vision.detectors.base import box_coverage
from gwanje.vision.shrink import shrink

Box = tuple[float, float, float, float]


@dataclass
class _Object:
    box: Box  # frame pixels
    owner_seen_s: float
    owner: int | None = None  # track id of the person beside it when it was first judged
    event_id: str | None = None
    seen_s: float = 0.0


class AbandonedRules:
    def __init__(self, config: AbandonConfig, zones: list[list[tuple[float, float]]] | None = None) -> None:
        self.config = config
        self.zones = zones or []
        self._long: np.ndarray | None = None
        self._short: np.ndarray | None = None
        self._still_since: np.ndarray | None = None
        self._area: np.ndarray | None = None
        self._scale = 1.0
        self._t0: float | None = None
        self._t_prev: float | None = None
        self._image: np.ndarray | None = None
        self._learning: list[np.ndarray] = []
        self._people: list[tuple[float, np.ndarray]] = []  # (t, boxes) over the last seconds
        self._raw: sv.Detections | None = None
        self.objects: list[_Object] = []

    def observe(self, image: np.ndarray, detections: sv.Detections | None) -> None:
        self._image = image
        self._raw = detections  # the detector's own boxes, weak ones too (None: it did not run)

    def _grey(self, image: np.ndarray) -> np.ndarray:
        small, self._scale = shrink(image, self.config.width)
        grey = cv2.cvtColor(small, cv2.COLOR_BGR2GRAY) if small.ndim == 3 else small
        return cv2.GaussianBlur(grey, (5, 5), 0).astype(np.float32)

    def update(self, tracks: sv.Detections, t: float) -> list[RuleHit]:
        if self._image is None:
            return []
        c = self.config
        grey = self._grey(self._image)
        if self._long is None or self._long.shape != grey.shape:
            self._long, self._short = grey.copy(), grey.copy()
            self._still_since = np.full(grey.shape, np.nan, np.float32)
            h, w = grey.shape
            full = [(0, 0), (w * self._scale, 0), (w * self._scale, h * self._scale), (0, h * self._scale)]
            polys = self.zones or [full]
            area = np.zeros(grey.shape, bool)
            for p in polys:
                area |= zone_mask(grey.shape, [(x / self._scale, y / self._scale) for x, y in p])
            self._area = area
            self._t0 = self._t_prev = t
            return []
        assert self._short is not None and self._still_since is not None and self._area is not None
        assert self._t0 is not None and self._t_prev is not None
        dt = max(1e-3, t - self._t_prev)
        self._t_prev = t
        a_short = 1 - np.exp(-dt / c.short_s)
        off_short = np.abs(grey - self._short) > c.diff
        self._short += a_short * (grey - self._short)
        if t - self._t0 < c.learn_s:  # the empty scene: the median of the first seconds
            self._learning.append(grey)
            return []
        if self._learning:
            self._long = np.median(np.stack(self._learning), axis=0).astype(np.float32)
            self._learning = []
        # the whole picture brightening or dimming (a train's lights, clouds) is not an object
        grey = grey - float(np.median((grey - self._long)[::4, ::4]))  # (every 16th pixel tells)
        off_long = np.abs(grey - self._long) > c.diff
        self._long += (1 - np.exp(-dt / c.long_s)) * (grey - self._long)
        arrived = off_long & ~off_short & self._area
        start = arrived & np.isnan(self._still_since)
        self._still_since[start] = t
        self._still_since[~off_long] = np.nan  # the empty scene shows again
        people = self._person_boxes(tracks, t)
        return self._judge(grey, t, people, tracks)

    def _person_boxes(self, tracks: sv.Detections, t: float) -> np.ndarray:
        """Person boxes of the last 2 s (cut out of the still pixels); all those of the last
        ``abandon_s`` are kept to tell a person who sat still from an object."""
        boxes = tracks.xyxy[class_mask(tracks, ["person"])] if len(tracks) else np.zeros((0, 4))
        raw = self._raw
        if raw is not None and len(raw):  # a person half hidden, sitting still, scores low: still a person
            boxes = np.concatenate([boxes, raw.xyxy[class_mask(raw, ["person"])]])
        self._people = [(ts, b) for ts, b in self._people if t - ts <= self.config.abandon_s] + [(t, boxes)]
        recent = [b for ts, b in self._people if t - ts <= 2.0]
        return np.concatenate(recent) if recent else np.zeros((0, 4))

    def _was_a_person(self, box: Box) -> bool:
        """Whether some person box of the still period covered most of the region: someone who
        sat or stood still, whom the detector saw now and then."""
        return any(len(boxes) and box_coverage(box, boxes).max() >= 0.5 for _, boxes in self._people)

    def _judge(self, grey: np.ndarray, t: float, people: np.ndarray, tracks: sv.Detections) -> list[RuleHit]:
        c = self.config
        assert self._still_since is not None and self._long is not None
        age = t - np.nan_to_num(self._still_since, nan=t)
        still = (age >= c.abandon_s).astype(np.uint8)
        s = self._scale
        for x1, y1, x2, y2 in people / s:  # people are not objects
            still[int(max(0, y1)) : int(y2) + 1, int(max(0, x1)) : int(x2) + 1] = 0
        still = cv2.morphologyEx(still, cv2.MORPH_OPEN, np.ones((3, 3), np.uint8))
        n, labels, stats, _ = cv2.connectedComponentsWithStats(still)
        found: list[Box] = []
        edges: tuple[np.ndarray, np.ndarray] | None = None  # edge strength of frame and empty scene
        for i in range(1, n):
            x, y, w, h, area = stats[i]
            if not c.min_area * still.size <= area <= c.max_area * still.size:
                continue
            if edges is None:
                edges = (_edge_strength(grey), _edge_strength(self._long))
            if not _has_own_edges(*edges, labels == i):
                continue
            box = (x * s, y * s, (x + w) * s, (y + h) * s)
            if not self._was_a_person(box):
                found.append(box)
        hits: list[RuleHit] = []
        kept: list[_Object] = []
        persons = tracks[class_mask(tracks, ["person"])] if len(tracks) else tracks
        ids = persons.tracker_id if persons.tracker_id is not None else np.full(len(persons), -1)
        for box in found:
            obj = next(
                (o for o in self.objects if sv.box_iou_batch(np.array([o.box]), np.array([box]))[0, 0] > 0.3),
                None,
            )
            if obj is None:  # new: the nearest person beside it, if any, is taken for its owner
                obj = _Object(box, t)
                near = _near(box, persons.xyxy, c.owner_distance)
                obj.owner = (
                    int(ids[near][np.argmin(_distance(box, persons.xyxy[near]))]) if near.any() else None
                )
            obj.box, obj.seen_s = box, t
            if (
                obj.owner is not None
                and (_near(box, persons.xyxy, c.owner_distance) & (ids == obj.owner)).any()
            ):
                obj.owner_seen_s = t
            if obj.event_id is None and t - obj.owner_seen_s >= c.owner_gone_s:
                obj.event_id = new_event_id()
                hits.append(self._hit(obj, "start", t))
            kept.append(obj)
        for o in self.objects:
            if o not in kept and o.event_id is not None and t - o.seen_s > 2.0:
                hits.append(self._hit(o, "end", t))
            elif o not in kept and t - o.seen_s <= 2.0:
                kept.append(o)  # hidden for a moment
        self.objects = kept
        return hits

    def _hit(self, obj: _Object, phase: str, t: float) -> RuleHit:
        assert obj.event_id is not None
        return RuleHit(
            obj.event_id,
            phase,
            EventType.ABANDONED,
            Severity(self.config.severity),
            None,
            t,
            t,
            boxes=(obj.box,),
            details={"still_s": self.config.abandon_s},
        )

    def finish(self) -> list[RuleHit]:
        return []


def _distance(box: Box, people: np.ndarray) -> np.ndarray:
    """From the object's centre to the nearest point of each person box."""
    cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    px = np.clip(cx, people[:, 0], people[:, 2])
    py = np.clip(cy, people[:, 1], people[:, 3])
    return np.hypot(px - cx, py - cy)


def _near(box: Box, people: np.ndarray, heights: float) -> np.ndarray:
    """Which person boxes lie within ``heights`` object heights of the object."""
    if not len(people):
        return np.zeros(0, bool)
    return _distance(box, people) <= heights * max(box[3] - box[1], box[2] - box[0])


def _edge_strength(img: np.ndarray) -> np.ndarray:
    return np.hypot(cv2.Sobel(img, cv2.CV_32F, 1, 0), cv2.Sobel(img, cv2.CV_32F, 0, 1))


def _has_own_edges(frame_edges: np.ndarray, scene_edges: np.ndarray, region: np.ndarray) -> bool:
    """Whether the region's outline has more edge in the frame than in the empty scene (a "ghost"
    left where something stood at start-up has its edges in the empty scene instead)."""
    r = region.astype(np.uint8)
    ring = cv2.dilate(r, np.ones((5, 5), np.uint8)).astype(bool) & ~cv2.erode(
        r, np.ones((3, 3), np.uint8)
    ).astype(bool)
    return float(frame_edges[ring].mean()) > float(scene_edges[ring].mean())
