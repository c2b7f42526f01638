"""Zone and line rules: intrusion, loitering (KISA: 10 s or more in a zone), line crossing.

The anchor of a tracked object is its bottom centre (where it stands). Rules see tracked
``Detections`` and the stream time, and return events; they keep per-track state only.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import supervision as sv

from gwanje.analytics.hits import RuleHit, class_mask, new_event_id
from gwanje.config import LineConfig, ZoneConfig
from gwanje.domain import EventType, Severity

ANCHOR = sv.Position.BOTTOM_CENTER


@dataclass
class _Presence:
    entered_s: float
    last_seen_s: float
    box: tuple[float, float, float, float]
    confidence: float
    intrusion_id: str | None = None
    loiter_id: str | None = None


class ZoneRules:
    """Intrusion and loitering for one polygon zone."""

    def __init__(self, config: ZoneConfig, gap_tolerance_s: float = 2.0) -> None:
        self.config = config
        self.zone = sv.PolygonZone(np.asarray(config.polygon, dtype=np.int64), triggering_anchors=(ANCHOR,))
        self.gap_tolerance_s = gap_tolerance_s
        self.present: dict[int, _Presence] = {}

    def _handover(
        self, tid: int, box: tuple[float, float, float, float], t: float, visible: set[int]
    ) -> _Presence | None:
        """A presence that a just-lost track left at the same spot: the tracker switched ids, the
        person is the same, so the dwell time carries over (a loiterer is not reset by an occlusion)."""
        cx, by, height = (box[0] + box[2]) / 2, box[3], box[3] - box[1]
        best: tuple[float, int] | None = None
        for old, p in self.present.items():
            if old in visible or t - p.last_seen_s > self.gap_tolerance_s:
                continue
            d = float(np.hypot((p.box[0] + p.box[2]) / 2 - cx, p.box[3] - by))
            if d <= height and (best is None or d < best[0]):
                best = (d, old)
        return self.present.pop(best[1]) if best else None

    def _hit(
        self,
        kind: EventType,
        phase: str,
        tid: int,
        p: _Presence,
        eid: str,
        start: float,
        end: float,
        **details: object,
    ) -> RuleHit:
        return RuleHit(
            eid,
            phase,
            kind,
            Severity(self.config.severity),
            self.config.name,
            start,
            end,
            (tid,),
            (p.box,),
            p.confidence,
            dict(details),
        )

    def update(self, detections: sv.Detections, t: float) -> list[RuleHit]:
        hits: list[RuleHit] = []
        for tid, p in list(self.present.items()):
            if t - p.last_seen_s > self.gap_tolerance_s:
                hits.extend(self._close(tid, p))
        if len(detections) and detections.tracker_id is not None:
            inside = self.zone.trigger(detections) & class_mask(detections, self.config.classes)
            visible = {int(v) for v in detections.tracker_id}
            for i in np.flatnonzero(inside):
                tid = int(detections.tracker_id[i])
                box = tuple(float(v) for v in detections.xyxy[i])
                conf = float(detections.confidence[i]) if detections.confidence is not None else 1.0
                p = self.present.get(tid)
                if p is None and (p := self._handover(tid, box, t, visible)) is not None:
                    self.present[tid] = p
                if p is None:
                    p = self.present[tid] = _Presence(t, t, box, conf)
                    if "intrusion" in self.config.rules:
                        p.intrusion_id = new_event_id()
                        hits.append(self._hit(EventType.INTRUSION, "start", tid, p, p.intrusion_id, t, t))
                p.last_seen_s, p.box, p.confidence = t, box, conf
                dwell = t - p.entered_s
                if (
                    "loitering" in self.config.rules
                    and p.loiter_id is None
                    and dwell >= self.config.loiter_seconds
                ):
                    p.loiter_id = new_event_id()
                    # it became loitering when the dwell passed the limit, even if that moment fell in
                    # an occlusion and the person is seen again only now
                    became = p.entered_s + self.config.loiter_seconds
                    hits.append(
                        self._hit(
                            EventType.LOITERING,
                            "start",
                            tid,
                            p,
                            p.loiter_id,
                            became,
                            t,
                            entered_s=round(p.entered_s, 2),
                            dwell_s=round(dwell, 2),
                        )
                    )
        return hits

    def _close(self, tid: int, p: _Presence) -> list[RuleHit]:
        del self.present[tid]
        out = []
        if p.intrusion_id:
            out.append(
                self._hit(EventType.INTRUSION, "end", tid, p, p.intrusion_id, p.entered_s, p.last_seen_s)
            )
        if p.loiter_id:
            out.append(
                self._hit(
                    EventType.LOITERING,
                    "end",
                    tid,
                    p,
                    p.loiter_id,
                    p.entered_s + self.config.loiter_seconds,
                    p.last_seen_s,
                    entered_s=round(p.entered_s, 2),
                    dwell_s=round(p.last_seen_s - p.entered_s, 2),
                )
            )
        return out

    def finish(self) -> list[RuleHit]:
        out: list[RuleHit] = []
        for tid, p in list(self.present.items()):
            out.extend(self._close(tid, p))
        return out


class LineRules:
    """Directed line crossing, judged on the bottom-centre anchor."""

    def __init__(self, config: LineConfig) -> None:
        self.config = config
        self.line = sv.LineZone(sv.Point(*config.start), sv.Point(*config.end), triggering_anchors=(ANCHOR,))

    def update(self, detections: sv.Detections, t: float) -> list[RuleHit]:
        if not len(detections) or detections.tracker_id is None:
            return []
        crossed_in, crossed_out = self.line.trigger(detections)
        keep = class_mask(detections, self.config.classes)
        hits = []
        for direction, mask in (("in", crossed_in), ("out", crossed_out)):
            if self.config.direction not in (direction, "both"):
                continue
            for i in np.flatnonzero(mask & keep):
                box = tuple(float(v) for v in detections.xyxy[i])
                conf = float(detections.confidence[i]) if detections.confidence is not None else 1.0
                hits.append(
                    RuleHit(
                        new_event_id(),
                        "start",
                        EventType.LINE_CROSSING,
                        Severity(self.config.severity),
                        self.config.name,
                        t,
                        t,
                        (int(detections.tracker_id[i]),),
                        (box,),
                        conf,
                        {"direction": direction},
                    )
                )
        return hits

    def finish(self) -> list[RuleHit]:
        return []
