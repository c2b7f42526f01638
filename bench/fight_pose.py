"""Fight clips as a camera sees them: who the tracker finds, whether the fight gate opens, and
what the two people closest together do to each other (pose interaction features).

Used by bench/fight.py. Each clip is run at the analysis rate through the detector and tracker the
pipeline uses (YOLOv3-tiny 768x576, ByteTrack), and every tracked person who is close to another
(the gate's test, ``gwanje.analytics.fight.close_pairs``) gets a BlazePose pose on their box
(``gwanje.vision.pose``, top-down). Two things are measured from that:

1. **The gate.** The analyzer scores a window only while ``min_people`` people are tracked (two of
   them close together when ``min_people`` is 2), and needs a second of such frames in a row before
   its first score. ``gate_opens`` says whether that happens anywhere in the clip; a clip where it
   never does cannot alarm on a camera, whatever the classifier says.
2. **Pose interaction features** (issue 13, item 4), over the pair seen close most often, in units of
   the people's own height and per second:

   - limb speeds: wrists, elbows, ankles and knees relative to the person's own hips (a punch or a
     kick moves a limb fast against the body; walking moves it slowly);
   - strikes: a wrist or ankle of one moving fast while within reach of the other's head or torso;
   - approach and recoil: how the distance between the two changes, back and forth;
   - erratic centres: the hips' acceleration and turns of direction (shoving, stumbling);
   - bodies: how much the two boxes overlap (grappling), arms raised over the shoulders, torsos
     leaning, the pose model's confidence (tangled bodies read badly).

   ``interaction_vector`` turns a clip's ``FramePoses`` into ``POSE_FEATURES``; a clip without a
   close pair gives zeros with the ``paired`` share 0. bench/fight.py scores them stacked on the
   deep-feature SVM's grouped out-of-fold decision, with the grouped protocol.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

from gwanje.analytics.fight import FightGate, close_pairs
from gwanje.config import DetectorConfig, TrackerConfig
from gwanje.vision.detectors import create_detector
from gwanje.vision.pose import LEFT_HIP, LEFT_SHOULDER, NOSE, RIGHT_HIP, RIGHT_SHOULDER, PoseEstimator
from gwanje.vision.tracking import Tracker

WRISTS, ELBOWS, KNEES, ANKLES = (15, 16), (13, 14), (25, 26), (27, 28)
LIMBS = {"wrist": WRISTS, "elbow": ELBOWS, "ankle": ANKLES, "knee": KNEES}
REACH = 0.35  # a limb within this share of the attacker's height of the other's head or torso
FAST = 2.0  # heights per second: a limb moving this fast relative to the hips is a blow


@dataclass(frozen=True)
class PersonPose:
    track_id: int
    box: np.ndarray  # xyxy
    points: np.ndarray | None  # (33, 2) picture pixels; None: not posed (close to nobody)
    score: float


@dataclass(frozen=True)
class FramePoses:
    t: float
    people: tuple[PersonPose, ...]  # the tracked people
    detected: np.ndarray  # (N, 4) the detector's raw person boxes of the frame


def main_pair(window: list[FramePoses]) -> tuple[int, int] | None:
    """The two track ids seen close together in the most frames of the window."""
    counts: Counter[tuple[int, int]] = Counter()
    for frame in window:
        boxes = np.array([p.box for p in frame.people]).reshape(-1, 4)
        for i, j in close_pairs(boxes):
            a, b = frame.people[i].track_id, frame.people[j].track_id
            counts[min(a, b), max(a, b)] += 1
    return counts.most_common(1)[0][0] if counts else None


def _height(p: PersonPose) -> float:
    return max(float(p.box[3] - p.box[1]), 1.0)


def _hips(p: PersonPose) -> np.ndarray:
    return (p.points[LEFT_HIP] + p.points[RIGHT_HIP]) / 2


def _target(p: PersonPose) -> tuple[np.ndarray, np.ndarray]:
    """Head and torso centre of the person being struck."""
    shoulders = (p.points[LEFT_SHOULDER] + p.points[RIGHT_SHOULDER]) / 2
    return p.points[NOSE], (shoulders + _hips(p)) / 2


def _iou(a: np.ndarray, b: np.ndarray) -> float:
    w = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    h = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = w * h
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return float(inter / union) if union > 0 else 0.0


def _stats(values: list[float]) -> tuple[float, float]:
    return (float(np.max(values)), float(np.mean(values))) if values else (0.0, 0.0)


POSE_FEATURES = (
    "paired",
    *(f"{limb}_{s}" for limb in LIMBS for s in ("max", "mean")),
    "strike_max",
    "strike_share",
    "distance_mean",
    "distance_min",
    "distance_change",
    "distance_turns",
    "centre_accel_max",
    "centre_accel_mean",
    "centre_turns",
    "overlap_mean",
    "overlap_max",
    "arms_up",
    "lean_mean",
    "pose_score",
)


def interaction_vector(window: list[FramePoses]) -> np.ndarray:
    """The window's interaction features, in the order of ``POSE_FEATURES``."""
    pair = main_pair(window)
    out = dict.fromkeys(POSE_FEATURES, 0.0)
    if pair is None:
        return np.zeros(len(POSE_FEATURES), np.float32)
    seq: list[tuple[float, PersonPose, PersonPose]] = []
    for frame in window:
        by_id = {p.track_id: p for p in frame.people}
        if pair[0] in by_id and pair[1] in by_id and all(by_id[i].points is not None for i in pair):
            seq.append((frame.t, by_id[pair[0]], by_id[pair[1]]))
    out["paired"] = len(seq) / len(window)
    if not seq:
        return np.array([out[name] for name in POSE_FEATURES], np.float32)
    limb_speeds: dict[str, list[float]] = {k: [] for k in LIMBS}
    strikes, distances, overlaps, arms, leans, scores = [], [], [], [], [], []
    centres: dict[int, list[tuple[float, np.ndarray]]] = {0: [], 1: []}
    for k, (t, a, b) in enumerate(seq):
        height = (_height(a) + _height(b)) / 2
        distances.append(float(np.linalg.norm(_hips(a) - _hips(b))) / height)
        overlaps.append(_iou(a.box, b.box))
        for n, p in enumerate((a, b)):
            centres[n].append((t, _hips(p) / _height(p)))
            shoulders_y = (p.points[LEFT_SHOULDER][1] + p.points[RIGHT_SHOULDER][1]) / 2
            arms.append(float(min(p.points[w][1] for w in WRISTS) < shoulders_y))
            dx, dy = (p.points[LEFT_SHOULDER] + p.points[RIGHT_SHOULDER]) / 2 - _hips(p)
            leans.append(float(np.degrees(np.arctan2(abs(dx), max(-dy, 1e-6)))) / 90)
            scores.append(p.score)
        if k == 0:
            continue
        t0, a0, b0 = seq[k - 1]
        dt = max(t - t0, 1e-3)
        struck = 0.0
        for p, p0, other in ((a, a0, b), (b, b0, a)):
            h = _height(p)
            rel, rel0 = p.points - _hips(p), p0.points - _hips(p0)
            head, torso = _target(other)
            for limb, joints in LIMBS.items():
                for j in joints:
                    speed = float(np.linalg.norm(rel[j] - rel0[j])) / h / dt
                    limb_speeds[limb].append(speed)
                    if limb in ("wrist", "ankle"):
                        reach = (
                            min(np.linalg.norm(p.points[j] - head), np.linalg.norm(p.points[j] - torso)) / h
                        )
                        if reach <= REACH:
                            struck = max(struck, speed)
        strikes.append(struck)
    for limb, speeds in limb_speeds.items():
        out[f"{limb}_max"], out[f"{limb}_mean"] = _stats(speeds)
    out["strike_max"] = max(strikes, default=0.0)
    out["strike_share"] = float(np.mean([s >= FAST for s in strikes])) if strikes else 0.0
    if distances:
        d = np.array(distances)
        out["distance_mean"], out["distance_min"] = float(d.mean()), float(d.min())
        steps = np.diff(d)
        out["distance_change"] = float(np.abs(steps).mean()) if len(steps) else 0.0
        out["distance_turns"] = float(np.mean(np.diff(np.sign(steps)) != 0)) if len(steps) > 1 else 0.0
    accels, turns = [], []
    for track in centres.values():
        if len(track) < 3:
            continue
        ts = np.array([t for t, _ in track])
        xy = np.array([c for _, c in track])
        v = np.diff(xy, axis=0) / np.maximum(np.diff(ts), 1e-3)[:, None]
        acc = np.linalg.norm(np.diff(v, axis=0), axis=1) / np.maximum(np.diff(ts[1:]), 1e-3)
        accels.extend(acc.tolist())
        dots = (v[1:] * v[:-1]).sum(axis=1)
        turns.extend((dots < 0).astype(float).tolist())
    out["centre_accel_max"], out["centre_accel_mean"] = _stats(accels)
    out["centre_turns"] = float(np.mean(turns)) if turns else 0.0
    out["overlap_max"], out["overlap_mean"] = _stats(overlaps)
    out["arms_up"] = float(np.mean(arms)) if arms else 0.0
    out["lean_mean"] = float(np.mean(leans)) if leans else 0.0
    out["pose_score"] = float(np.mean(scores)) if scores else 0.0
    return np.array([out[name] for name in POSE_FEATURES], np.float32)


