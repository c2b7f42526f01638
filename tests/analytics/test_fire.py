import cv2
import numpy as np
import supervision as sv

from gwanje.analytics.fire import FireRules
from gwanje.config import FireConfig

EMPTY = sv.Detections.empty()


def play(frames, dt=0.2, config=None, plane=None):
    rule, hits = FireRules(config or FireConfig(), plane), []
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
    assert [h.phase for h in play(_house6(shared))] == ["start"]


def _house6(shared, n=30):
    from gwanje.video.source import VideoSource

    source = VideoSource("h", str(shared("fire_furg") / "house6.mp4"), analysis_fps=5)
    return [f.image for _, f in zip(range(n), source.frames(), strict=False)]


def _faded_purple(image):
    """A camera whose white balance casts the picture purple and whose colours are faint."""
    img = image.astype(np.float32) * np.float32([1.35, 0.75, 1.0])
    grey = img.mean(axis=2, keepdims=True)
    return np.clip(grey + 0.5 * (img - grey), 0, 255).astype(np.uint8)


def test_real_fire_through_a_colour_cast_alarms_only_with_the_scene_relative_colour(shared):
    """house6 cast purple and faded: no pixel passes the fixed flame-colour test, so the rule
    without the correction stays silent; brought back to neutral, the fire alarms."""
    frames = [_faded_purple(f) for f in _house6(shared)]
    assert play(frames, config=FireConfig(relative_colour=False)) == []
    assert [h.phase for h in play(frames)] == ["start"]


def test_scene_colour_undoes_a_cast_slowly_and_never_paints_a_grey_picture():
    from gwanje.vision.colour import SceneColour

    rng = np.random.default_rng(1)
    scene = rng.integers(60, 200, (120, 160, 1)).repeat(3, axis=2).astype(np.uint8)  # grey
    scene = np.clip(scene + rng.normal(0, 2, scene.shape), 0, 255).astype(np.uint8)
    grey = SceneColour()
    out = grey.normalise(cv2.blur(scene, (3, 3)), 0.0)  # as the fire rule gives it
    assert np.abs(out[..., 2].astype(int) - out[..., 0]).max() < 40  # noise stays noise
    # a cast appears: the gains move toward it over seconds, not at once
    colour = SceneColour()
    colour.normalise(scene, 0.0)
    cast = np.clip(scene * np.float32([1.4, 1.0, 0.7]), 0, 255).astype(np.uint8)
    colour.normalise(cast, 1.0)
    first = colour.gains
    assert first is not None and 0.8 < first.channels[0] / first.channels[2] < 0.95
    for t in range(2, 40):
        out = colour.normalise(cast, float(t))
    settled = colour.gains
    assert settled is not None and settled.channels[0] / settled.channels[2] < 0.6
    assert abs(float(out[..., 0].mean()) - float(out[..., 2].mean())) < 6  # neutral again


def _flickering(frames, x, y, w, h, seed=0):
    rng = np.random.default_rng(seed)
    out = []
    for f in frames:
        img = f.copy()
        v = rng.uniform(0.5, 1.0)  # the small flame brightens and dims as a whole
        img[y : y + h, x : x + w] = (np.array([40, 170, 255]) * v).astype(np.uint8)
        out.append(img)
    return out


def test_a_small_far_flame_counts_where_the_ground_calibration_says_the_view_is_far(vtest_frames):
    """A flame too small for min_area: with the camera's ground calibration it alarms far up the
    walkway, where a pixel spans many times more ground, and still not near the camera."""
    from gwanje.analytics.ground import GroundPlane

    plane = GroundPlane.from_points(
        [(200, 100), (568, 100), (768, 576), (0, 576)], [(0, 40), (6, 40), (6, 0), (0, 0)]
    )
    base = [f.image for f in vtest_frames[:40]]

    def alarms(frames, with_plane):
        return [h.phase for h in play(frames, plane=plane if with_plane else None)]

    far = _flickering(base, 380, 110, 12, 14)
    near = _flickering(base, 380, 540, 12, 14)
    assert alarms(far, with_plane=False) == []  # under min_area
    assert alarms(far, with_plane=True) == ["start"]
    assert alarms(near, with_plane=True) == []
    m = plane.metres_per_pixel(np.array([[384, 120], [384, 560], [384, -400]]))
    assert m[0] > 2 * m[1] and np.isinf(m[2])  # far spans more ground; beyond the horizon: none
