import numpy as np

from gwanje.config import MotionConfig
from gwanje.vision.motion import MotionGate


def test_still_scene_needs_no_detection_after_the_first_frame(vtest_frames):
    gate = MotionGate(MotionConfig(keyframe_seconds=0))
    still = vtest_frames[0].image
    results = [gate.update(still, t * 0.2) for t in range(30)]
    assert results[0].detect  # first frame: nothing known yet
    assert not any(r.detect for r in results[1:])
    assert all(r.score == 0 for r in results[1:])


def test_keyframe_forces_a_periodic_detection_on_a_still_scene(vtest_frames):
    gate = MotionGate(MotionConfig(keyframe_seconds=5))
    still = vtest_frames[0].image
    detect_times = [t * 0.2 for t in range(60) if gate.update(still, t * 0.2).detect]
    assert detect_times == [0.0, 5.0, 10.0]


def test_people_walking_are_motion_with_regions_around_them(vtest_frames):
    gate = MotionGate(MotionConfig())
    for f in vtest_frames[:5]:
        r = gate.update(f.image, f.pts_s)
    assert r.moving and r.regions
    for x1, y1, x2, y2 in r.regions:
        assert 0 <= x1 < x2 <= 768 and 0 <= y1 < y2 <= 576


def test_masked_area_is_ignored(vtest_frames):
    full = [[0, 0], [768, 0], [768, 576], [0, 576]]
    gate = MotionGate(MotionConfig(masks=[full], keyframe_seconds=0))
    out = [gate.update(f.image, f.pts_s) for f in vtest_frames[:10]]
    assert not any(r.moving for r in out[1:])


def test_sudden_change_is_motion():
    gate = MotionGate(MotionConfig(keyframe_seconds=0))
    dark = np.zeros((240, 320, 3), np.uint8)
    gate.update(dark, 0.0)
    assert not gate.update(dark, 0.2).detect
    bright = dark.copy()
    bright[100:140, 100:140] = 255
    r = gate.update(bright, 0.4)
    assert r.detect and r.moving
    ((x1, y1, x2, y2),) = r.regions
    assert x1 <= 100 and y1 <= 100 and x2 >= 140 and y2 >= 140
