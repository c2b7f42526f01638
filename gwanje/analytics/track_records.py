"""Track records: what a camera saw of each tracked person or vehicle, for the follow mode and the
search in recordings (``gwanje.domain.TrackRecord``).

Per track, on every frame: the foot point (bottom centre of the box) joins the path (at most one
point per ``PATH_STEP_S``), the box size is kept, and on frames the detector ran, the box is a
candidate crop if it stands clear of the other tracks (quality: the detector's confidence, the box's
height up to ``FULL_HEIGHT_PX``, not cut by the picture's side). The best ``crops_per_record``
candidates of each part give its colours (``gwanje.vision.colour_names``, averaged) and, for people,
its appearance vector (``gwanje.vision.appearance``, averaged); the best is the record's crop.

A part is sent once the track has been seen ``first_after_s`` (so a person is searchable and can be
followed within seconds), then every ``every_s``, and a final one when the track has not been seen
for ``end_after_s``, with the side of the picture it left by (the last box touching a side, the
direction of travel deciding a corner) and its heading. Tracks shorter than ``min_s`` get none.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

import cv2
import numpy as np
import supervision as sv

from gwanje.analytics.ground import GroundPlane
from gwanje.config import TrackRecordConfig
from gwanje.domain import Frame, TrackRecord
from gwanje.vision.appearance import AppearanceEncoder, person_crop
from gwanje.vision.colour_names import NAMES, body_colours, grey_world_gains, name_of, object_colour
from gwanje.vision.detectors.base import box_coverage

log = logging.getLogger(__name__)
PATH_STEP_S = 0.5
MAX_PATH_POINTS = 40
FULL_HEIGHT_PX = 120.0
HEADING_S = 2.0  # the direction of travel from the last this many seconds
CROP_HEIGHT = 160  # the record's crop is stored at most this tall
CROP_GAIN = 1.1  # a part's crop is replaced only by one this much better (not at every frame)
VIEW_GAIN = 1.2  # a view replaces one of the track's best only when this much better
CLEAR_OF_OTHERS = 0.15  # a candidate crop's box is covered at most this much by another track's


@dataclass
class _Crop:
    quality: float
    image: np.ndarray
    t: float
    box: tuple[float, float, float, float]
    shares: np.ndarray  # colour-name shares, upper then lower


@dataclass
class _View:
    """One of the best crops of a whole track, with its appearance vector once computed."""

    quality: float
    image: np.ndarray
    vector: np.ndarray | None = None


@dataclass
class _Track:
    track_id: int
    class_name: str
    first_t: float
    last_t: float
    entry_edge: str | None
    part: int = 0
    part_start_t: float = 0.0
    last_sent_t: float | None = None
    path: list[tuple[float, float, float]] = field(default_factory=list)
    recent: list[tuple[float, float, float]] = field(default_factory=list)  # for the heading
    sizes: list[tuple[float, float]] = field(default_factory=list)
    crops: list[_Crop] = field(default_factory=list)  # the part's best, best first
    views: list[_View] = field(default_factory=list)  # the track's best for its vector, best first
    last_crop: _Crop | None = None  # the best of the parts already sent (a part may have none)
    last_box: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)


def edges_touched(box, width: int, height: int, margin: float) -> list[str]:
    x1, y1, x2, y2 = box
    mx, my = margin * width, margin * height
    out = []
    if x1 <= mx:
        out.append("left")
    if x2 >= width - mx:
        out.append("right")
    if y1 <= my:
        out.append("top")
    if y2 >= height - my:
        out.append("bottom")
    return out


def edge_towards(edges: list[str], heading_deg: float | None) -> str | None:
    """Of the sides a box touches, the one the object moves toward (a corner: the heading decides)."""
    if not edges:
        return None
    if len(edges) == 1 or heading_deg is None:
        return edges[0]
    outward = {"right": 0.0, "bottom": 90.0, "left": 180.0, "top": 270.0}
    return min(edges, key=lambda e: abs((heading_deg - outward[e] + 180.0) % 360.0 - 180.0))


def heading_of(points: list[tuple[float, float, float]], height: float) -> float | None:
    """Direction of travel on the picture (0 right, 90 down), or None when it barely moved."""
    if len(points) < 2:
        return None
    dx, dy = points[-1][1] - points[0][1], points[-1][2] - points[0][2]
    if math.hypot(dx, dy) < 0.2 * max(height, 1.0):
        return None
    return round((math.degrees(math.atan2(dy, dx)) + 360.0) % 360.0, 1)


class TrackRecorder:
    def __init__(
        self,
        camera_id: str,
        config: TrackRecordConfig,
        plane: GroundPlane | None = None,
        encoder: Callable[[], AppearanceEncoder | None] | None = None,
    ) -> None:
        self.camera_id, self.config, self.plane = camera_id, config, plane
        self._encoder_factory = encoder
        self._encoder: AppearanceEncoder | None = None
        self._encoder_tried = False
        self._tracks: dict[int, _Track] = {}
        self._size = (0, 0)
        self._white = np.ones(3, np.float32)
        self._gains_at: float | None = None
        self.appearance_ms = 0.0  # time spent on appearance vectors, for the bench

    # -- per frame -------------------------------------------------------------------------
    def update(
        self, frame: Frame, tracks: sv.Detections, detected: bool, at: Callable[[float], datetime]
    ) -> list[TrackRecord]:
        t = frame.pts_s
        self._size = (frame.width, frame.height)
        names = tracks.data.get("class_name", np.array([""] * len(tracks))) if len(tracks) else []
        wanted = set(self.config.classes)
        seen = set()
        for i in range(len(tracks)):
            cls = str(names[i])
            if cls not in wanted or tracks.tracker_id is None:
                continue
            tid = int(tracks.tracker_id[i])
            box = tuple(float(v) for v in tracks.xyxy[i])
            seen.add(tid)
            track = self._tracks.get(tid)
            if track is None:
                edges = edges_touched(box, frame.width, frame.height, self.config.edge_margin)
                track = self._tracks[tid] = _Track(
                    tid, cls, t, t, edges[0] if edges else None, part_start_t=t
                )
            self._observe(track, box, t)
            if detected and tracks.confidence is not None:
                quality = self._quality(box, float(tracks.confidence[i]), tracks.xyxy, i)
                if quality > 0 and (
                    len(track.crops) < self.config.crops_per_record
                    or quality > CROP_GAIN * track.crops[-1].quality
                ):
                    self._keep_crop(track, frame.image, box, quality, t, self._gains(frame.image, t))
        out: list[TrackRecord] = []
        for tid, track in list(self._tracks.items()):
            if tid not in seen and t - track.last_t >= self.config.end_after_s:
                del self._tracks[tid]
                if track.last_t - track.first_t >= self.config.min_s:
                    out.append(self._record(track, at, final=True))
                continue
            if tid not in seen:
                continue
            due = self.config.first_after_s if track.last_sent_t is None else self.config.every_s
            since = t - (track.first_t if track.last_sent_t is None else track.last_sent_t)
            if since >= due and t - track.first_t >= self.config.min_s:
                out.append(self._record(track, at, final=False))
        return out

    def finish(self, at: Callable[[float], datetime]) -> list[TrackRecord]:
        """The last record of every track still open (the stream ended)."""
        out = [
            self._record(tr, at, final=True)
            for tr in self._tracks.values()
            if tr.last_t - tr.first_t >= self.config.min_s
        ]
        self._tracks.clear()
        return out

    def _gains(self, image: np.ndarray, t: float) -> np.ndarray:
        """The frame's grey-world balance, worked out again at most once a second (the light
        changes over minutes)."""
        if self._gains_at is None or not 0 <= t - self._gains_at < 1.0:
            self._white, self._gains_at = grey_world_gains(image), t
        return self._white

    def _observe(self, track: _Track, box, t: float) -> None:
        x, y = (box[0] + box[2]) / 2, box[3]
        track.last_t, track.last_box = t, box
        if not track.path or t - track.path[-1][0] >= PATH_STEP_S - 1e-6:
            track.path.append((t, x, y))
        track.recent.append((t, x, y))
        while track.recent and t - track.recent[0][0] > HEADING_S:
            track.recent.pop(0)
        track.sizes.append((box[2] - box[0], box[3] - box[1]))
        if len(track.sizes) > 200:
            track.sizes = track.sizes[-100:]

    def _quality(self, box, confidence: float, boxes: np.ndarray, i: int) -> float:
        w, h = self._size
        if edges_touched(box, w, h, self.config.edge_margin * 0.5):
            return 0.0
        if len(boxes) > 1 and box_coverage(boxes[i], np.delete(boxes, i, axis=0)).max() > CLEAR_OF_OTHERS:
            return 0.0
        return confidence * min(1.0, (box[3] - box[1]) / FULL_HEIGHT_PX)

    def _keep_crop(self, track: _Track, image: np.ndarray, box, quality: float, t: float, gains) -> None:
        crop = person_crop(image, box)
        if crop is None:
            return
        colours = (
            body_colours(image, box, gains)
            if track.class_name == "person"
            else object_colour(image, box, gains)
        )
        shares = np.asarray(colours.upper_hist + colours.lower_hist, np.float32)
        kept = _Crop(quality, crop.copy(), t, box, shares)
        track.crops.append(kept)
        track.crops.sort(key=lambda c: -c.quality)
        del track.crops[self.config.crops_per_record :]
        views = track.views
        if track.class_name == "person" and (
            len(views) < self.config.crops_per_record or quality > VIEW_GAIN * views[-1].quality
        ):
            views.append(_View(quality, kept.image))
            views.sort(key=lambda v: -v.quality)
            del views[self.config.crops_per_record :]

    # -- records -----------------------------------------------------------------------------
    def _record(self, track: _Track, at: Callable[[float], datetime], final: bool) -> TrackRecord:
        crops = track.crops or ([track.last_crop] if track.last_crop is not None else [])
        best = crops[0] if crops else None
        n = len(NAMES)
        shares = np.mean([c.shares for c in crops], axis=0) if crops else None
        vector, model = self._appearance(track)
        height = float(np.median([s[1] for s in track.sizes])) if track.sizes else 0.0
        heading = heading_of(track.recent, height)
        path = self._path(track)
        exit_edge = None
        if final:
            w, h = self._size
            exit_edge = edge_towards(edges_touched(track.last_box, w, h, self.config.edge_margin), heading)
        record = TrackRecord(
            record_id=f"{self.camera_id}:{int(round(track.first_t * 1000))}:{track.track_id}:{track.part}",
            camera_id=self.camera_id,
            track_id=track.track_id,
            part=track.part,
            final=final,
            class_name=track.class_name,
            started_at=at(track.part_start_t),
            ended_at=at(track.last_t),
            track_started_at=at(track.first_t),
            frame_size=self._size,
            path=tuple((round(pt - track.part_start_t, 2), round(x, 1), round(y, 1)) for pt, x, y in path),
            ground_path=self._ground(path, track.part_start_t),
            entry_edge=track.entry_edge,
            exit_edge=exit_edge,
            heading_deg=heading,
            box_size=(
                round(float(np.median([s[0] for s in track.sizes])), 1) if track.sizes else 0.0,
                round(height, 1),
            ),
            upper_colour=name_of(shares[:n]) if shares is not None else None,
            lower_colour=name_of(shares[n:]) if shares is not None and track.class_name == "person" else None,
            colour_hist=tuple(round(float(s), 3) for s in shares) if shares is not None else (),
            appearance=vector,
            appearance_model=model,
            crop_jpeg=_jpeg(best.image) if best is not None else None,
            crop_at=at(best.t) if best is not None else None,
            crop_box=tuple(round(v, 1) for v in best.box) if best is not None else None,
        )
        if track.crops:
            track.last_crop = track.crops[0]
        track.part += 1
        track.part_start_t = track.last_t
        track.last_sent_t = track.last_t
        track.path = track.path[-1:]
        track.crops = []
        return record

    def _path(self, track: _Track) -> list[tuple[float, float, float]]:
        path = track.path
        if len(path) > MAX_PATH_POINTS:
            keep = np.linspace(0, len(path) - 1, MAX_PATH_POINTS).round().astype(int)
            path = [path[k] for k in keep]
        return path

    def _ground(self, path, start: float) -> tuple[tuple[float, float, float], ...] | None:
        if self.plane is None or not path:
            return None
        pts = self.plane.to_ground(np.array([[x, y] for _, x, y in path], np.float64))
        return tuple(
            (round(pt - start, 2), round(float(g[0]), 2), round(float(g[1]), 2))
            for (pt, _, _), g in zip(path, pts, strict=True)
        )

    def _appearance(self, track: _Track) -> tuple[tuple[float, ...] | None, str | None]:
        """The mean vector of the track's best views so far; only views not yet seen are run
        through the network (a track's vector costs a few crops, not one per record)."""
        if track.class_name != "person" or not track.views or not self.config.appearance:
            return None, None
        encoder = self._get_encoder()
        if encoder is None:
            return None, None
        todo = [v for v in track.views if v.vector is None]
        if todo:
            t0 = time.perf_counter()
            for view, vector in zip(todo, encoder.vectors([v.image for v in todo]), strict=True):
                view.vector = vector
            self.appearance_ms += (time.perf_counter() - t0) * 1e3
        vector = np.mean([v.vector for v in track.views], axis=0)
        return tuple(float(v) for v in vector.astype(np.float16)), encoder.model

    def _get_encoder(self) -> AppearanceEncoder | None:
        if not self._encoder_tried:
            self._encoder_tried = True
            factory = self._encoder_factory or AppearanceEncoder
            try:
                self._encoder = factory()
            except (FileNotFoundError, ValueError) as exc:
                log.warning("camera %s: track records without appearance vectors: %s", self.camera_id, exc)
        return self._encoder


def _jpeg(crop: np.ndarray) -> bytes | None:
    h = crop.shape[0]
    if h > CROP_HEIGHT:
        crop = cv2.resize(
            crop, (max(1, round(crop.shape[1] * CROP_HEIGHT / h)), CROP_HEIGHT), interpolation=cv2.INTER_AREA
        )
    ok, buf = cv2.imencode(".jpg", crop, [cv2.IMWRITE_JPEG_QUALITY, 85])
    return buf.tobytes() if ok else None
