"""Who, of the people who came into view on the next cameras, is the person being followed.

Each candidate track (its records in the store) is scored by three things, multiplied:

- appearance: p(same person) from the distance between the followed person's vector and the
  candidate's (``gwanje.vision.appearance``; same model only); without vectors, the overlap of the
  two colour histograms (upper and lower body);
- time: how well the delay between the person leaving and the candidate appearing fits the link's
  walking time (a log-normal shape around it); outside the plausible window no candidate at all;
- direction: the link's prior (the person left by the side that leads there, or the side is
  unknown) and whether the candidate came into view from the side that faces where the person
  came from.

The operator confirms; nothing here moves a follow on by itself.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

import numpy as np

from gwanje.center.follow.topology import Link
from gwanje.config import FollowConfig
from gwanje.store.models import utc
from gwanje.store.models_follow import TrackRecordRow
from gwanje.store.track_records import hist_of, vector_of
from gwanje.vision.appearance import distance, same_probability

TIME_SPREAD = 0.6  # log-normal spread of the delay around the walking time


@dataclass(frozen=True)
class Person:
    """What is known of the followed person."""

    vector: np.ndarray | None
    model: str | None
    colour_hist: np.ndarray | None
    left_at: datetime
    camera_id: str


@dataclass(frozen=True)
class Candidate:
    record_id: str  # the candidate track's newest record
    camera_id: str
    track_id: int
    track_started_at: datetime
    last_seen_at: datetime
    ended: bool  # the track has ended (its last record is in)
    crop_path: str | None
    upper: str | None
    lower: str | None
    entry_edge: str | None
    score: float
    appearance: float
    timing: float
    direction: float
    walk_s: float

    def json(self) -> dict:
        return {
            "record_id": self.record_id,
            "camera_id": self.camera_id,
            "track_id": self.track_id,
            "track_started_at": self.track_started_at.isoformat(),
            "last_seen_at": self.last_seen_at.isoformat(),
            "ended": self.ended,
            "crop": f"/api/tracks/{self.record_id}/crop.jpg" if self.crop_path else None,
            "upper": self.upper,
            "lower": self.lower,
            "entry_edge": self.entry_edge,
            "score": round(self.score, 3),
            "appearance": round(self.appearance, 3),
            "timing": round(self.timing, 3),
            "direction": round(self.direction, 3),
            "walk_s": round(self.walk_s, 1),
        }


def window(link: Link, cfg: FollowConfig) -> tuple[float, float]:
    """Plausible delays (seconds after leaving) for a link."""
    return (
        max(0.0, link.walk_s * cfg.window_min - cfg.window_slack_s),
        link.walk_s * cfg.window_max + cfg.window_slack_s,
    )


def timing(delay_s: float, walk_s: float) -> float:
    """How well a delay fits a walking time, 1 at the walking time (log-normal shape)."""
    z = math.log((max(delay_s, 0.0) + 2.0) / (walk_s + 2.0)) / TIME_SPREAD
    return math.exp(-0.5 * z * z)


def colour_overlap(a: np.ndarray | None, b: np.ndarray | None) -> float | None:
    """Bhattacharyya coefficient of two colour histograms (upper and lower parts averaged)."""
    if a is None or b is None or len(a) != len(b) or not len(a):
        return None
    half = len(a) // 2
    parts = []
    for pa, pb in ((a[:half], b[:half]), (a[half:], b[half:])):
        if pa.sum() > 0 and pb.sum() > 0:
            parts.append(float(np.sqrt((pa / pa.sum()) * (pb / pb.sum())).sum()))
    return float(np.mean(parts)) if parts else None


def rank(
    person: Person,
    links: list[tuple[Link, float]],
    tracks: dict[str, list[TrackRecordRow]],
    entry_sides: dict[str, str | None],
    same_logit: tuple[float, float] | None,
    cfg: FollowConfig,
) -> list[Candidate]:
    """The candidates, best first. ``tracks``: the records of each track that began on a linked
    camera in its window (keyed by any id of the track); ``entry_sides``: per camera, the side of
    its picture that faces the camera the person left (None: not known)."""
    by_camera = {link.target: (link, weight) for link, weight in links}
    out: list[Candidate] = []
    for records in tracks.values():
        last = records[-1]
        link_weight = by_camera.get(last.camera_id)
        if link_weight is None:
            continue
        link, prior = link_weight
        started = utc(last.track_started_at)
        delay = (started - person.left_at).total_seconds()
        lo, hi = window(link, cfg)
        if not lo <= delay <= hi:
            continue
        if last.camera_id == person.camera_id and delay < 0.5:
            continue  # the person's own track, not someone coming back
        app = _appearance(person, records, same_logit)
        side = entry_sides.get(last.camera_id)
        entered = records[0].entry_edge
        facing = 1.0 if side is None or entered is None else (1.0 if entered == side else 0.6)
        direction = prior * facing
        when = timing(delay, link.walk_s)
        out.append(
            Candidate(
                record_id=last.id,
                camera_id=last.camera_id,
                track_id=last.track_id,
                track_started_at=started,
                last_seen_at=utc(last.ended_at),
                ended=any(r.final for r in records),
                crop_path=next((r.crop_path for r in reversed(records) if r.crop_path), None),
                upper=last.upper_colour,
                lower=last.lower_colour,
                entry_edge=entered,
                score=app * math.sqrt(when) * direction,
                appearance=app,
                timing=when,
                direction=direction,
                walk_s=link.walk_s,
            )
        )
    out.sort(key=lambda c: (-c.score, c.track_started_at))
    return out


def _appearance(person: Person, records: list[TrackRecordRow], same_logit) -> float:  # noqa: ANN001
    vectors = [
        vector_of(r.appearance)
        for r in records
        if r.appearance is not None and r.appearance_model == person.model
    ]
    if person.vector is not None and vectors:
        mean = np.mean(vectors, axis=0)
        d = distance(person.vector, mean, person.model or "")[0, 0]
        return float(same_probability(d, person.model or "", same_logit))
    overlap = colour_overlap(person.colour_hist, hist_of(records[-1].colour_hist))
    if overlap is None:
        return 0.5
    return float(np.clip((overlap - 0.5) * 1.8, 0.05, 0.95))
