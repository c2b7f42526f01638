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
    assert Counting.calls == 2  # t=0 and the 10 s keyframe


@pytest.mark.slow
def test_stride_skips_detection_but_rules_still_see_tracks(vtest_frames, yolo):
    cam = CameraConfig(id="c", url="x.avi", analysis_fps=10, detector={"stride": 2, "classes": ["person"]})
    pipe = CameraPipeline(cam, detector=yolo, fps=10)
    results = [pipe.process(f) for f in vtest_frames[:40]]
    ran = sum(r.detected for r in results)
    assert 20 <= ran < 30  # about every other frame (newcomers force a few extra)
    skipped = [r for r in results[5:] if not r.detected]
    assert skipped and all(len(r.tracks) >= 3 for r in skipped)
