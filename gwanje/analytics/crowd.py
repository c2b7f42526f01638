"""Crowd density in persons per m², with levels and a rising-trend alert.

People are counted where they stand (bottom centre of tracked person boxes) inside a zone, and
divided by the zone's ground area from the camera's ground calibration. The density is the
median over a short window, so one missed or doubled box does not flip a level. A level starts
when the density reaches its threshold and ends only when it falls ``hysteresis`` below it; a
higher level replaces a lower one as one event each. The trend alert fires when the density has
risen by ``trend_rise`` within ``trend_window_s``, before any level is reached.
"""

from __future__ import annotations

from collections import deque

import cv2
import numpy as np
import supervision as sv

from gwanje.analytics.crowd_count import CountModel
from gwanje.analytics.ground import GroundPlane, density
from gwanje.analytics.hits import RuleHit, class_mask, new_event_id
from gwanje.config import CrowdConfig, ZoneConfig
from gwanje.domain import EventType, Severity
from gwanje.vision.density import DensityCounter, default_density_model, polygon_shares

LEVELS = (("caution", Severity.MEDIUM), ("warning", Severity.HIGH), ("danger", Severity.CRITICAL))


class DensityMaps:
    """The density network's latest map of one camera, shared by its crowd zones and refreshed at
    most every ``every_s`` seconds (a crowd builds over minutes, not frames)."""

    def __init__(self, counter: DensityCounter, every_s: float) -> None:
        self.counter, self.every_s = counter, every_s
        self._t = 0.0  # when the map was made
        self._map: np.ndarray | None = None

    def at(self, image: np.ndarray, t: float) -> np.ndarray:
        if self._map is None or not 0 <= t - self._t < self.every_s:
            self._map, self._t = self.counter.density(image), t
        return self._map


def density_maps(config: CrowdConfig) -> DensityMaps | None:
    """The camera's density network as its config asks: None means count the person boxes."""
    if config.method == "detections":
        return None
    path = config.density_model or default_density_model()
    if config.method == "auto" and not path.is_file():
        return None
    return DensityMaps(DensityCounter(path), config.density_every_s)


