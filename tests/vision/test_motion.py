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


def test_keyframe_looks_again_at_a_still_scene_only_once_the_picture_has_drifted(vtest_frames):
    gate = MotionGate(MotionConfig(keyframe_seconds=5))
    still = vtest_frames[0].image
    detect_times = [t * 0.2 for t in range(60) if gate.update(still, t * 0.2).detect]
    assert detect_times == [0.0]  # the same picture: the detector would say the same
    drifting = []
    for t in range(60, 120):  # dusk: half a grey level a frame, too slow to be motion
        dim = (still.astype(np.int16) - (t - 60) // 2).clip(0, 255).astype(np.uint8)
        r = gate.update(dim, t * 0.2)
        assert not r.moving
        if r.detect:
            drifting.append(round(t * 0.2, 1))
    assert drifting == [20.0]  # from 12 s: 7 levels off at the 15 s keyframe (not yet), 20 at 20 s


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
