"""Multi-object tracking: supervision's ByteTrack, plus a colour step after it.

ByteTrack associates boxes by overlap only, so a person hidden for a moment behind another
comes back under a new id, and two people walking past each other may swap ids. ``Tracker``
keeps ByteTrack as it is and adds, after it: (1) a track id ByteTrack has just created is
matched against identities lost in the last few seconds, by where the lost one should be now
(its last position plus its velocity) and by clothing colour (a hue-saturation histogram of the
box's middle); a match keeps the old id; (2) two tracks standing clear and side by side that
each look more like the other's identity get their ids back. The ids it returns are these
stable ids. A confident new track is output from its first frame (see ``_bytetrack``).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import supervision as sv

from gwanje.config import TrackerConfig
from gwanje.vision.detectors.base import empty_tracks
from gwanje.vision.flow import shift_boxes


@dataclass
class _Identity:
    last_t: float
    anchor: np.ndarray  # bottom centre (x, y)
    height: float
    velocity: np.ndarray  # px/s of the anchor
    hist: np.ndarray | None


def colour_histogram(image: np.ndarray, box: np.ndarray) -> np.ndarray | None:
    """Normalised hue-saturation histogram of the middle of a box (the torso and legs of a person)."""
    x1, y1, x2, y2 = box
    w, h = x2 - x1, y2 - y1
    xa, xb = int(x1 + 0.2 * w), int(x2 - 0.2 * w)
    ya, yb = int(y1 + 0.15 * h), int(y2 - 0.1 * h)
    crop = image[max(0, ya) : max(0, yb), max(0, xa) : max(0, xb)]
    if crop.size < 3 * 16:
        return None
    hsv = cv2.cvtColor(crop, cv2.COLOR_BGR2HSV)
    hist = cv2.calcHist([hsv], [0, 1], None, [16, 8], [0, 180, 0, 256])
    return cv2.normalize(hist, None, 1.0, 0.0, cv2.NORM_L1).flatten()


def similarity(a: np.ndarray | None, b: np.ndarray | None) -> float:
    if a is None or b is None:
        return 0.0
    return 1.0 - float(cv2.compareHist(a.astype(np.float32), b.astype(np.float32), cv2.HISTCMP_BHATTACHARYYA))


_MARK = 1e-7  # score step that tags a detection with its index (see Tracker._bytetrack)


class Tracker:
    """ByteTrack over the analysed frames; returns new ``Detections`` with stable ``tracker_id``."""

    def __init__(self, config: TrackerConfig, fps: float) -> None:
        self.config, self.fps = config, fps
        self._bt = sv.ByteTrack(
            track_activation_threshold=config.activation_threshold,
            lost_track_buffer=max(1, round(config.lost_seconds * fps)),
            minimum_matching_threshold=config.matching_threshold,
            frame_rate=max(1, round(fps)),
            minimum_consecutive_frames=config.min_consecutive_frames,
        )
        self._last: sv.Detections | None = None  # the last output, for predict()
        self._last_t = 0.0
        self._stable: dict[int, int] = {}  # ByteTrack id -> stable id
        self._identities: dict[int, _Identity] = {}
        self._next_id = 1

    def update(
        self, detections: sv.Detections, image: np.ndarray | None = None, t: float | None = None
    ) -> sv.Detections:
        tracks = self._bytetrack(detections)
        if t is None:
            t = self._bt.frame_id / self.fps
        self._last, self._last_t = tracks, t
        if not len(tracks):
            return tracks
        raw = tracks.tracker_id.astype(int)
        anchors = np.column_stack([(tracks.xyxy[:, 0] + tracks.xyxy[:, 2]) / 2, tracks.xyxy[:, 3]])
        heights = tracks.xyxy[:, 3] - tracks.xyxy[:, 1]
        hists = [colour_histogram(image, b) if image is not None else None for b in tracks.xyxy]
        visible = {self._stable[r] for r in raw if r in self._stable}
        new = [i for i, r in enumerate(raw) if r not in self._stable]
        for i in sorted(new, key=lambda i: -float(tracks.confidence[i])):
            sid = (
                self._reidentify(anchors[i], heights[i], hists[i], t, visible)
                if self.config.reid_seconds
                else None
            )
            if sid is None:
                sid = self._next_id
                self._next_id += 1
            self._stable[int(raw[i])] = sid
            visible.add(sid)
        overlap = sv.box_iou_batch(tracks.xyxy, tracks.xyxy)
        np.fill_diagonal(overlap, 0.0)
        clean = overlap.max(axis=1) < 0.05 if len(tracks) > 1 else np.ones(len(tracks), bool)
        if self.config.swap_margin > 0:
            self._undo_swaps(raw, anchors, heights, hists, clean)
        stable_ids = np.array([self._stable[int(r)] for r in raw], dtype=int)
        for i, sid in enumerate(stable_ids):
            self._observe(int(sid), anchors[i], float(heights[i]), hists[i] if clean[i] else None, t)
        self._forget(t)
        out = tracks[:]
        out.tracker_id = stable_ids
        self._last = out
        return out

    def _bytetrack(self, detections: sv.Detections) -> sv.Detections:
        """ByteTrack's update, returning the detections that belong to its output tracks, with the
        track ids. Each detection's score goes in marked with its index (less 1e-7 times it), so
        every track ByteTrack updated names the very detection it matched: a filtered box that ran
        ahead of its detection (a car changing shape as it comes into view) cannot lose it, as an
        overlap test would. A new track whose first detection scores at least ``show_new_from``
        is output from that first frame, not the next (at 5 fps a new person would otherwise be
        missing for 0.2 s)."""
        n = len(detections)
        marked = detections.confidence.astype(np.float64) - np.arange(n) * _MARK if n else np.zeros(0)
        tensors = np.column_stack([detections.xyxy.astype(np.float64), marked]) if n else np.zeros((0, 5))
        active = self._bt.update_with_tensors(tensors)
        fresh = [
            tr
            for tr in self._bt.tracked_tracks
            if not tr.is_activated
            and tr.frame_id == self._bt.frame_id
            and tr.score >= self.config.show_new_from
            and tr.external_track_id != tr.external_id_counter.NO_ID
        ]
        pairs = []
        for tr in active + fresh:
            hit = np.flatnonzero(np.abs(marked - float(tr.score)) < _MARK / 4)
            if len(hit) == 1:
                pairs.append((int(hit[0]), int(tr.external_track_id)))
        if not pairs:
            return empty_tracks()
        out = detections[np.array([d for d, _ in pairs], dtype=int)]
        out.tracker_id = np.array([t for _, t in pairs], dtype=int)
        return out

    def predict(self, t: float, max_age_s: float, moving: bool = True) -> sv.Detections:
        """The last tracked boxes moved on by each identity's velocity to time ``t`` (left where
        they were when nothing in the picture moved): what the rules see on a frame the detector
        skipped. Nothing when the last detection is older than ``max_age_s`` (people may have left)."""
        last = self._last
        if last is None or not len(last) or t - self._last_t > max_age_s:
            return empty_tracks()
        dt = t - self._last_t
        out = last[:]
        if not moving:
            return out
        shift = np.array(
            [
                self._identities[int(i)].velocity if int(i) in self._identities else np.zeros(2)
                for i in out.tracker_id
            ]
        )
        out.xyxy = out.xyxy + (np.column_stack([shift, shift]) * dt).astype(np.float32)
        return out

    def follow(self, prev_grey: np.ndarray, grey: np.ndarray, image: np.ndarray, t: float) -> sv.Detections:
        """A frame the detector skipped (a stride): the last tracked boxes moved by optical flow
        from the previous frame, given to ByteTrack as this frame's detections so that its motion
        model keeps step with the frames and meets the people where they are at the next detection."""
        last = self._last
        if last is None or not len(last):
            return empty_tracks()
        moved = last[:]
        moved.xyxy = shift_boxes(prev_grey, grey, last.xyxy)
        moved.tracker_id = None
        return self.update(moved, image, t)

    def boxes(self) -> np.ndarray:
        """The last tracked boxes (xyxy)."""
        return self._last.xyxy if self._last is not None and len(self._last) else np.zeros((0, 4), np.float32)

    def _undo_swaps(
        self,
        raw: np.ndarray,
        anchors: np.ndarray,
        heights: np.ndarray,
        hists: list[np.ndarray | None],
        clean: np.ndarray,
    ) -> None:
        """Two people who just walked past each other may come out with each other's ids (overlap
        is all ByteTrack sees). When both are seen clearly again, side by side, and each looks more
        like the other's identity than its own, give them their ids back."""
        n = len(raw)
        for i in range(n):
            for j in range(i + 1, n):
                if not (clean[i] and clean[j]) or hists[i] is None or hists[j] is None:
                    continue
                if np.hypot(*(anchors[i] - anchors[j])) > 2.0 * max(heights[i], heights[j]):
                    continue
                a = self._identities.get(self._stable[int(raw[i])])
                b = self._identities.get(self._stable[int(raw[j])])
                if a is None or b is None or a.hist is None or b.hist is None:
                    continue
                kept = similarity(hists[i], a.hist) + similarity(hists[j], b.hist)
                swapped = similarity(hists[i], b.hist) + similarity(hists[j], a.hist)
                if swapped > kept + self.config.swap_margin:
                    ri, rj = int(raw[i]), int(raw[j])
                    self._stable[ri], self._stable[rj] = self._stable[rj], self._stable[ri]

    def _reidentify(
        self, anchor: np.ndarray, height: float, hist: np.ndarray | None, t: float, taken: set[int]
    ) -> int | None:
        best: tuple[float, int] | None = None
        for sid, ident in self._identities.items():
            dt = t - ident.last_t
            if sid in taken or dt <= 0 or dt > self.config.reid_seconds:
                continue
            predicted = ident.anchor + ident.velocity * min(dt, 2.0)
            gate = max(height, ident.height) * (1.0 + dt)
            d = float(np.hypot(*(anchor - predicted)))
            sim = similarity(hist, ident.hist)
            if (
                d > gate
                or sim < self.config.reid_min_similarity
                or not 0.6 < height / max(ident.height, 1) < 1.6
            ):
                continue
            score = sim - 0.5 * d / gate
            if best is None or score > best[0]:
                best = (score, sid)
        return best[1] if best else None

    def _observe(
        self, sid: int, anchor: np.ndarray, height: float, hist: np.ndarray | None, t: float
    ) -> None:
        ident = self._identities.get(sid)
        if ident is None:
            self._identities[sid] = _Identity(t, anchor, height, np.zeros(2), hist)
            return
        dt = t - ident.last_t
        if dt > 0:
            v = (anchor - ident.anchor) / dt
            ident.velocity = 0.7 * ident.velocity + 0.3 * v
        ident.anchor, ident.height, ident.last_t = anchor, height, t
        if hist is not None:
            ident.hist = hist if ident.hist is None else 0.9 * ident.hist + 0.1 * hist

    def _forget(self, t: float) -> None:
        horizon = max(self.config.reid_seconds, self.config.lost_seconds) + 1.0
        for sid in [s for s, i in self._identities.items() if t - i.last_t > horizon]:
            del self._identities[sid]
        self._stable = {r: s for r, s in self._stable.items() if s in self._identities}

    @property
    def has_active_tracks(self) -> bool:
        return bool(self._bt.tracked_tracks)
