from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from gwanje.config import CameraConfig
from gwanje.pipeline import CameraPipeline, _unexplained_motion


@pytest.mark.parametrize(
    ("regions", "expected"),
    [
        ((), False),
        (((100, 100, 140, 220),), False),  # motion on a tracked person
        (((400, 100, 440, 220),), True),  # motion where nobody is tracked: a newcomer
        (((100, 100, 140, 220), (400, 100, 440, 220)), True),
    ],
)
def test_unexplained_motion(regions, expected):
    boxes = np.array([[100, 100, 140, 220]], np.float32)
    assert _unexplained_motion(regions, boxes) is expected


@pytest.mark.slow
def test_still_scene_runs_no_inference_after_keyframe(vtest_frames):
    """An empty still scene: the detector runs on the first frame and then only every keyframe."""

    class Counting:
        name, class_names = "count", ["person"]
        calls = 0

        def detect(self, image):
            from gwanje.vision.detectors.base import empty_detections

            Counting.calls += 1
            return empty_detections()

    cam = CameraConfig(id="c", url="x.avi")
    pipe = CameraPipeline(cam, detector=Counting())
    still = vtest_frames[0]
    from dataclasses import replace

    for k in range(100):  # 20 s at 5 fps
        pipe.process(replace(still, index=k, pts_s=k * 0.2))
    assert Counting.calls == 1  # t=0 only: the same picture at the keyframes gives the same answer
    # the light fades slowly (too slowly for the motion gate's background to call it motion):
    # the picture drifts from what the detector saw, so the keyframes run
    for k in range(100, 201):
        dim = (still.image.astype(np.int16) - (k - 100) // 2).clip(0, 255).astype(np.uint8)
        result = pipe.process(replace(still, index=k, pts_s=k * 0.2, image=dim))
        assert not result.motion.moving
    assert Counting.calls == 3  # the 30 s and 40 s keyframes


@pytest.mark.slow
def test_stride_skips_detection_but_rules_still_see_tracks(vtest_frames, yolo):
    cam = CameraConfig(id="c", url="x.avi", analysis_fps=10, detector={"stride": 2, "classes": ["person"]})
    pipe = CameraPipeline(cam, detector=yolo, fps=10)
    results = [pipe.process(f) for f in vtest_frames[:40]]
    ran = sum(r.detected for r in results)
    assert 20 <= ran < 40  # at most every other frame skipped; newcomers' motion forces detection
    skipped = [i for i in range(5, 40) if not results[i].detected]
    assert skipped
    for i in skipped:  # the same people, followed by optical flow from the frame before
        r, before = results[i], results[i - 1]
        assert len(r.tracks) >= 3 and len(r.detections) == 0
        assert set(r.tracks.tracker_id) <= set(before.tracks.tracker_id)


@pytest.mark.slow
def test_a_parked_car_in_a_still_scene_stays_tracked_between_keyframes(vtest_frames):
    """Nothing moves, so the detector runs once; the car it saw is still there after, and staying
    20 s in a no-parking zone raises illegal parking."""
    import supervision as sv

    class OneCar:
        name, class_names = "car", ["car"]
        calls = 0

        def detect(self, image):
            OneCar.calls += 1
            return sv.Detections(
                xyxy=np.array([[300, 300, 420, 380]], np.float32),
                confidence=np.array([0.9], np.float32),
                class_id=np.array([2]),
                data={"class_name": np.array(["car"], dtype=object)},
            )

    h, w = vtest_frames[0].image.shape[:2]
    cam = CameraConfig(
        id="c",
        url="x.avi",
        zones=[{"name": "bus stop", "polygon": [[0, 0], [w, 0], [w, h], [0, h]], "rules": ["no_parking"]}],
        parking={"no_parking_s": 20},
        tamper={"enabled": False},
    )
    pipe = CameraPipeline(cam, detector=OneCar())
    from dataclasses import replace

    results = [pipe.process(replace(vtest_frames[0], index=k, pts_s=k * 0.2)) for k in range(150)]
    assert OneCar.calls == 1  # t=0: the picture never changes, so neither does the answer
    assert all(len(r.tracks) == 1 for r in results)
    assert all(r.tracks.xyxy[0].tolist() == [300, 300, 420, 380] for r in results)  # left where it was
    starts = [(e.type.value, e.start_s, e.end_s) for r in results for e in r.events if e.phase == "start"]
    assert starts == [("illegal_parking", 0.0, 20.0)]


@pytest.mark.slow
def test_a_car_the_detector_cannot_read_parks_and_the_blob_fallback_reports_it():
    """Seen straight down the model finds nothing; the motion blob of a car that drives in and
    stops in a no-parking zone is tracked as a vehicle and raises illegal parking."""
    import cv2

    class Blind:
        name, class_names = "blind", ["car"]

        def detect(self, image):
            from gwanje.vision.detectors.base import empty_detections

            return empty_detections()

    rng = np.random.default_rng(5)
    road = cv2.GaussianBlur(rng.integers(60, 100, (432, 768, 3), dtype=np.uint8), (5, 5), 0)
    cam = CameraConfig(
        id="c",
        url="x.avi",
        zones=[
            {
                "name": "fire lane",
                "polygon": [[0, 0], [768, 0], [768, 432], [0, 432]],
                "rules": ["no_parking"],
            }
        ],
        parking={"no_parking_s": 20},
        vehicle_blobs={"enabled": True},
        tamper={"enabled": False},
        fire={"enabled": False},
        abandoned={"enabled": False},
    )
    pipe = CameraPipeline(cam, detector=Blind())
    from gwanje.domain import Frame

    events, t0 = [], datetime(2026, 12, 1, tzinfo=UTC)
    for k in range(5 * 45):
        t = k / 5
        img = road.copy()
        if t >= 12:  # drives in from the left for 3 s, then stays
            x = int(min(300, 100 * (t - 12)))
            img[150:250, x : x + 180] = (210, 210, 215)
            img[165:235, x + 120 : x + 150] = (40, 40, 45)  # the windscreen
        r = pipe.process(Frame("c", k, t, t0 + timedelta(seconds=t), img))
        events += [(e.type.value, e.phase, e.start_s) for e in r.events]
        if t >= 16:
            assert [n for n in r.tracks.data["class_name"]] == ["vehicle"], t
    assert [(typ, phase) for typ, phase, _ in events] == [("illegal_parking", "start")]
    assert 14.5 <= events[0][2] <= 16.0  # still from when it stopped


def test_split_keeps_one_region_for_one_group_and_two_for_two_far_apart():
    from gwanje.vision.regions import split as _split

    one = np.array([[100, 100, 200, 300], [150, 120, 260, 320]], float)
    assert [r.tolist() for r in _split(one, 2)] == [[100, 100, 260, 320]]
    two = np.array([[0, 0, 100, 200], [40, 20, 120, 220], [600, 300, 700, 500]], float)
    assert sorted(r.tolist() for r in _split(two, 2)) == [[0, 0, 120, 220], [600, 300, 700, 500]]
    assert len(_split(two, 1)) == 1


@pytest.mark.slow
def test_detector_looks_around_motion_and_tracks_and_at_the_whole_frame_now_and_then(vtest_frames, yolo):
    cam = CameraConfig(
        id="c", url="x.avi", analysis_fps=10, detector={"classes": ["person"], "roi": {"full_frame_s": 2.0}}
    )
    pipe = CameraPipeline(cam, detector=yolo, fps=10)
    rois = []
    for f in vtest_frames[:45]:
        r = pipe.process(f)
        rois.append(pipe.last_roi)
        if pipe.last_roi is not None:  # every track lies inside what the detector looked at
            for x1, y1, x2, y2 in r.tracks.xyxy:
                assert any(a <= x1 and b <= y1 and x2 <= c and y2 <= d for a, b, c, d in pipe.last_roi)
    whole = [k for k, roi in enumerate(rois) if roi is None]
    assert whole[:1] == [0] and 20 in whole and 40 in whole  # the first frame, then every 2 s
    looked = [sum((c - a) * (d - b) for a, b, c, d in roi) / (768 * 576) for roi in rois if roi]
    assert looked and max(looked) < 0.7 and np.mean(looked) < 0.6
