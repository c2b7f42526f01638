"""Body pose of a tracked person: BlazePose's landmark model on the person's box, top-down.

The model file ships inside the PyPI wheel ``mediapipe==0.10.21`` (Apache-2.0), installed
``--no-deps``; only ``mediapipe/modules/pose_landmark/pose_landmark_full.tflite`` is read (OpenVINO
reads TFLite), mediapipe's code is never imported. The tracker already says where each person
is, so the pose detector is not needed: each box is grown to a square around its centre (the
model expects the whole body with some margin), resized to 256x256, and the 33 landmarks come
back in picture coordinates with a visibility each and a score that a person is there at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import cv2
import numpy as np

from gwanje.vision.detectors.base import compile_openvino, installed_package_file

SIZE = 256
MARGIN = 1.25  # the square crop's side, as a share of the box's longer side
# BlazePose landmark numbers used by the rules
NOSE, LEFT_SHOULDER, RIGHT_SHOULDER, LEFT_HIP, RIGHT_HIP = 0, 11, 12, 23, 24
LEFT_ANKLE, RIGHT_ANKLE = 27, 28


@dataclass(frozen=True)
class Pose:
    points: np.ndarray  # (33, 2) x y in picture pixels
    visibility: np.ndarray  # (33,) 0-1
    score: float  # 0-1: a person is in the crop

    def mid(self, a: int, b: int) -> np.ndarray:
        return (self.points[a] + self.points[b]) / 2

    @property
    def hips(self) -> np.ndarray:
        return self.mid(LEFT_HIP, RIGHT_HIP)

    @property
    def shoulders(self) -> np.ndarray:
        return self.mid(LEFT_SHOULDER, RIGHT_SHOULDER)

    @property
    def head(self) -> np.ndarray:
        return self.points[NOSE]

    @property
    def lowest_ankle_y(self) -> float:
        return float(max(self.points[LEFT_ANKLE][1], self.points[RIGHT_ANKLE][1]))

    @property
    def torso_angle(self) -> float:
        """Degrees of the hips-to-shoulders line from upright (0 standing, 90 lying)."""
        dx, dy = self.shoulders - self.hips
        return float(np.degrees(np.arctan2(abs(dx), max(-dy, 1e-6))))


def model_path():
    return installed_package_file("mediapipe", "modules", "pose_landmark", "pose_landmark_full.tflite")


def square_crop(box: tuple[float, float, float, float]) -> tuple[float, float, float]:
    """The crop around a box: centre x, centre y and side, in picture pixels."""
    x1, y1, x2, y2 = box
    side = max(x2 - x1, y2 - y1) * MARGIN
    return (x1 + x2) / 2, (y1 + y2) / 2, max(side, 8.0)


@cache
def _compiled(path: str, precision: str):
    """One compiled model per process, shared by the cameras of a worker and their reconnects."""
    import openvino as ov

    return compile_openvino(ov.Core().read_model(path), precision=precision)


class PoseEstimator:
    """Compiled on first use: a camera whose fall rule never has a candidate never pays for it
    (the file's presence is checked at once, so a missing package shows at start). Each estimator
    has an infer request of its own, so camera threads never share one."""

    def __init__(self, precision: str = "auto") -> None:
        self.path, self.precision = model_path(), precision
        self._request = None

    @property
    def compiled(self):
        return _compiled(str(self.path), self.precision)

    def estimate(self, image: np.ndarray, box: tuple[float, float, float, float]) -> Pose:
        """The pose of the person in ``box`` (xyxy) of a BGR picture."""
        cx, cy, side = square_crop(box)
        scale = SIZE / side
        # the affine map from picture to crop; pixels outside the picture are black
        m = np.array([[scale, 0, SIZE / 2 - cx * scale], [0, scale, SIZE / 2 - cy * scale]], np.float32)
        crop = cv2.warpAffine(image, m, (SIZE, SIZE), flags=cv2.INTER_LINEAR, borderValue=(0, 0, 0))
        x = crop[:, :, ::-1].astype(np.float32)[None] / 255.0
        if self._request is None:
            self._request = self.compiled.create_infer_request()
        self._request.infer({0: x})
        landmarks = np.asarray(self._request.get_output_tensor(0).data, np.float32).reshape(-1, 5)[:33]
        score = float(np.asarray(self._request.get_output_tensor(1).data).ravel()[0])
        points = (landmarks[:, :2] - SIZE / 2) / scale + [cx, cy]
        visibility = 1.0 / (1.0 + np.exp(-landmarks[:, 3]))
        return Pose(points.astype(np.float32), visibility.astype(np.float32), score)
