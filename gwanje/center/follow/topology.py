"""The cameras' topology on foot: where a person who walks out of one camera may appear next.

Configured links come from each camera's ``neighbours`` (site YAML or the admin map page): the
neighbour, the typical walking time, and optionally the side of the picture that leads there. A link
is taken both ways (the way back has the same walking time; its side is judged from the map). A side
not given is judged from the map: leaving by the top of the picture is walking the way the camera
looks (``location.bearing_deg``), by the bottom toward it, by the left or right across it; the
neighbour lies that way when its bearing from this camera is within ``SIDE_TOLERANCE_DEG``.

Learned links come from the track records (``learn``): a person who left camera A and, within
``LEARN_WINDOW_S``, came into view on camera B looking like them (same appearance model, p(same) at
least ``LEARN_MIN_SAME``) counts one A→B pair with its delay. Learned links are shown beside the
configured ones (never replacing them); the follow mode uses a learned link only where nothing is
configured between the two cameras.
"""

from __future__ import annotations

import math
import statistics
from bisect import bisect_left, bisect_right
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np

from gwanje.config import CameraConfig
from gwanje.vision.appearance import distance, same_probability

EDGE_OFFSET_DEG = {"top": 0.0, "right": 90.0, "bottom": 180.0, "left": 270.0}
SIDE_TOLERANCE_DEG = 60.0
LEARN_WINDOW_S = 180.0
LEARN_MIN_SAME = 0.5
REENTRY_S = 8.0  # walking time assumed for a person who turns back into the camera they left


@dataclass(frozen=True)
class Link:
    source: str
    target: str
    walk_s: float
    exit: str | None  # the side of the source's picture that leads there; None: unknown
    origin: str  # "configured", "configured (reverse)", "learned"
    pairs: int = 0  # learned: how many exit/entry pairs taught it

    def json(self) -> dict:
        return {
            "source": self.source,
            "target": self.target,
            "walk_s": round(self.walk_s, 1),
            "exit": self.exit,
            "origin": self.origin,
            "pairs": self.pairs,
        }


