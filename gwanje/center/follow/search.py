"""Search in what the cameras tracked: by time, cameras or a map area, class, upper and lower colour
and direction of travel, or "more like this" (a track record, or a crop of a person).

The store does the filtering (indexed time, camera and colour), then at most ``SCAN`` of the newest
matching records are ranked here: by appearance (p(same person) from the vectors, exactly, one
model at a time) for "more like this", else by how much of each record's body is the colours asked
for, else newest first. One result per track (its best part). A search is a search of personal
data: every search is audited and written to the personal-video ledger as a viewing with its
purpose, in the same transaction as nothing else; opening a result (its recording) is recorded by
the playback it opens.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np

from gwanje.center.refusal import Refusal
from gwanje.config import CameraConfig
from gwanje.store import audit, ledger
from gwanje.store import track_records as repo
from gwanje.store.db import Database
from gwanje.store.models import iso, utc
from gwanje.store.models_follow import TrackRecordRow
from gwanje.store.track_records import Filters, hist_of
from gwanje.vision.appearance import distance, same_probability
from gwanje.vision.colour_names import NAMES

SCAN = 20_000  # newest matching records ranked at most
MAX_SPAN = timedelta(days=31)
# directions of travel on the picture, as heading ranges (0 right, 90 down = toward the camera)
DIRECTIONS = {
    "right": ((315.0, 360.0), (0.0, 45.0)),
    "toward": ((45.0, 135.0),),
    "left": ((135.0, 225.0),),
    "away": ((225.0, 315.0),),
}
_COLUMNS = (  # what a result shows
    TrackRecordRow.id,
    TrackRecordRow.camera_id,
    TrackRecordRow.track_id,
    TrackRecordRow.track_started_at,
    TrackRecordRow.started_at,
    TrackRecordRow.ended_at,
    TrackRecordRow.class_name,
    TrackRecordRow.upper_colour,
    TrackRecordRow.lower_colour,
    TrackRecordRow.crop_path,
    TrackRecordRow.crop_at,
    TrackRecordRow.heading_deg,
    TrackRecordRow.exit_edge,
)
_RANKED = (  # what ranking needs of every record that passes the filters
    TrackRecordRow.id,
    TrackRecordRow.camera_id,
    TrackRecordRow.track_id,
    TrackRecordRow.track_started_at,
    TrackRecordRow.started_at,
    TrackRecordRow.colour_hist,
)
_LIKE = (*_RANKED, TrackRecordRow.appearance, TrackRecordRow.appearance_model)


class SearchError(Refusal):
    pass


@dataclass(frozen=True)
class Like:
    """A look to match: a vector of a model (from a record or a crop)."""

    vector: np.ndarray
    model: str
    source: str  # what it came from, for the audit


@dataclass(frozen=True)
class Query:
    start: datetime
    end: datetime
    purpose: str
    cameras: tuple[str, ...] | None = None
    area: tuple[float, float, float, float] | None = None  # south, west, north, east
    class_name: str | None = "person"
    upper: tuple[str, ...] = ()
    lower: tuple[str, ...] = ()
    directions: tuple[str, ...] = ()
    exit_edges: tuple[str, ...] = ()
    like: Like | None = field(default=None, compare=False)
    limit: int = 50


def _in_area(cam: CameraConfig, area: tuple[float, float, float, float]) -> bool:
    lat, lon = cam.location.lat, cam.location.lon
    south, west, north, east = area
    return lat is not None and lon is not None and south <= lat <= north and west <= lon <= east


class TrackSearch:
    def __init__(self, db: Database, same_logit: tuple[float, float] | None = None) -> None:
        self.db = db
        self.same_logit = same_logit
        self._encoder = None
        self._detector = None
        self._lock = threading.Lock()

    def cameras_of(self, q: Query, cameras: dict[str, CameraConfig]) -> tuple[str, ...] | None:
        chosen = None
        if q.cameras is not None:
            unknown = sorted(set(q.cameras) - set(cameras))
            if unknown:
                raise SearchError(404, f"no such camera: {', '.join(unknown)}")
            chosen = tuple(q.cameras)
        if q.area is not None:
            south, west, north, east = q.area
            if south > north or west > east:
                raise SearchError(
                    422, "the map area's south-west corner must lie south-west of its north-east one"
                )
            inside = [c.id for c in cameras.values() if _in_area(c, q.area)]
            chosen = tuple(c for c in (chosen or inside) if c in inside)
        return chosen

    def search(self, q: Query, cameras: dict[str, CameraConfig], username: str, ip: str | None) -> dict:
        if not q.purpose.strip():
            raise SearchError(422, "say why you search (purpose): it is a search of personal video")
        if q.end <= q.start:
            raise SearchError(422, "the search's end must come after its start")
        if q.end - q.start > MAX_SPAN:
            raise SearchError(422, "search at most 31 days at a time")
        unknown = sorted({*q.upper, *q.lower} - set(NAMES))
        if unknown:
            raise SearchError(422, f"unknown colour {', '.join(unknown)}: use {', '.join(NAMES)}")
        bad = sorted(set(q.directions) - set(DIRECTIONS))
        if bad:
            raise SearchError(422, f"unknown direction {', '.join(bad)}: use {', '.join(DIRECTIONS)}")
        chosen = self.cameras_of(q, cameras)
        filters = Filters(
            start=q.start,
            end=q.end,
            cameras=chosen,
            class_name=q.class_name,
            upper=q.upper,
            lower=q.lower,
            exit_edges=q.exit_edges,
            headings=tuple(r for d in q.directions for r in DIRECTIONS[d]),
        )
        with self.db.sessions() as s:
            cols = _LIKE if q.like is not None else _RANKED
            rows = [] if chosen == () else s.execute(repo.filtered(filters, cols).limit(SCAN)).all()
            best = self._rank(rows, q)
            shown = repo.by_ids(s, [rid for rid, _ in best], _COLUMNS)
        results = [{**_result(shown[rid]), "match": match} for rid, match in best if rid in shown]
        with self.db.sessions.begin() as s:
            detail = {
                "purpose": q.purpose.strip(),
                "from": q.start.isoformat(),
                "to": q.end.isoformat(),
                "cameras": list(chosen) if chosen is not None else "all",
                "class": q.class_name,
                "upper": list(q.upper),
                "lower": list(q.lower),
                "directions": list(q.directions),
                "like": q.like.source if q.like else None,
                "results": len(results),
                "scanned": len(rows),
            }
            audit.record(s, username=username, action="track_search", detail=detail, ip=ip)
            entry = ledger.add(
                s,
                kind="view",
                file_name=f"추적 기록 검색 {q.start:%Y-%m-%d %H:%M} ~ {q.end:%Y-%m-%d %H:%M} UTC",
                file_form="검색 결과 (인물 사진)",
                handler=username,
                purpose=q.purpose.strip(),
                recipient=username,
                provision_form="화면 열람 (영상 검색)",
                camera_ids=sorted({r["camera_id"] for r in results}),
                range_start=q.start,
                range_end=q.end,
                note=f"{len(results)} results",
            )
            ledger_id = entry.id
        return {
            "results": results,
            "scanned": len(rows),
            "truncated": len(rows) >= SCAN,
            "ledger_id": ledger_id,
        }

    def _rank(self, rows: list, q: Query) -> list[tuple[str, float | None]]:
        """(record id, match) of the best record of each of the best tracks, best first: by
        appearance for "more like this", by the share of the colours asked for, else newest."""
        if q.like is not None:
            rows = [r for r in rows if r.appearance is not None and r.appearance_model == q.like.model]
            if not rows:
                return []
            vectors = np.frombuffer(b"".join(r.appearance for r in rows), np.float16).reshape(len(rows), -1)
            if vectors.shape[1] != len(q.like.vector):
                return []
            d = distance(q.like.vector, vectors.astype(np.float32), q.like.model)[0]
            scores = same_probability(d, q.like.model, self.same_logit)
        elif q.upper or q.lower:
            scores = np.array([_colour_share(hist_of(r.colour_hist), q.upper, q.lower) for r in rows])
        else:
            scores = np.array([utc(r.started_at).timestamp() for r in rows])
        shown_match = q.like is not None or bool(q.upper or q.lower)
        best: dict[tuple, tuple[str, float | None]] = {}
        for k in np.argsort(-np.asarray(scores, np.float64), kind="stable"):
            r = rows[int(k)]
            key = (r.camera_id, iso(r.track_started_at), r.track_id)
            if key not in best:  # one per track: its best part
                best[key] = (r.id, round(float(scores[k]), 3) if shown_match else None)
                if len(best) >= q.limit:
                    break
        return list(best.values())

    # -- a crop of a person, for "more like this" ------------------------------------------------
    def like_crop(self, jpeg: bytes) -> Like:
        """The vector of an uploaded picture of a person; SearchError when it is not a picture or
        shows no person filling it."""
        import cv2

        image = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR) if jpeg else None
        if image is None:
            raise SearchError(422, "that is not a picture (JPEG or PNG)")
        h, w = image.shape[:2]
        if h < 32 or w < 12 or h > 2000 or w > 2000:
            raise SearchError(422, f"a crop of one person, 32 to 2000 pixels tall (got {w}x{h})")
        with self._lock:
            if not self._is_person(image):
                raise SearchError(422, "no person fills that picture: crop one person, head to feet")
            encoder = self._get_encoder()
            vector = encoder.vectors([image])[0]
            return Like(vector, encoder.model, "an uploaded crop")

    def _get_encoder(self):  # noqa: ANN202
        from gwanje.vision.appearance import AppearanceEncoder

        if self._encoder is None:
            try:
                self._encoder = AppearanceEncoder()
            except (FileNotFoundError, ValueError) as exc:
                raise SearchError(503, f"appearance vectors are not set up here: {exc}") from None
        return self._encoder

    def _is_person(self, image: np.ndarray) -> bool:
        import cv2

        from gwanje.config import DetectorConfig
        from gwanje.vision.detectors import create_detector

        if self._detector is None:
            self._detector = create_detector(DetectorConfig(score_threshold=0.2, classes=["person"]))
        h, w = image.shape[:2]
        scale = 256 / h
        small = cv2.resize(image, (max(8, round(w * scale)), 256))
        pad = 64
        canvas = cv2.copyMakeBorder(
            small, pad, pad, pad * 2, pad * 2, cv2.BORDER_CONSTANT, value=(114, 114, 114)
        )
        found = self._detector.detect(canvas)
        if not len(found):
            return False
        people = found[found.data["class_name"] == "person"]
        heights = (people.xyxy[:, 3] - people.xyxy[:, 1]) / 256 if len(people) else np.zeros(0)
        return bool((heights >= 0.5).any())


def _colour_share(hist: np.ndarray, upper: tuple[str, ...], lower: tuple[str, ...]) -> float:
    n = len(NAMES)
    if len(hist) < n:
        return 0.0
    parts = []
    if upper:
        parts.append(sum(float(hist[NAMES.index(c)]) for c in upper))
    if lower and len(hist) >= 2 * n:
        parts.append(sum(float(hist[n + NAMES.index(c)]) for c in lower))
    return float(np.mean(parts)) if parts else 0.0


def _result(r) -> dict:  # noqa: ANN001 - a row of _COLUMNS
    return {
        "record_id": r.id,
        "camera_id": r.camera_id,
        "track_id": r.track_id,
        "track_started_at": iso(r.track_started_at),
        "started_at": iso(r.started_at),
        "ended_at": iso(r.ended_at),
        "class": r.class_name,
        "upper": r.upper_colour,
        "lower": r.lower_colour,
        "heading_deg": r.heading_deg,
        "exit_edge": r.exit_edge,
        "crop": f"/api/tracks/{r.id}/crop.jpg" if r.crop_path else None,
        "crop_at": iso(r.crop_at),
    }
