"""Fall: a person who goes from standing to lying within a second or two and stays down.

Judged from person boxes: standing ones from the tracks, lying ones from the tracks and from the
detector's raw output (a person on the floor scores low). A box taller than wide (``upright_ratio``) is a standing person;
a box wider than tall (``lying_ratio``) and much lower than the standing box it replaced (``drop``)
and about as long as the person was tall (``min_length``: a stone or a bag is not) is a person
on the ground. The tracker often gives the lying person a new id (the box changed
shape completely) and the detector often loses them for a while, so the rule links a lying box to
any standing box seen at the same place within ``fall_s`` seconds, whatever its id. The alarm comes
once the person has stayed down ``down_s`` seconds: a standing box at the same spot (they got up)
cancels it before, and ends it after. Sitting and crouching keep the box taller than wide; lying
down on purpose takes longer than ``fall_s`` (sitting first), so neither is a fall.

The descent is measured against the person's own standing height: each track remembers its upright
boxes for ``stand_memory_s`` seconds, and a box counts as the start of a fall only when it is at
least ``full_height`` of the tallest upright box that track showed at the same depth (its feet within
a tenth of its height of the same picture row: people far from the camera look smaller). A
person who sits on a chair (a box still taller than wide, but a third shorter) and then lies down
has not come from standing within ``fall_s``, however fast the last move; a person who falls goes
from their full height to the floor within it.

A track lost while going down fast, low in the picture (the detector often stops boxing a person
mid-fall in the dark or on a patterned floor), is a candidate too, kept while the picture where
they would lie stays changed (``gwanje.analytics.fall_presence``).

Boxes alone mistake some postures for lying: a person stooping or sitting low near the camera, or
with the head cut off by the picture's edge, gives a wide short box. With ``pose_check`` the body
pose (``gwanje.vision.pose``, BlazePose on the candidate's box, so it runs only on the rare
candidates) decides before the alarm: a confident pose with the torso upright and of standing
length (sitting, kneeling), or with the hips still high over feet on the floor (stooping), is not
a person down; the check repeats while the candidate lasts, so a person who then goes down is
still caught. Where the pose is unsure (a lying body seen sideways, darkness) the boxes decide.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np
import supervision as sv

from gwanje.analytics.fall_presence import CHANGED, LOST_S, LostFalls, Picture
from gwanje.analytics.hits import RuleHit, class_mask, new_event_id
from gwanje.config import FallConfig
from gwanje.domain import EventType, Severity
from gwanje.vision.pose import Pose, PoseEstimator

Box = tuple[float, float, float, float]


@dataclass
class _Down:
    standing: Box  # the last standing box it came from
    fell_s: float  # when that box was last seen standing
    box: Box  # the latest lying box
    seen_s: float  # when a lying box was last seen here
    event_id: str | None = None
    checked_s: float | None = None  # when the pose was last looked at
    upright: bool = False  # what the pose said then
    reference: np.ndarray | None = None  # lost by the detector: the picture there before the fall
    stood: Box | None = None  # ... and where they stood in it


def _size(b: Box) -> tuple[float, float]:
    return b[2] - b[0], b[3] - b[1]


def _spot_overlap(a: Box, b: Box) -> bool:
    """Whether the two boxes share some of their horizontal extent (grown by half a width)."""
    pad = (a[2] - a[0]) / 2
    return min(a[2] + pad, b[2]) > max(a[0] - pad, b[0])


POSE_SCORE = 0.5  # below this the pose model is unsure a person is in the box: boxes decide
UPRIGHT_DEG = 35.0  # torso within this of vertical ...
TORSO_SHARE = 0.2  # ... and at least this share of the standing height long: sitting or kneeling
HIPS_HIGH = 0.4  # hips this share of the standing height over the floor, feet on it: stooping
CHECK_EVERY_S = 0.3
SAME_DEPTH = 0.1  # feet within this share of the height of the same picture row: same depth


def not_down(pose: Pose, standing: Box) -> bool:
    """Whether a confident pose shows a person who is not lying: upright torso of standing length,
    or hips high above the floor with the ankles on it. Proportions of a body, not fitted values."""
    if pose.score < POSE_SCORE:
        return False
    height = standing[3] - standing[1]
    floor = standing[3]
    hips, shoulders = pose.hips, pose.shoulders
    torso = hips[1] - shoulders[1]
    upright = (
        pose.torso_angle <= UPRIGHT_DEG and torso >= TORSO_SHARE * height and pose.head[1] < shoulders[1]
    )
    stooping = hips[1] <= floor - HIPS_HIGH * height and pose.lowest_ankle_y >= floor - 0.15 * height
    return bool(upright or stooping)


class FallRules:
    def __init__(
        self, config: FallConfig, classes: tuple[str, ...] = ("person",), pose: PoseEstimator | None = None
    ) -> None:
        self.config = config
        self.classes = list(classes)
        self._standing: deque[tuple[float, Box]] = deque()  # full-height upright boxes, last fall_s
        self._upright: dict[int, deque[tuple[float, Box]]] = {}  # per track, last stand_memory_s
        self._tall: dict[int, tuple[float, Box]] = {}  # per track, its last full-height box
        self._lost = LostFalls(config.fall_s)
        self.picture = Picture()
        self._down: list[_Down] = []
        self._raw: list[Box] = []
        self.pose = pose
        self._image: np.ndarray | None = None
        self.pose_runs = 0

    def observe(self, image: np.ndarray, detections: sv.Detections | None) -> None:
        """The detector's raw boxes of this frame: a person on the floor often scores too low to
        start a track, so lying boxes are taken from here as well as from the tracks."""
        self._image = image
        if detections is None:
            self._raw = []
            return
        self._raw = [tuple(map(float, b)) for b in detections.xyxy[class_mask(detections, self.classes)]]

    def update(self, tracks: sv.Detections, t: float) -> list[RuleHit]:
        c = self.config
        mask = class_mask(tracks, self.classes)
        boxes = [tuple(map(float, b)) for b in tracks.xyxy[mask]]
        ids = (
            [int(i) for i in tracks.tracker_id[mask]] if tracks.tracker_id is not None else [-1] * len(boxes)
        )
        ratios = [(b[3] - b[1]) / max(b[2] - b[0], 1e-6) for b in boxes]
        upright = [(i, b) for i, b, r in zip(ids, boxes, ratios, strict=True) if r >= c.upright_ratio]
        standing = [b for b, r in zip(boxes, ratios, strict=True) if r >= c.upright_ratio]
        lying = [b for b, r in zip(boxes, ratios, strict=True) if r <= c.lying_ratio]
        lying += [b for b in self._raw if (b[3] - b[1]) <= c.lying_ratio * (b[2] - b[0])]
        if self._image is not None:
            self.picture.observe(self._image, t)
        hits: list[RuleHit] = []
        for d in list(self._down):  # got up (a standing box where the person lay) or gone
            up = any(_spot_overlap(d.box, s) and _size(s)[1] >= _size(d.box)[1] / c.drop for s in standing)
            if d.reference is not None and d.seen_s < t:  # lost by the detector: still there?
                up = up or not self._still_there(d, boxes + self._raw, t)
            if up or t - d.seen_s > c.forget_s:
                self._down.remove(d)
                if d.event_id is not None:
                    hits.append(self._hit(d, "end", t, "got up" if up else "not seen"))
        for b in lying:
            known = next((d for d in self._down if _spot_overlap(d.box, b) or _spot_overlap(b, d.box)), None)
            if known is not None:
                known.box, known.seen_s, known.reference = b, t, None
                continue
            source = self._fell_from(b, t)
            if source is not None:
                self._down.append(_Down(source[1], source[0], b, t))
        people = {i: b for i, b in zip(ids, boxes, strict=True) if i >= 0}
        for f in self._lost.update(people, self._tall, t, self.picture):
            d = _Down(f.standing, f.lost_s, f.box, t - 1e-6, reference=f.reference, stood=f.stood)
            if self._still_there(d, boxes + self._raw, t) and not any(
                _spot_overlap(k.box, f.box) or _spot_overlap(f.box, k.box) for k in self._down
            ):
                self._down.append(d)
        for d in self._down:
            wait = max(c.down_s, LOST_S) if d.reference is not None else c.down_s
            if d.event_id is None and t - d.fell_s >= wait and not self._looks_up(d, t):
                d.event_id = new_event_id()
                hits.append(self._hit(d, "start", t))
        self._standing.extend((t, b) for i, b in upright if self._full_height(i, b, t))
        while self._standing and t - self._standing[0][0] > c.fall_s:
            self._standing.popleft()
        return hits

    def _full_height(self, track: int, box: Box, t: float) -> bool:
        """Remember the track's upright box; whether it is near the tallest the track showed at
        this depth lately (a seated person's box is a third shorter than their standing one)."""
        if track < 0:
            return True
        memory = self._upright.setdefault(track, deque())
        memory.append((t, box))
        while t - memory[0][0] > self.config.stand_memory_s:
            memory.popleft()
        for gone in [k for k, m in self._upright.items() if t - m[-1][0] > self.config.stand_memory_s]:
            del self._upright[gone]
            self._tall.pop(gone, None)
        h = _size(box)[1]
        tallest = max(
            (_size(b)[1] for _, b in memory if abs(b[3] - box[3]) <= SAME_DEPTH * _size(b)[1]), default=h
        )
        full = h >= self.config.full_height * tallest
        if full:
            self._tall[track] = (t, box)
        return full

    def _still_there(self, d: _Down, people: list[Box], t: float) -> bool:
        """A person the detector lost while falling: no box of someone not lying is on the spot
        (they are found again, crouching or up), and the picture there still differs from before."""
        c = self.config
        for b in people:
            w, h = _size(b)
            if (
                h > c.lying_ratio * w
                and (_spot_overlap(d.box, b) or _spot_overlap(b, d.box))
                and b[3] > d.box[1]
            ):
                return False
        if self.picture.changed(d.box, d.reference, d.stood) < CHANGED:
            return False
        d.seen_s = t
        return True

    def _looks_up(self, d: _Down, t: float) -> bool:
        """The pose's word on a candidate about to alarm (re-asked every CHECK_EVERY_S)."""
        if self.pose is None or self._image is None:
            return False
        if d.checked_s is None or t - d.checked_s >= CHECK_EVERY_S or t < d.checked_s:
            self.pose_runs += 1
            d.upright = not_down(self.pose.estimate(self._image, d.box), d.standing)
            d.checked_s = t
        return d.upright

    def _fell_from(self, lying: Box, t: float) -> tuple[float, Box] | None:
        """The latest standing box, seen within ``fall_s``, that this lying box could have been."""
        h = _size(lying)[1]
        for ts, s in reversed(self._standing):
            sw, sh = _size(s)
            if t - ts > self.config.fall_s:
                break
            below_head = s[1] - 0.1 * sh <= lying[3] <= s[3] + 0.5 * sh
            long_enough = lying[2] - lying[0] >= self.config.min_length * sh
            if h <= self.config.drop * sh and long_enough and _spot_overlap(s, lying) and below_head:
                return ts, s
        return None

    def _hit(self, d: _Down, phase: str, t: float, why: str = "") -> RuleHit:
        details: dict[str, object] = {"down_s": round(t - d.fell_s, 1)}
        if why:
            details["ended"] = why
        return RuleHit(
            d.event_id or "",
            phase,
            EventType.FALL,
            Severity(self.config.severity),
            None,
            d.fell_s,
            t,
            boxes=(d.box,),
            details=details,
        )

    def finish(self) -> list[RuleHit]:
        return [self._hit(d, "end", d.seen_s, "stream ended") for d in self._down if d.event_id]
