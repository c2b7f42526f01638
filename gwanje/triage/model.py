"""The values triage works on: cameras, active events, incident boosts, priorities, walls."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np

EARTH_M_PER_DEG = 111_320.0


@dataclass(frozen=True)
class CameraInfo:
    id: str
    x_m: float | None = None  # metres east of the site origin (from lat/lon)
    y_m: float | None = None  # metres north
    kind: str = "default"  # the area the camera watches: school, alley, crossing, park, parking ...
    district: str = ""
    zone_kinds: MappingProxyType = field(default_factory=lambda: MappingProxyType({}))  # zone name → kind


def to_metres(lat: float, lon: float, origin: tuple[float, float]) -> tuple[float, float]:
    lat0, lon0 = origin
    return (lon - lon0) * EARTH_M_PER_DEG * math.cos(math.radians(lat0)), (lat - lat0) * EARTH_M_PER_DEG


class CameraIndex:
    """The cameras, with their positions as one array for radius queries."""

    def __init__(self, cameras: list[CameraInfo]) -> None:
        self.cameras = {c.id: c for c in cameras}
        placed = [c for c in cameras if c.x_m is not None and c.y_m is not None]
        self.placed_ids = [c.id for c in placed]
        self.xy = np.array([[c.x_m, c.y_m] for c in placed], dtype=np.float64).reshape(-1, 2)

    def within(self, x_m: float, y_m: float, radius_m: float) -> list[tuple[str, float]]:
        """Cameras within the radius, with their distance."""
        if not len(self.xy):
            return []
        d = np.hypot(self.xy[:, 0] - x_m, self.xy[:, 1] - y_m)
        return [(self.placed_ids[i], float(d[i])) for i in np.flatnonzero(d <= radius_m)]


@dataclass(frozen=True)
class ActiveEvent:
    id: str
    camera_id: str
    type: str
    severity: str
    confidence: float
    started_at: float  # epoch seconds
    ended_at: float | None = None
    acknowledged: bool = False
    escalated: bool = False
    zone: str | None = None
    detail: str | None = None  # e.g. the crowd density "4.2/m²"


@dataclass(frozen=True)
class Boost:
    """An incident reported at a place (an emergency call near camera X): nearby cameras rise."""

    id: str
    x_m: float
    y_m: float
    radius_m: float
    until: float  # epoch seconds
    note: str = ""
    weight: float | None = None  # None: triage.boost_weight
    edge_share: float = 0.0  # the share of the weight a camera at the radius's edge still gets


@dataclass(frozen=True)
class Reason:
    """Why a camera is on a wall, for the tile's caption."""

    kind: str  # event | incident | offline | weather
    since: float  # epoch seconds: when the reason began
    type: str | None = None  # the event type
    zone: str | None = None
    event_id: str | None = None
    detail: str | None = None


@dataclass(frozen=True)
class Priority:
    camera_id: str
    value: float
    reason: Reason
    escalated: bool = False
    event_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class Tile:
    camera_id: str
    since: float  # when the camera came onto this tile
    pinned: bool = False


@dataclass(frozen=True)
class Dismissal:
    camera_id: str
    until: float
    priority: float  # the camera's priority when it was dismissed


@dataclass(frozen=True)
class WallState:
    walls: MappingProxyType  # operator id → tuple[Tile | None, ...]
    dismissed: MappingProxyType  # camera id → Dismissal
    changes: MappingProxyType = field(
        default_factory=lambda: MappingProxyType({})
    )  # operator → times of new tiles

    @staticmethod
    def empty() -> WallState:
        return WallState(MappingProxyType({}), MappingProxyType({}))

    def shown(self) -> dict[str, str]:
        """camera id → operator id, for every camera on a wall."""
        return {t.camera_id: op for op, tiles in self.walls.items() for t in tiles if t is not None}
