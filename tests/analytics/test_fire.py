import numpy as np
import supervision as sv

from gwanje.analytics.fire import FireRules
from gwanje.config import FireConfig

EMPTY = sv.Detections.empty()


def play(frames, dt=0.2):
    rule, hits = FireRules(FireConfig()), []
    for i, image in enumerate(frames):
        rule.observe(image, None)
        hits += rule.update(EMPTY, i * dt)
    return hits


def with_patch(base, x, y, colour):
    img = base.copy()
    img[y : y + 40, x : x + 30] = colour
    return img


def test_a_flickering_flame_on_real_footage_alarms_with_its_box(vtest_frames):
    rng = np.random.default_rng(0)
    frames = []
    for f in vtest_frames[:40]:
        # flame colours whose brightness dances from frame to frame
        v = np.kron(rng.uniform(0.7, 1.0, (5, 3, 1)), np.ones((8, 10, 1)))  # tongues of 8x10 px
        flame = (np.array([40, 170, 255]) * v).astype(np.uint8)
        frames.append(with_patch(f.image, 500, 400, flame))
    hits = play(frames)
    assert [h.phase for h in hits] == ["start"]
    x1, y1, x2, y2 = hits[0].boxes[0]
    assert 490 <= x1 <= 505 and 525 <= x2 <= 540 and 390 <= y1 <= 405


def test_a_steady_orange_object_is_not_fire(vtest_frames):
    assert play([with_patch(f.image, 500, 400, (40, 170, 255)) for f in vtest_frames[:40]]) == []


def test_an_orange_object_moving_through_is_not_fire(vtest_frames):
    frames = [with_patch(f.image, 100 + 15 * i, 400, (40, 170, 255)) for i, f in enumerate(vtest_frames[:40])]
    assert play(frames) == []


def test_real_fire_footage_alarms(shared):
    from gwanje.video.source import VideoSource

    frames = [
        f.image
        for _, f in zip(
            range(30),
            VideoSource("h", str(shared("fire_furg") / "house6.mp4"), analysis_fps=5).frames(),
            strict=False,
        )
    ]
    assert [h.phase for h in play(frames)] == ["start"]
