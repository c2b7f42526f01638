"""One camera's analytics: frame → motion gate → detector → tracker → zone/line rules → events."""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

import cv2
import numpy as np
import supervision as sv

from gwanje.analytics.abandoned import AbandonedRules
from gwanje.analytics.crowd import CrowdRules, density_maps
from gwanje.analytics.fall import FallRules
from gwanje.analytics.fight import FightRules
from gwanje.analytics.fire import FireRules
from gwanje.analytics.ground import GroundPlane
from gwanje.analytics.hits import RuleHit
from gwanje.analytics.smoke import SmokeRules
from gwanje.analytics.tamper import TamperRules
from gwanje.analytics.track_records import TrackRecorder
from gwanje.analytics.vehicles import VehicleRules
from gwanje.analytics.zones import LineRules, ZoneRules
from gwanje.config import CameraConfig
from gwanje.domain import CameraStatus, Event, Frame, TrackRecord
from gwanje.vision.blobs import VehicleBlobs
from gwanje.vision.detectors import Detector, create_detector
from gwanje.vision.detectors.base import box_coverage, empty_detections
from gwanje.vision.enhance import LowLight
from gwanje.vision.motion import MotionGate, MotionResult
from gwanje.vision.pose import PoseEstimator
from gwanje.vision.regions import Box, DetectionRegions
from gwanje.vision.tracking import Tracker

Rule = (
    ZoneRules
    | LineRules
    | CrowdRules
    | FallRules
    | FightRules
    | FireRules
    | SmokeRules
    | AbandonedRules
    | VehicleRules
)
Watcher = (
    CrowdRules | FallRules | FightRules | FireRules | SmokeRules | AbandonedRules
)  # rules that also look at the frame itself
# rules that study the picture for change (see ``look``)
PictureRules = FireRules | SmokeRules | AbandonedRules


@dataclass(frozen=True)
class FrameResult:
    frame: Frame
    motion: MotionResult
    detected: bool  # whether the detector ran on this frame
    detections: sv.Detections  # the detector's raw output (empty when it did not run)
    tracks: sv.Detections  # the tracker's output: what the rules see
    events: list[Event]
    timings_ms: dict[str, float] = field(default_factory=dict)
    records: list[TrackRecord] = field(default_factory=list)  # track records due at this frame


