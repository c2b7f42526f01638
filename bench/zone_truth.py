"""Zone events derived from ground-truth tracks, independently of the pipeline's rule code.

Given MOT ``gt.txt`` rows and a camera's zones and lines, computes when each true person
enters a zone (intrusion), has stayed ``loiter_seconds`` in it (loitering) and crosses a line,
using the same anchor (bottom centre) and the video's own clock (frame n at (n-1)/fps).
Used by ``bench/zone_events.py`` and the zone tests to score the pipeline's events.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import cv2
import numpy as np

from gwanje.config import CameraConfig


@dataclass(frozen=True)
class TruthEvent:
    type: str
    zone: str
    t: float
    person: int


def _inside(poly: np.ndarray, x: float, y: float) -> bool:
    return cv2.pointPolygonTest(poly, (float(x), float(y)), False) >= 0


def truth_events(
    gt_rows: np.ndarray, camera: CameraConfig, fps: float, gap_s: float = 1.0
) -> list[TruthEvent]:
    """Events that the ground-truth tracks imply for ``camera``'s zones and lines."""
    tracks: dict[int, list[tuple[float, float, float]]] = defaultdict(list)
    for r in gt_rows:
        if r[6] == 0:
            continue
        t = (int(r[0]) - 1) / fps
        tracks[int(r[1])].append((t, r[2] + r[4] / 2, r[3] + r[5]))
    out: list[TruthEvent] = []
    for pid, pts in tracks.items():
        pts.sort()
        for zone in camera.zones:
            poly = np.asarray(zone.polygon, np.float32)
            entered = last = None
            loitered = False
            for t, x, y in pts:
                if not _inside(poly, x, y):
                    continue
                if last is None or t - last > gap_s:
                    entered, loitered = t, False
                    if "intrusion" in zone.rules:
                        out.append(TruthEvent("intrusion", zone.name, t, pid))
                last = t
                if "loitering" in zone.rules and not loitered and t - entered >= zone.loiter_seconds - 1e-6:
                    loitered = True
                    out.append(TruthEvent("loitering", zone.name, t, pid))
        for line in camera.lines:
            (x1, y1), (x2, y2) = line.start, line.end
            seg_lo, seg_hi = (min(y1, y2), max(y1, y2)) if x1 == x2 else (min(x1, x2), max(x1, x2))
            prev = None
            for t, x, y in pts:
                side = np.sign((x2 - x1) * (y - y1) - (y2 - y1) * (x - x1))
                along = y if x1 == x2 else x
                if (
                    prev is not None
                    and side != 0
                    and prev != 0
                    and side != prev
                    and seg_lo <= along <= seg_hi
                ):
                    out.append(TruthEvent("line_crossing", line.name, t, pid))
                if side != 0:
                    prev = side
    return sorted(out, key=lambda e: e.t)


def score(truth: list[TruthEvent], found: list[tuple[str, str, float]], tolerance_s: float = 1.0) -> dict:
    """Precision and recall of ``found`` (type, zone, start) against ``truth`` within ``tolerance_s``."""
    used: set[int] = set()
    tp = 0
    for ev_type, zone, t in sorted(found, key=lambda f: f[2]):
        best = None
        for i, tr in enumerate(truth):
            if i in used or tr.type != ev_type or tr.zone != zone:
                continue
            d = abs(tr.t - t)
            if d <= tolerance_s and (best is None or d < best[1]):
                best = (i, d)
        if best is not None:
            used.add(best[0])
            tp += 1
    p = tp / len(found) if found else 1.0
    r = tp / len(truth) if truth else 1.0
    return {"tp": tp, "found": len(found), "truth": len(truth), "precision": p, "recall": r}
