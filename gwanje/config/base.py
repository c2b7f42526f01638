"""What every configuration model shares: strict models (an unknown key is an error that names
it), the severity names, points and the polygon check."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

Severity = Literal["info", "low", "medium", "high", "critical"]
Point = tuple[float, float]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def check_polygon(points: list[Point]) -> list[Point]:
    if len(points) < 3:
        raise ValueError(f"a polygon needs at least 3 points, got {len(points)}")
    if len({tuple(p) for p in points}) < 3:
        raise ValueError("a polygon needs at least 3 distinct points")
    area = 0.0
    for (x1, y1), (x2, y2) in zip(points, points[1:] + points[:1], strict=True):
        area += x1 * y2 - x2 * y1
    if abs(area) < 1e-6:
        raise ValueError("polygon has zero area (its points are on one line)")
    return points