class CameraPipeline:
    def __init__(
        self, camera: CameraConfig, detector: Detector | None = None, fps: float | None = None
    ) -> None:
        self.camera = camera
        self.detector = detector or create_detector(camera.detector)
        self.low_light = (
            None if camera.low_light == "off" else LowLight(only_when_dark=camera.low_light == "auto")
        )
        self.gate = MotionGate(camera.motion)
        self.fps = fps or camera.analysis_fps
        self.stride = camera.detector.stride
        # ByteTrack is given every moving frame: with a stride, the skipped ones carry the tracks
        # moved by optical flow (Tracker.follow)
        self.tracker = Tracker(camera.tracker, self.fps)
        self._grey: np.ndarray | None = None  # the last frame in grey, for the flow (stride > 1)
        self.rules: list[Rule] = [
            ZoneRules(z) for z in camera.zones if {"intrusion", "loitering"} & set(z.rules)
        ]
        self.rules += [LineRules(line) for line in camera.lines]
        plane = GroundPlane.from_config(camera.ground) if camera.ground is not None else None
        if plane is not None:
            crowd_zones = [z for z in camera.zones if "crowd" in z.rules]
            maps = density_maps(camera.crowd) if crowd_zones else None
            self.rules += [CrowdRules(z, camera.crowd, plane, maps) for z in crowd_zones]
        if camera.fall.enabled:
            self.rules.append(
                FallRules(camera.fall, pose=PoseEstimator() if camera.fall.pose_check else None)
            )
        if camera.fight.enabled:
            self.rules.append(FightRules(camera.fight))
        self.rules += [
            VehicleRules(z, camera.parking) for z in camera.zones if {"no_parking", "parking"} & set(z.rules)
        ]
        if camera.fire.enabled:
            self.rules.append(FireRules(camera.fire, plane))
        if camera.smoke.enabled:
            self.rules.append(SmokeRules(camera.smoke))
        if camera.abandoned.enabled:
            watched = [z.polygon for z in camera.zones if "abandoned" in z.rules]
            self.rules.append(AbandonedRules(camera.abandoned, watched))
        self.tamper = TamperRules(camera.tamper) if camera.tamper.enabled else None
        self.track_records = (
            TrackRecorder(camera.id, camera.track_records, plane) if camera.track_records.enabled else None
        )
        self.blobs: VehicleBlobs | None = None
        if camera.vehicle_blobs.enabled:
            names = set(camera.vehicle_blobs.zones) or {
                z.name for z in camera.zones if {"no_parking", "parking"} & set(z.rules)
            }
            self.blobs = VehicleBlobs(
                camera.vehicle_blobs, [z.polygon for z in camera.zones if z.name in names]
            )
        self._origin: datetime | None = None
        self._last_frame: Frame | None = None
        self._last_detect_s: float | None = None
        self._people_tracked = False  # a person among the last tracks (parked cars need no re-check)
        self._skipped = 0  # analysed frames since the detector last ran
        self._last_look_s: float | None = None  # when the picture analyzers last looked
        self.regions = DetectionRegions(camera.detector.roi, hasattr(self.detector, "detect_crops"))
        self.last_roi: list[Box] | None = None  # where the detector looked last (None: the whole frame)

    @property
    def methods(self) -> dict[str, str]:
        """How the analyses that have a choice run here (shown in the camera's status)."""
        out = {}
        crowd = sorted({r.method for r in self.rules if isinstance(r, CrowdRules)})
        if crowd:
            out["crowd"] = "+".join(crowd)
        if self.camera.fall.enabled:
            out["fall"] = "pose" if self.camera.fall.pose_check else "boxes"
        if self.camera.low_light != "off":
            out["light"] = self.camera.low_light
        return out

    def process(self, frame: Frame) -> FrameResult:
        raw = frame.image  # tampering is judged on the picture as the camera gives it
        if self.low_light is not None:
            frame = replace(frame, image=self.low_light(frame.image))
        if self._origin is None:
            self._origin = frame.wall_time - timedelta(seconds=frame.pts_s)
        timings: dict[str, float] = {}
        t0 = time.perf_counter()
        motion = self.gate.update(frame.image, frame.pts_s)
        # what studies the picture for change (fire, left objects, vehicle blobs) need not look at a
        # still one at every frame: nothing arrives, leaves or flickers without motion
        look = (
            motion.moving
            or self._last_look_s is None
            or frame.pts_s - self._last_look_s >= self.camera.motion.still_look_seconds - 1e-6
        )
        if look:
            self._last_look_s = frame.pts_s
        if self.blobs is not None and look:
            self.blobs.update(frame.image, frame.pts_s)
        timings["motion"] = (time.perf_counter() - t0) * 1e3
        # a still scene costs no inference, but people already tracked are followed even when they
        # stand still (a loiterer barely moves)
        run = not self.camera.motion.enabled or motion.detect
        if not run and self._people_tracked and self.tracker.has_active_tracks:
            since = frame.pts_s - self._last_detect_s if self._last_detect_s is not None else float("inf")
            run = since >= self.camera.motion.tracked_still_seconds
        tracked_boxes = self.tracker.boxes()
        if run and self._skipped < self.stride - 1 and len(tracked_boxes):
            run = _unexplained_motion(motion.regions, tracked_boxes)  # a newcomer: look now
        prev_grey, self._grey = self._grey, None
        if self.stride > 1:
            self._grey = cv2.cvtColor(frame.image, cv2.COLOR_BGR2GRAY)
        self._skipped = 0 if run else self._skipped + 1
        if run:
            self._last_detect_s = frame.pts_s
            t1 = time.perf_counter()
            roi = self.regions.plan(motion, tracked_boxes, frame.image.shape, frame.pts_s)
            if hasattr(self.detector, "detect_regions"):
                detections = self.detector.detect_regions(frame.image, motion.regions)
            elif roi is not None:
                detections = self.regions.keep(self.detector.detect_crops(frame.image, roi))
            else:
                detections = self.detector.detect(frame.image)
            self.last_roi = roi
            if self.blobs is not None:  # vehicles the detector could not read
                detections = self.blobs.add_to(detections)
            timings["detect"] = (time.perf_counter() - t1) * 1e3
            t2 = time.perf_counter()
            tracks = self.tracker.update(detections, frame.image, frame.pts_s)
            self._people_tracked = bool(len(tracks)) and "person" in set(tracks.data.get("class_name", []))
            timings["track"] = (time.perf_counter() - t2) * 1e3
        elif motion.moving and prev_grey is not None and prev_grey.shape == self._grey.shape:
            # a stride skipped this frame: the tracks follow the picture to the next detection
            detections = empty_detections()
            tracks = self.tracker.follow(prev_grey, self._grey, frame.image, frame.pts_s)
        else:
            detections = empty_detections()
            if motion.moving:  # skipped by a stride with no previous frame to follow from
                hold = max(self.camera.motion.tracked_still_seconds, self.stride / self.fps)
            else:  # nothing moved: what the detector saw is still there, where it was (a parked car
                # is looked at again when the picture has drifted by a keyframe, still people sooner)
                hold = float("inf")
            tracks = self.tracker.predict(frame.pts_s, max_age_s=hold + 0.5 / self.fps, moving=motion.moving)
        hits: list[RuleHit] = []
        for rule in self.rules:
            if isinstance(rule, VehicleRules):
                rule.wall_time = frame.wall_time
            if isinstance(rule, PictureRules) and not look:
                continue
            if isinstance(rule, Watcher):
                rule.observe(frame.image, detections if run else None)
            hits.extend(rule.update(tracks, frame.pts_s))
        if self.tamper is not None:
            hits.extend(self.tamper.update(raw, frame.pts_s))
        records: list[TrackRecord] = []
        if self.track_records is not None:
            t3 = time.perf_counter()
            records = self.track_records.update(frame, tracks, run, self._at)
            timings["records"] = (time.perf_counter() - t3) * 1e3
        self._last_frame = frame
        events = [self._event(h, frame) for h in hits]
        timings["total"] = (time.perf_counter() - t0) * 1e3
        return FrameResult(frame, motion, run, detections, tracks, events, timings, records)

    def _at(self, pts_s: float) -> datetime:
        """The absolute UTC time of a stream time."""
        origin = self._origin or datetime.now(UTC)
        return (origin + timedelta(seconds=pts_s)).astimezone(UTC)

    def source_state(self, status: CameraStatus, t: float) -> list[Event]:
        """Tell the pipeline the source's state (signal loss is judged from it, not from pixels)."""
        if self.tamper is None or self._last_frame is None:
            return []
        return [self._event(h, self._last_frame) for h in self.tamper.on_source_state(status, t)]

    def finish(self) -> list[Event]:
        """Close the events still open when the stream ends."""
        if self._last_frame is None:
            return []
        hits = [h for rule in self.rules for h in rule.finish()]
        if self.tamper is not None:
            hits += self.tamper.finish(self._last_frame.pts_s)
        return [self._event(h, self._last_frame) for h in hits]

    def finish_records(self) -> list[TrackRecord]:
        """The last record of every track still open when the stream ends."""
        return self.track_records.finish(self._at) if self.track_records is not None else []

    def _event(self, hit: RuleHit, frame: Frame) -> Event:
        origin = self._origin or frame.wall_time
        snapshot = (
            snapshot_jpeg(
                frame.image, hit.boxes, f"{hit.type.value} {hit.zone or hit.details.get('kind', '')}"
            )
            if hit.phase == "start"
            else None
        )
        return Event(
            event_id=hit.event_id,
            phase=hit.phase,
            camera_id=self.camera.id,
            type=hit.type,
            severity=hit.severity,
            start_s=round(hit.start_s, 3),
            end_s=round(hit.end_s, 3),
            started_at=(origin + timedelta(seconds=hit.start_s)).astimezone(UTC),
            track_ids=hit.track_ids,
            boxes=hit.boxes,
            confidence=hit.confidence,
            zone=hit.zone,
            frame_index=frame.index,
            details=hit.details,
            snapshot_jpeg=snapshot,
            observed_at=frame.wall_time,
        )


