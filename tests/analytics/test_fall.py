import dataclasses
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest
import supervision as sv

from gwanje.analytics.fall import FallRules
from gwanje.config import FallConfig

STAND = (100, 50, 140, 170)  # 40 wide, 120 tall
LIE = (60, 130, 180, 175)  # 120 wide, 45 tall, where the person stood


def boxes(*xyxy):
    n = len(xyxy)
    return sv.Detections(
        xyxy=np.asarray(xyxy, np.float32).reshape(-1, 4),
        confidence=np.full(n, 0.9, np.float32),
        class_id=np.zeros(n, int),
        tracker_id=np.arange(1, n + 1),
        data={"class_name": np.array(["person"] * n, dtype=object)},
    )


def play(rule, script, dt=0.2):
    """script: (seconds, box or None); returns (time, phase) of every hit."""
    out, t = [], 0.0
    for seconds, box in script:
        for _ in range(round(seconds / dt)):
            hits = rule.update(boxes(box) if box else boxes(), t)
            out += [(round(t, 1), h.phase) for h in hits]
            t += dt
    return out


def test_fast_fall_that_stays_down_alarms_after_down_time_and_ends_when_up():
    hits = play(FallRules(FallConfig(down_s=2.0)), [(2, STAND), (0.4, None), (4, LIE), (1, STAND)])
    assert [p for _, p in hits] == ["start", "end"]
    assert hits[0][0] == pytest.approx(3.8, abs=0.01)  # last seen standing at 1.8 s, then down 2 s
    assert hits[1][0] == pytest.approx(6.4, abs=0.01)


def test_getting_up_before_down_time_cancels():
    assert play(FallRules(FallConfig(down_s=3.0)), [(2, STAND), (1.4, LIE), (3, STAND)]) == []


def test_lying_down_slowly_is_not_a_fall():
    sit = (95, 110, 155, 175)  # sitting: taller than wide, lower
    assert play(FallRules(FallConfig(down_s=1.0)), [(2, STAND), (3, sit), (5, LIE)]) == []


def test_lying_down_from_a_chair_is_not_a_fall_even_when_quick():
    # seated facing the camera: still taller than wide (84/60 = 1.4) but 0.7 of the standing height
    seated = (90, 86, 150, 170)
    script = [(2, STAND), (3, seated), (0.4, None), (3, LIE)]
    assert play(FallRules(FallConfig(down_s=1.0)), script) == []
    # the same moves, judged by box shape alone (every upright box counts as standing), would alarm
    assert play(FallRules(FallConfig(down_s=1.0, full_height=0.01)), script) != []


def test_a_fall_through_a_shorter_upright_box_still_alarms():
    halfway = (98, 90, 150, 170)  # mid-fall: still taller than wide, already lower
    hits = play(FallRules(FallConfig(down_s=1.0)), [(2, STAND), (0.2, halfway), (3, LIE)])
    assert [p for _, p in hits] == ["start"]


def test_a_small_object_at_the_feet_is_not_a_fallen_person():
    stone = (110, 150, 140, 172)  # wider than tall but far shorter than the person
    rule = FallRules(FallConfig(down_s=1.0))
    out, t = [], 0.0
    for i in range(40):
        out += rule.update(boxes(STAND, stone) if i < 10 else boxes(stone), t)
        t += 0.2
    assert out == []


@pytest.mark.parametrize(("clip", "falls"), [("fall-04", 1), ("adl-10", 0)])
def test_real_urfd_clips(shared, clip, falls):
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
    from fall import BENCH_FALL, camera

    from gwanje.pipeline import CameraPipeline
    from gwanje.video.source import VideoSource

    cam = camera(BENCH_FALL, 10, 416, 320, str(shared("fall_urfd") / "videos" / f"{clip}-cam0.mp4"))
    pipe, got = CameraPipeline(cam), 0
    for frame in VideoSource(cam.id, cam.url, analysis_fps=10).frames():
        events = pipe.process(dataclasses.replace(frame, image=frame.image[:, 320:].copy())).events
        got += sum(e.type == "fall" and e.phase == "start" for e in events)
    assert got == falls


def body(head, shoulders, hips, ankles, score=0.9):
    """A pose from a few joints (x, y); the others sit at the hips."""
    from gwanje.vision.pose import Pose

    pts = np.tile(np.asarray(hips, np.float32), (33, 1))
    pts[0] = head
    pts[11] = pts[12] = shoulders
    pts[23] = pts[24] = hips
    pts[27] = pts[28] = ankles
    return Pose(pts, np.ones(33, np.float32), score)