class CrowdRules:
    def __init__(
        self,
        zone: ZoneConfig,
        config: CrowdConfig,
        plane: GroundPlane,
        density: DensityMaps | None = None,
    ) -> None:
        self.zone, self.config, self.plane = zone, config, plane
        self.area_m2 = plane.area_m2(zone.polygon)
        if self.area_m2 <= 0:
            raise ValueError(f"zone {zone.name!r} has no ground area under the calibration")
        self._samples: deque[tuple[float, float]] = deque()  # (t, raw density)
        self._smoothed: deque[tuple[float, float]] = deque()  # (t, windowed density)
        self._level = -1
        self._event: tuple[str, float] | None = None
        self._trend: tuple[str, float] | None = None
        self.last_density = 0.0
        self.last_count = 0
        self.model = CountModel.load(zone.count_model) if zone.count_model is not None else None
        self._regressed: float | None = None
        self._pending: tuple[np.ndarray, np.ndarray] | None = None  # grey, people for the model
        if self.model is not None and self.model.uses_density and density is None:
            raise ValueError(
                f"zone {zone.name!r}: its count model was fitted with the density network's count, "
                "but the camera has no density network (crowd.method, `gwanje models train-crowd`)"
            )
        self.density = density if self.model is None or self.model.uses_density else None
        self.method = "regression" if self.model else "density" if self.density else "detections"
        self._image: np.ndarray | None = None
        self._shares: np.ndarray | None = None

    def observe(self, image: np.ndarray, detections: sv.Detections | None) -> None:
        """Give a zone with a count model the frame and the detector's raw output (``None`` when
        the detector did not run on this frame: the last count stands). A zone counted by the
        density network keeps the frame for ``update``."""
        if self.density is not None:
            self._image = image
        if self.model is None or detections is None:
            return
        grey = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY) if image.ndim == 3 else image
        keep = class_mask(detections, self.zone.classes)
        self._pending = grey, np.column_stack([detections.xyxy[keep], detections.confidence[keep]])

    def thresholds(self) -> list[float]:
        return [self.config.caution, self.config.warning, self.config.danger]

    def update(self, detections: sv.Detections, t: float) -> list[RuleHit]:
        people = detections.xyxy[class_mask(detections, self.zone.classes)]
        count, _, raw = density(self.plane, self.zone.polygon, people)
        if self.model is not None and self._pending is not None:
            grey, boxes = self._pending
            net = self._network_count(t) if self.model.uses_density else None
            self._regressed, self._pending = self.model.count(grey, boxes, net), None
        if self._regressed is not None:
            count = round(self._regressed)
            raw = self._regressed / self.area_m2
        elif self.density is not None and self._image is not None:
            estimate = self._network_count(t)
            count, raw = round(estimate), estimate / self.area_m2
        self._samples.append((t, raw))
        while self._samples and t - self._samples[0][0] > self.config.window_s:
            self._samples.popleft()
        d = float(np.median([v for _, v in self._samples]))
        self.last_density, self.last_count = d, count
        self._smoothed.append((t, d))
        while self._smoothed and t - self._smoothed[0][0] > self.config.trend_window_s:
            self._smoothed.popleft()
        return self._levels(d, count, t) + self._rising(d, count, t)

    def _network_count(self, t: float) -> float:
        """The density network's count in the zone on the latest frame."""
        assert self.density is not None and self._image is not None
        cells = self.density.at(self._image, t)
        if self._shares is None or self._shares.shape != cells.shape:
            self._shares = polygon_shares(self.zone.polygon, self._image.shape[:2])
        return float((cells * self._shares).sum())

    def _levels(self, d: float, count: int, t: float) -> list[RuleHit]:
        th = self.thresholds()
        level = self._level
        while level + 1 < len(th) and d >= th[level + 1]:
            level += 1
        while level >= 0 and d < th[level] - self.config.hysteresis:
            level -= 1
        if level == self._level:
            return []
        hits = []
        if self._event is not None:
            eid, start = self._event
            hits.append(self._hit(EventType.CROWD, "end", eid, start, t, self._level, d, count))
            self._event = None
        if level >= 0:
            self._event = (new_event_id(), t)
            hits.append(self._hit(EventType.CROWD, "start", self._event[0], t, t, level, d, count))
        self._level = level
        return hits

    def _rising(self, d: float, count: int, t: float) -> list[RuleHit]:
        oldest_t, oldest = self._smoothed[0]
        rise = d - min(v for _, v in self._smoothed)
        if self._trend is None and rise >= self.config.trend_rise and t - oldest_t > 0:
            self._trend = (new_event_id(), t)
            return [
                self._hit(
                    EventType.CROWD_TREND,
                    "start",
                    self._trend[0],
                    t,
                    t,
                    max(self._level, 0),
                    d,
                    count,
                    rise=round(rise, 2),
                )
            ]
        if self._trend is not None and rise < self.config.trend_rise / 2:
            eid, start = self._trend
            self._trend = None
            return [self._hit(EventType.CROWD_TREND, "end", eid, start, t, max(self._level, 0), d, count)]
        return []

    def _hit(
        self,
        kind: EventType,
        phase: str,
        eid: str,
        start: float,
        end: float,
        level: int,
        d: float,
        count: int,
        **extra: object,
    ) -> RuleHit:
        name, severity = LEVELS[level]
        if kind == EventType.CROWD_TREND:
            severity = Severity.MEDIUM
        return RuleHit(
            eid,
            phase,
            kind,
            severity,
            self.zone.name,
            start,
            end,
            confidence=1.0,
            details={
                "level": name,
                "density": round(d, 2),
                "count": count,
                "area_m2": round(self.area_m2, 1),
                **extra,
            },
        )

    def finish(self) -> list[RuleHit]:
        return []
