"""Vehicle rules: illegal parking in ``no_parking`` zones, car break-in patterns in ``parking`` zones.

A vehicle track is still while its box centre stays within ``still_px`` of its width of where it
stopped. Illegal parking: still in a no-parking zone for ``no_parking_s``. Car break-in: a person
lingering beside parked vehicles (still for ``parked_s``) in a parking zone for ``break_in_s``,
or only ``break_in_night_s`` at night (``night_hours``, local time), when the event is also more
severe. The rules need the tracks to hold the vehicles: from the detector, or, for views it
cannot read (straight down, far away), from motion blobs of vehicle size (``vehicle_blobs``, see
gwanje.vision.blobs), which arrive as class ``vehicle``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import numpy as np
import supervision as sv

from gwanje.analytics.hits import RuleHit, class_mask, new_event_id
from gwanje.analytics.zones import ANCHOR
from gwanje.config import ParkingConfig, ZoneConfig
from gwanje.domain import EventType, Severity

Box = tuple[float, float, float, float]


@dataclass
class _Still:
    since: float
    anchor: tuple[float, float]
    box: Box
    seen: float
    event_id: str | None = None


class VehicleRules:
    def __init__(self, zone: ZoneConfig, config: ParkingConfig) -> None:
        self.zone, self.config = zone, config
        self.polygon = sv.PolygonZone(np.asarray(zone.polygon, dtype=np.int64), triggering_anchors=(ANCHOR,))
        self.tz = ZoneInfo(config.timezone)
        self.wall_time: datetime | None = None  # set by the pipeline each frame
        self._vehicles: dict[int, _Still] = {}
        self._people: dict[int, _Still] = {}  # person beside a parked vehicle since

    def _night(self) -> bool:
        if self.wall_time is None:
            return False
        h = self.wall_time.astimezone(self.tz).hour
        start, end = self.config.night_hours
        return start <= h or h < end if start > end else start <= h < end

    def update(self, tracks: sv.Detections, t: float) -> list[RuleHit]:
        if not len(tracks) or tracks.tracker_id is None:
            return self._gone(set(), set(), t)
        inside = self.polygon.trigger(tracks)
        vehicles = tracks[inside & class_mask(tracks, self.config.vehicle_classes)]
        hits = self._track_vehicles(vehicles, t)
        if "parking" in self.zone.rules:
            people = tracks[inside & class_mask(tracks, ["person"])]
            hits += self._track_people(people, t)
        else:
            people = tracks[:0]
        return hits + self._gone(set(map(int, vehicles.tracker_id)), set(map(int, people.tracker_id)), t)

    def _track_vehicles(self, vehicles: sv.Detections, t: float) -> list[RuleHit]:
        hits = []
        for box, tid in zip(vehicles.xyxy, vehicles.tracker_id, strict=True):
            b = tuple(map(float, box))
            anchor = ((b[0] + b[2]) / 2, (b[1] + b[3]) / 2)
            s = self._vehicles.get(int(tid))
            moved = s is not None and np.hypot(
                anchor[0] - s.anchor[0], anchor[1] - s.anchor[1]
            ) > self.config.still_px * (b[2] - b[0])
            if s is None or moved:
                if s is not None and s.event_id:
                    hits.append(self._hit(EventType.ILLEGAL_PARKING, "end", s, t))
                s = self._vehicles[int(tid)] = _Still(t, anchor, b, t)
            s.box, s.seen = b, t
            if (
                "no_parking" in self.zone.rules
                and s.event_id is None
                and t - s.since >= self.config.no_parking_s
            ):
                s.event_id = new_event_id()
                hits.append(self._hit(EventType.ILLEGAL_PARKING, "start", s, t))
        return hits

    def _track_people(self, people: sv.Detections, t: float) -> list[RuleHit]:
        c = self.config
        parked = [s.box for s in self._vehicles.values() if t - s.since >= c.parked_s]
        hits = []
        for box, tid in zip(people.xyxy, people.tracker_id, strict=True):
            b = tuple(map(float, box))
            beside = any(_gap(b, v) <= c.beside * (v[2] - v[0]) for v in parked)
            s = self._people.get(int(tid))
            if not beside:
                if s is not None and s.event_id:
                    hits.append(self._hit(EventType.CAR_BREAK_IN, "end", s, t))
                self._people.pop(int(tid), None)
                continue
            if s is None:
                s = self._people[int(tid)] = _Still(t, (0, 0), b, t)
            s.box, s.seen = b, t
            limit = c.break_in_night_s if self._night() else c.break_in_s
            if s.event_id is None and t - s.since >= limit:
                s.event_id = new_event_id()
                hits.append(self._hit(EventType.CAR_BREAK_IN, "start", s, t, night=self._night()))
        return hits

    def _gone(self, vehicles: set[int], people: set[int], t: float) -> list[RuleHit]:
        hits = []
        for store, seen, kind in (
            (self._vehicles, vehicles, EventType.ILLEGAL_PARKING),
            (self._people, people, EventType.CAR_BREAK_IN),
        ):
            for tid in [k for k in store if k not in seen and t - store[k].seen > 2.0]:
                s = store.pop(tid)
                if s.event_id:
                    hits.append(self._hit(kind, "end", s, t))
        return hits

    def _hit(self, kind: EventType, phase: str, s: _Still, t: float, night: bool = False) -> RuleHit:
        severity = Severity.HIGH if night else Severity(self.zone.severity)
        return RuleHit(
            s.event_id or "",
            phase,
            kind,
            severity,
            self.zone.name,
            s.since,
            t,
            boxes=(s.box,),
            details={"seconds": round(t - s.since, 1), **({"night": True} if night else {})},
        )

    def finish(self) -> list[RuleHit]:
        return []


def _gap(a: Box, b: Box) -> float:
    """Distance between two boxes (0 when they touch or overlap)."""
    dx = max(0.0, max(a[0], b[0]) - min(a[2], b[2]))
    dy = max(0.0, max(a[1], b[1]) - min(a[3], b[3]))
    return float(np.hypot(dx, dy))