def bearing_between(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Compass bearing from a to b (lat, lon), degrees clockwise from north."""
    lat1, lon1 = map(math.radians, a)
    lat2, lon2 = map(math.radians, b)
    y = math.sin(lon2 - lon1) * math.cos(lat2)
    x = math.cos(lat1) * math.sin(lat2) - math.sin(lat1) * math.cos(lat2) * math.cos(lon2 - lon1)
    return (math.degrees(math.atan2(y, x)) + 360.0) % 360.0


def angle_apart(a: float, b: float) -> float:
    return abs((a - b + 180.0) % 360.0 - 180.0)


def side_towards(camera: CameraConfig, other: CameraConfig) -> str | None:
    """The side of ``camera``'s picture that faces ``other`` on the map, or None when positions or
    the view bearing are missing, or no side is within the tolerance."""
    a, b, bearing = camera.location, other.location, camera.location.bearing_deg
    if None in (a.lat, a.lon, b.lat, b.lon, bearing):
        return None
    towards = bearing_between((a.lat, a.lon), (b.lat, b.lon))  # type: ignore[arg-type]
    side, gap = min(
        ((e, angle_apart(towards, (bearing + off) % 360.0)) for e, off in EDGE_OFFSET_DEG.items()),  # type: ignore[operator]
        key=lambda x: x[1],
    )
    return side if gap <= SIDE_TOLERANCE_DEG else None


class Topology:
    def __init__(self, cameras: dict[str, CameraConfig], learned: list[Link] | None = None) -> None:
        self.cameras = cameras
        self.configured: dict[tuple[str, str], Link] = {}
        for cam in cameras.values():
            for n in cam.neighbours:
                if n.camera not in cameras:
                    continue
                exit_side = n.exit or side_towards(cam, cameras[n.camera])
                self.configured[(cam.id, n.camera)] = Link(
                    cam.id, n.camera, n.walk_s, exit_side, "configured"
                )
        for (a, b), link in list(self.configured.items()):
            if (b, a) not in self.configured:
                back = side_towards(cameras[b], cameras[a])
                self.configured[(b, a)] = Link(b, a, link.walk_s, back, "configured (reverse)")
        self.learned = {(lk.source, lk.target): lk for lk in learned or []}

    def links(self) -> list[Link]:
        return list(self.configured.values()) + list(self.learned.values())

    def next_cameras(self, camera_id: str, exit_edge: str | None) -> list[tuple[Link, float]]:
        """Where a person who left ``camera_id`` by ``exit_edge`` may appear, each with a prior
        weight (1 the side matches, 0.5 side unknown, 0.15 another side), the likeliest first. The
        camera itself is included: with a low weight after an exit by a side (turning back), a high
        one when the track ended inside the picture (lost, not gone)."""
        out: list[tuple[Link, float]] = []
        seen = set()
        for (a, b), link in list(self.configured.items()) + list(self.learned.items()):
            if a != camera_id or b in seen:
                continue
            seen.add(b)
            if exit_edge is None or link.exit is None:
                weight = 0.5
            else:
                weight = 1.0 if link.exit == exit_edge else 0.15
            if link.origin == "learned":
                weight *= 0.8
            out.append((link, weight))
        # back on the same camera: unlikely after leaving by a side, likely when the track ended
        # inside the picture (the tracker lost the person behind someone, or they stood still)
        out.append((Link(camera_id, camera_id, REENTRY_S, None, "reentry"), 0.1 if exit_edge else 0.8))
        out.sort(key=lambda lw: (-lw[1], lw[0].walk_s, lw[0].target))
        return out


@dataclass(frozen=True)
class Crossing:
    camera_id: str
    at: datetime  # the exit's last sighting, or the entry's track start
    edge: str | None
    vector: np.ndarray | None
    model: str | None


def learn(
    exits: list[Crossing],
    entries: list[Crossing],
    same_logit: tuple[float, float] | None,
    min_pairs: int,
    configured: set[tuple[str, str]],
) -> list[Link]:
    """Links between cameras from exits followed by a look-alike entry elsewhere within
    ``LEARN_WINDOW_S``; those with at least ``min_pairs`` pairs, with the median delay. Pairs of
    cameras already configured are left to the configuration (they are shown from it)."""
    entries = sorted(entries, key=lambda e: e.at)
    times = [e.at for e in entries]
    delays: dict[tuple[str, str], list[float]] = defaultdict(list)
    sides: dict[tuple[str, str], list[str]] = defaultdict(list)
    for ex in exits:
        if ex.vector is None:
            continue
        lo = bisect_left(times, ex.at)
        hi = bisect_right(times, ex.at + timedelta(seconds=LEARN_WINDOW_S))
        best: dict[str, tuple[float, float]] = {}
        for en in entries[lo:hi]:
            if en.camera_id == ex.camera_id or en.vector is None or en.model != ex.model:
                continue
            p = float(same_probability(distance(ex.vector, en.vector, ex.model)[0, 0], ex.model, same_logit))
            if p >= LEARN_MIN_SAME and p > best.get(en.camera_id, (0.0, 0.0))[0]:
                best[en.camera_id] = (p, (en.at - ex.at).total_seconds())
        for cam, (_, delay) in best.items():
            key = (ex.camera_id, cam)
            delays[key].append(delay)
            if ex.edge:
                sides[key].append(ex.edge)
    out = []
    for (a, b), ds in delays.items():
        if len(ds) < min_pairs or (a, b) in configured:
            continue
        side = statistics.mode(sides[(a, b)]) if sides[(a, b)] else None
        out.append(Link(a, b, max(1.0, statistics.median(ds)), side, "learned", len(ds)))
    return sorted(out, key=lambda lk: (lk.source, lk.target))
