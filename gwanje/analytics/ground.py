"""The ground plane: an image-to-ground homography from four or more marked points.

A site marks points on the camera image whose positions on the ground it knows (metres, from a
site plan or a tape measure). From them the homography maps where a person stands (the bottom
centre of their box) to metres, and a zone's polygon to its area in square metres.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from gwanje.config import GroundConfig


@dataclass(frozen=True)
class GroundPlane:
    image_to_ground: np.ndarray  # 3x3

    @classmethod
    def from_points(
        cls, image_points: list[tuple[float, float]], ground_points: list[tuple[float, float]]
    ) -> GroundPlane:
        img = np.asarray(image_points, np.float64)
        gnd = np.asarray(ground_points, np.float64)
        if len(img) != len(gnd) or len(img) < 4:
            raise ValueError("a ground calibration needs at least 4 image points and as many ground points")
        h, _ = cv2.findHomography(img, gnd, 0 if len(img) == 4 else cv2.RANSAC)
        if h is None or not np.isfinite(h).all() or abs(np.linalg.det(h)) < 1e-12:
            raise ValueError("the calibration points are degenerate (three of them on one line?)")
        return cls(h)

    @classmethod
    def from_config(cls, config: GroundConfig) -> GroundPlane:
        return cls.from_points(config.image_points, config.ground_points)

    def to_ground(self, points: np.ndarray) -> np.ndarray:
        """Image points ``(N, 2)`` to ground points in metres ``(N, 2)``."""
        pts = np.asarray(points, np.float64).reshape(-1, 1, 2)
        if not len(pts):
            return np.zeros((0, 2))
        return cv2.perspectiveTransform(pts, self.image_to_ground).reshape(-1, 2)

    def metres_per_pixel(self, points: np.ndarray) -> np.ndarray:
        """The ground length one image pixel spans at each image point ``(N, 2)`` (the square root
        of the ground area of the pixel there); inf where the point is not on the ground (above
        the horizon)."""
        pts = np.asarray(points, np.float64).reshape(-1, 2)
        h = self.image_to_ground
        w = np.column_stack([pts, np.ones(len(pts))]) @ h[2]
        at, right, down = self.to_ground(pts), self.to_ground(pts + [1, 0]), self.to_ground(pts + [0, 1])
        a, b = right - at, down - at
        area = np.abs(a[:, 0] * b[:, 1] - a[:, 1] * b[:, 0])
        return np.where((w > 0) & np.isfinite(area), np.sqrt(area), np.inf)

    def area_m2(self, polygon: list[tuple[float, float]]) -> float:
        """Ground area of an image polygon, in square metres."""
        g = self.to_ground(np.asarray(polygon))
        x, y = g[:, 0], g[:, 1]
        return float(abs(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))) / 2)


def feet(xyxy: np.ndarray) -> np.ndarray:
    """Bottom centres of boxes: where people stand."""
    xyxy = np.asarray(xyxy, np.float64).reshape(-1, 4)
    return np.column_stack([(xyxy[:, 0] + xyxy[:, 2]) / 2, xyxy[:, 3]])


def inside(polygon: list[tuple[float, float]], points: np.ndarray) -> np.ndarray:
    poly = np.asarray(polygon, np.float32)
    return np.array(
        [cv2.pointPolygonTest(poly, (float(x), float(y)), False) >= 0 for x, y in points], dtype=bool
    )


def density(
    plane: GroundPlane, polygon: list[tuple[float, float]], xyxy: np.ndarray
) -> tuple[int, float, float]:
    """People standing in an image zone: (count, ground area m², persons per m²)."""
    area = plane.area_m2(polygon)
    n = int(inside(polygon, feet(xyxy)).sum()) if len(xyxy) else 0
    return n, area, (n / area if area > 0 else 0.0)
