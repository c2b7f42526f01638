"""Who is masked in an export, on every frame, and the mosaic itself.

Two passes. ``Finder`` looks at every frame of the range (detector on the whole frame at a low
score threshold, then the tracker) and writes a ``TrackLog``: per frame, the tracked people with
their ids and the detections no track took. ``plan`` then knows the whole range, which a live
camera never does: a track's gaps are filled by interpolating between the frames where it was
seen (up to ``fill_s``), every track is masked ``hold_s`` before it first appears and after it is
last seen, and every box grows by ``margin``. The subject (ids a supervisor picked on a frame) is
left visible only on frames where their own track was actually detected and no other person's box
overlaps theirs (their ids could have swapped there); everywhere else they are masked too:
privacy wins, and the preview shows it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np
import supervision as sv

from gwanje.config import DetectorConfig, TrackerConfig
from gwanje.config.evidence import MaskingConfig, PrivacyConfig
from gwanje.vision.detectors import create_detector
from gwanje.vision.tracking import Tracker

PEOPLE = ("person",)
VEHICLES = ("car", "bus", "truck", "motorbike", "bicycle")
UNTRACKED = -1  # a detection no track took: masked, never a subject
PLATE_BAND = 0.4  # "plates": the lower share of a vehicle box
SHRINK = 4  # the background and the foreground are worked out at a quarter of the size
BACKGROUND_SAMPLES = 240  # at most this many frames (about one a second) make the median


@dataclass
class TrackLog:
    """What the finder saw, frame by frame: ``people[i]`` is a list of (track id, x1, y1, x2, y2)
    (track id ``UNTRACKED`` for detections no track took), ``vehicles[i]`` boxes of vehicles."""

    width: int
    height: int
    times: list[float] = field(default_factory=list)  # seconds from the range's start
    people: list[list[tuple[int, float, float, float, float]]] = field(default_factory=list)
    vehicles: list[list[tuple[float, float, float, float]]] = field(default_factory=list)
    background: np.ndarray | None = None  # median of sampled frames, quarter size, BGR

    def save(self, path: Path) -> None:
        data = {k: v for k, v in self.__dict__.items() if k != "background"}
        path.write_text(json.dumps(data, separators=(",", ":")))
        if self.background is not None:
            cv2.imwrite(str(path.with_suffix(".png")), self.background)

    @classmethod
    def load(cls, path: Path) -> TrackLog:
        raw = json.loads(path.read_text())
        log = cls(raw["width"], raw["height"], raw["times"])
        log.people = [[tuple(p) for p in frame] for frame in raw["people"]]  # type: ignore[misc]
        log.vehicles = [[tuple(v) for v in frame] for frame in raw["vehicles"]]  # type: ignore[misc]
        bg = path.with_suffix(".png")
        log.background = cv2.imread(str(bg)) if bg.is_file() else None
        return log

    def track_ids(self) -> set[int]:
        return {int(p[0]) for frame in self.people for p in frame if p[0] != UNTRACKED}


class Finder:
    """Detector and tracker over every frame of a range; ``add`` one frame at a time."""

    def __init__(self, settings: MaskingConfig, fps: float, vehicles: bool = False) -> None:
        classes = list(PEOPLE) + (list(VEHICLES) if vehicles else [])
        self.detector = create_detector(
            DetectorConfig(
                classes=classes,
                score_threshold=settings.score_threshold,
                input_width=settings.input_width,
                input_height=settings.input_height,
            )
        )
        self.tracker = Tracker(TrackerConfig(), fps)
        self.log: TrackLog | None = None
        self._every = max(1, round(fps))
        self._samples: list[np.ndarray] = []

    def add(self, image: np.ndarray, t: float) -> None:
        if self.log is None:
            self.log = TrackLog(image.shape[1], image.shape[0])
        if len(self.log.times) % self._every == 0:
            self._samples.append(shrink(image))
            if len(self._samples) >= BACKGROUND_SAMPLES:  # keep every other: the spread stays even
                self._samples, self._every = self._samples[::2], self._every * 2
        found = self.detector.detect(image)
        names = found.data.get("class_name", np.array([], dtype=str)) if len(found) else np.array([])
        is_person = np.array([n == "person" for n in names], dtype=bool)
        people = found[is_person] if len(found) else found
        tracks = self.tracker.update(people, image, t)
        row = [(int(i), *map(float, b)) for i, b in zip(tracks.tracker_id, tracks.xyxy, strict=True)]
        if len(people):
            taken = (
                sv.box_iou_batch(people.xyxy, tracks.xyxy).max(axis=1)
                if len(tracks)
                else np.zeros(len(people))
            )
            row += [(UNTRACKED, *map(float, b)) for b in people.xyxy[taken < 0.5]]
        self.log.times.append(t)
        self.log.people.append(row)
        cars = found[~is_person] if len(found) else found
        self.log.vehicles.append([tuple(map(float, b)) for b in cars.xyxy])  # type: ignore[misc]

    def finish(self) -> TrackLog:
        """The log, with the median background of the sampled frames."""
        if self.log is None:
            raise ValueError("no frame was looked at")
        if self._samples:
            self.log.background = np.median(np.stack(self._samples), axis=0).astype(np.uint8)
        return self.log


def shrink(image: np.ndarray) -> np.ndarray:
    h, w = image.shape[:2]
    return cv2.resize(image, (max(1, w // SHRINK), max(1, h // SHRINK)), interpolation=cv2.INTER_AREA)


_ROUND = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (3, 3))


def foreground(
    image: np.ndarray, background: np.ndarray, subject: np.ndarray, settings: MaskingConfig
) -> np.ndarray:
    """What differs from the background (full size, boolean): each blob's bounding box, less the
    subject's boxes (grown by ``subject_clear``). People the detector missed are in it, and so
    are shadows, swaying trees and lighting changes: over-masking is the price (the bench
    reports it)."""
    h, w = image.shape[:2]
    small = shrink(image)
    if small.shape != background.shape:
        return np.zeros((h, w), dtype=bool)
    diff = cv2.absdiff(small, background).max(axis=2) > settings.foreground_threshold
    blobs = cv2.dilate(cv2.morphologyEx(diff.astype(np.uint8), cv2.MORPH_OPEN, _ROUND), _ROUND, iterations=2)
    n, _, stats, _ = cv2.connectedComponentsWithStats(blobs)
    out = np.zeros((h, w), dtype=bool)
    for x, y, bw, bh, area in stats[1:n]:
        if area >= settings.foreground_min_area:
            out[y * SHRINK : (y + bh) * SHRINK, x * SHRINK : (x + bw) * SHRINK] = True
    for x1, y1, x2, y2 in subject:
        dx, dy = int((x2 - x1) * settings.subject_clear) + 2, int((y2 - y1) * settings.subject_clear) + 2
        out[max(0, y1 - dy) : y2 + dy, max(0, x1 - dx) : x2 + dx] = False
    return out


@dataclass(frozen=True)
class FrameMasks:
    boxes: np.ndarray  # (n, 4) int xyxy to mosaic
    subject: np.ndarray  # (m, 4) int xyxy of the subject left visible


def plan(
    log: TrackLog, subjects: set[int], settings: MaskingConfig, privacy: PrivacyConfig | None = None
) -> list[FrameMasks]:
    """The boxes to mosaic on each frame of the log (and where the subject shows)."""
    n = len(log.times)
    fps = (n - 1) / (log.times[-1] - log.times[0]) if n > 1 and log.times[-1] > log.times[0] else 10.0
    fill, hold = round(settings.fill_s * fps), round(settings.hold_s * fps)
    per_frame: list[list[tuple[int, np.ndarray, bool]]] = [[] for _ in range(n)]  # (id, box, detected)
    seen: dict[int, dict[int, np.ndarray]] = {}
    for i, row in enumerate(log.people):
        for tid, *box in row:
            b = np.array(box, dtype=float)
            if tid == UNTRACKED:
                per_frame[i].append((UNTRACKED, b, True))
            else:
                seen.setdefault(int(tid), {})[i] = b
                per_frame[i].append((int(tid), b, True))
    for tid, frames in seen.items():
        idx = sorted(frames)
        for a, b in zip(idx, idx[1:], strict=False):
            if 1 < b - a <= fill + 1:
                for k in range(a + 1, b):
                    w = (k - a) / (b - a)
                    per_frame[k].append((tid, frames[a] * (1 - w) + frames[b] * w, False))
            elif b - a > fill + 1:  # too long to bridge: held after it was lost and before it is back
                for k in [*range(a + 1, a + 1 + hold), *range(b - hold, b)]:
                    per_frame[k].append((tid, frames[a] if k <= a + hold else frames[b], False))
        for k in range(max(0, idx[0] - hold), idx[0]):
            per_frame[k].append((tid, frames[idx[0]], False))
        for k in range(idx[-1] + 1, min(n, idx[-1] + hold + 1)):
            per_frame[k].append((tid, frames[idx[-1]], False))
    vehicles = privacy.vehicles if privacy else "off"
    out = []
    for i in range(n):
        masked, shown = [], []
        others = [b for tid, b, _ in per_frame[i] if tid not in subjects]
        for tid, box, detected in per_frame[i]:
            if tid in subjects and detected and not _overlapped(box, others, settings.subject_overlap):
                shown.append(box)
            else:
                masked.append(_grow(box, settings.margin, log.width, log.height))
        if vehicles != "off" and i < len(log.vehicles):
            for v in log.vehicles[i]:
                x1, y1, x2, y2 = v
                if vehicles == "plates":
                    y1 = y2 - (y2 - y1) * PLATE_BAND
                masked.append(_grow(np.array([x1, y1, x2, y2]), settings.margin / 2, log.width, log.height))
        out.append(
            FrameMasks(np.array(masked, dtype=int).reshape(-1, 4), np.array(shown, dtype=int).reshape(-1, 4))
        )
    return out


def _overlapped(box: np.ndarray, others: list[np.ndarray], limit: float) -> bool:
    if not others or limit >= 1:
        return False
    return float(sv.box_iou_batch(box[None, :], np.array(others)).max()) > limit


def _grow(box: np.ndarray, margin: float, width: int, height: int) -> np.ndarray:
    x1, y1, x2, y2 = box
    dx, dy = max(4.0, (x2 - x1) * margin), max(4.0, (y2 - y1) * margin)
    return np.array(
        [max(0.0, x1 - dx), max(0.0, y1 - dy), min(float(width), x2 + dx), min(float(height), y2 + dy)]
    )


def region_mask(privacy: PrivacyConfig | None, width: int, height: int) -> np.ndarray | None:
    """The camera's fixed privacy regions as one boolean image (None: there are none)."""
    if privacy is None or not privacy.regions:
        return None
    mask = np.zeros((height, width), dtype=np.uint8)
    for poly in privacy.regions:
        cv2.fillPoly(mask, [np.round(np.array(poly)).astype(np.int32)], 1)
    return mask.astype(bool)