_EXPLAINED = 0.2  # a motion region this much covered by tracked boxes is the tracked people moving


def _unexplained_motion(regions: tuple[tuple[int, int, int, int], ...], boxes: np.ndarray) -> bool:
    """Whether some motion lies (nearly) clear of the tracked boxes (grown by a quarter): a newcomer
    the detector must look at now rather than at its next stride. A motion region is the
    bounding box of a dilated blob, shadows and a group walking together included, so a region
    only a fifth covered by tracked people still counts as theirs."""
    if not regions:
        return False
    grown = boxes.copy()
    pad = np.column_stack([(boxes[:, 2] - boxes[:, 0]) * 0.25, (boxes[:, 3] - boxes[:, 1]) * 0.25])
    grown[:, :2] -= pad
    grown[:, 2:] += pad
    return bool((box_coverage(np.asarray(regions), grown).sum(axis=1) < _EXPLAINED).any())


def snapshot_jpeg(
    image: np.ndarray, boxes: tuple[tuple[float, float, float, float], ...], label: str
) -> bytes:
    """The frame as JPEG with the event's boxes drawn."""
    out = image.copy()
    for x1, y1, x2, y2 in boxes:
        cv2.rectangle(out, (int(x1), int(y1)), (int(x2), int(y2)), (0, 0, 255), 2)
        cv2.putText(
            out,
            label,
            (int(x1), max(12, int(y1) - 6)),
            cv2.FONT_HERSHEY_SIMPLEX,
            0.5,
            (0, 0, 255),
            1,
            cv2.LINE_AA,
        )
    ok, buf = cv2.imencode(".jpg", out, [cv2.IMWRITE_JPEG_QUALITY, 85])
    if not ok:  # pragma: no cover - encoding a valid BGR image does not fail
        raise RuntimeError("JPEG encoding failed")
    return buf.tobytes()