def clip_people(frames, fps: float) -> list[FramePoses]:
    """One clip's frames through the pipeline's detector and tracker, with a pose for every tracked
    person close to another."""
    detector, pose = _models()
    tracker = Tracker(TrackerConfig(), fps)
    out = []
    for i, image in enumerate(frames):
        t = i / fps
        detections = detector.detect(image)
        tracks = tracker.update(detections, image, t)
        near = {k for pair in close_pairs(tracks.xyxy) for k in pair}
        people = []
        for k in range(len(tracks)):
            box = tracks.xyxy[k].astype(np.float32)
            if k in near:
                p = pose.estimate(image, tuple(map(float, box)))
                people.append(PersonPose(int(tracks.tracker_id[k]), box, p.points, p.score))
            else:
                people.append(PersonPose(int(tracks.tracker_id[k]), box, None, 0.0))
        out.append(FramePoses(t, tuple(people), detections.xyxy.astype(np.float32)))
    return out


@cache
def _models():
    """The pipeline's default person detector and the pose model, made once."""
    return create_detector(DetectorConfig(classes=["person"])), PoseEstimator()


def all_clip_people(paths: list[Path], sampled, fps: float) -> tuple[list[list[FramePoses]], float]:
    """Every clip's tracked people and poses, and the milliseconds a frame it took."""
    t0, frames = time.perf_counter(), 0
    out = []
    for path in paths:
        out.append(clip_people(sampled(path, fps), fps))
        frames += len(out[-1])
    return out, (time.perf_counter() - t0) / max(frames, 1) * 1e3


def gate_opens(clip: list[FramePoses], min_people: int, hold_s: float, run: int) -> bool:
    """Whether the analyzer's gate (``FightGate``) holds for ``run`` analysed frames in a row
    somewhere in the clip (its first frame after the gate opens only primes the flow, and it scores
    once it has a second of frame vectors)."""
    gate, held = FightGate(min_people, hold_s), 0
    for frame in clip:
        tracked = np.array([p.box for p in frame.people], np.float32).reshape(-1, 4)
        held = held + 1 if gate.update(tracked, frame.detected, frame.t) else 0
        if held >= run:
            return True
    return False


def pose_matrix(clips: list[list[FramePoses]]) -> np.ndarray:
    return np.nan_to_num(np.stack([interaction_vector(c) for c in clips]))