def mosaic(image: np.ndarray, boxes: np.ndarray, block: int, regions: np.ndarray | None = None) -> None:
    """Pixelate ``boxes`` (and ``regions``, a boolean image: fixed regions, foreground) in place."""
    h, w = image.shape[:2]
    for x1, y1, x2, y2 in boxes:
        x1, y1, x2, y2 = max(0, x1), max(0, y1), min(w, x2), min(h, y2)
        if x2 - x1 < 1 or y2 - y1 < 1:
            continue
        patch = image[y1:y2, x1:x2]
        small = cv2.resize(
            patch, (max(1, (x2 - x1) // block), max(1, (y2 - y1) // block)), interpolation=cv2.INTER_AREA
        )
        image[y1:y2, x1:x2] = cv2.resize(small, (x2 - x1, y2 - y1), interpolation=cv2.INTER_NEAREST)
    if regions is not None:
        small = cv2.resize(image, (max(1, w // block), max(1, h // block)), interpolation=cv2.INTER_AREA)
        blocky = cv2.resize(small, (w, h), interpolation=cv2.INTER_NEAREST)
        image[regions] = blocky[regions]


def frame_area(
    image: np.ndarray, log: TrackLog, masks: FrameMasks, settings: MaskingConfig, regions: np.ndarray | None
) -> np.ndarray | None:
    """What is masked on this frame besides the boxes: the fixed regions and the foreground."""
    if not settings.foreground or log.background is None:
        return regions
    fg = foreground(image, log.background, masks.subject, settings)
    return fg if regions is None else (regions | fg)


def masked_area(shape: tuple[int, int], boxes: np.ndarray, regions: np.ndarray | None = None) -> np.ndarray:
    """The masked pixels of one frame as a boolean image: the boxes and the regions."""
    out = np.zeros(shape, dtype=bool) if regions is None else regions.copy()
    for x1, y1, x2, y2 in boxes:
        out[max(0, y1) : max(0, y2), max(0, x1) : max(0, x2)] = True
    return out