STANDING_BOX = (100, 0, 140, 200)  # 200 px tall, feet on the floor at y = 200


@pytest.mark.parametrize(
    ("pose", "up"),
    [
        (body((120, 110), (120, 125), (120, 170), (150, 195)), True),  # sitting: upright torso, hips low
        (body((80, 120), (95, 110), (125, 95), (125, 198)), True),  # stooping: hips high, feet down
        (body((40, 185), (60, 185), (110, 188), (170, 192)), False),  # lying along the floor
        (body((120, 110), (120, 125), (120, 170), (150, 195), score=0.2), False),  # unsure: boxes decide
    ],
)
def test_pose_tells_sitting_and_stooping_from_lying(pose, up):
    from gwanje.analytics.fall import not_down

    assert not_down(pose, STANDING_BOX) is up


class FixedPose:
    def __init__(self, pose):
        self.pose, self.calls = pose, 0

    def estimate(self, image, box):
        self.calls += 1
        return self.pose


def test_pose_check_holds_the_alarm_while_the_person_is_upright_and_lets_it_go_when_down():
    sitting = body((120, 110), (120, 125), (120, 170), (150, 195))
    lying = body((40, 185), (60, 185), (110, 188), (170, 192))
    model = FixedPose(sitting)
    rule = FallRules(FallConfig(down_s=1.0), pose=model)
    image = np.zeros((240, 320, 3), np.uint8)
    out, t = [], 0.0
    for i in range(60):
        box = STAND if i < 10 else LIE
        if i == 40:
            model.pose = lying  # the person who sat low now lies down
        rule.observe(image, None)
        out += [(round(t, 1), h.phase) for h in rule.update(boxes(box), t)]
        t += 0.2
    assert [p for _, p in out] == ["start"]
    assert out[0][0] == pytest.approx(8.0, abs=0.01)  # not at 2.8 s (down 1 s) while sitting
    assert 10 <= model.calls <= 16  # about every 0.3 s while held (every other frame here), not each frame


def test_low_light_equalisation_brightens_a_dark_frame_and_keeps_its_size():
    from gwanje.vision.enhance import LowLight

    rng = np.random.default_rng(1)
    dark = (rng.uniform(0, 40, (120, 160, 3))).astype(np.uint8)
    out = LowLight()(dark)
    assert out.shape == dark.shape and out.dtype == np.uint8
    assert out.mean() > dark.mean() + 20 and out.std() > dark.std()


def test_low_light_auto_leaves_lit_frames_alone():
    from gwanje.vision.enhance import LowLight

    lit = np.full((48, 64, 3), 120, np.uint8)
    lit[10:20, 10:20] = 30
    auto = LowLight(only_when_dark=True)
    assert auto(lit) is lit
    dark = np.random.default_rng(2).uniform(0, 40, (96, 128, 3)).astype(np.uint8)
    assert auto.is_dark(dark) and auto(dark).mean() > dark.mean() + 20


def _scene(person=None):
    """A textured grey floor with a dark body drawn where ``person`` (xyxy) says."""
    rng = np.random.default_rng(1)
    image = np.clip(120 + rng.normal(0, 25, (240, 320, 1)), 0, 255).astype(np.uint8).repeat(3, axis=2)
    image = cv2.GaussianBlur(image, (7, 7), 0)
    if person is not None:
        x1, y1, x2, y2 = map(int, person)
        image[y1:y2, x1:x2] = 30
    return image


def _lost_fall(after):
    """Stand 2 s, go down fast (the tracker follows the first half), lost; then ``after``."""
    rule, hits, t = FallRules(FallConfig(down_s=0.3)), [], 0.0
    going = [(100, 50 + 12 * k, 140, 170) for k in range(4)]  # the head comes down 36 px in 0.4 s
    script = [(STAND, STAND)] * 10 + [(b, b) for b in going] + [(None, after)] * 15
    for tracked, drawn in script:
        rule.observe(_scene(drawn), None)
        hits += [h.phase for h in rule.update(boxes(tracked) if tracked else boxes(), t)]
        t += 0.1
    return hits


def test_a_person_lost_while_falling_counts_while_the_floor_shows_them():
    assert _lost_fall(after=LIE) == ["start"]


def test_a_lost_person_whose_spot_looks_as_before_is_not_a_fall():
    assert _lost_fall(after=None) == []
