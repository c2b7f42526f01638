"""Playback of recordings: a camera's timeline (recorded spans, gaps, events) and a playable clip of
a range, made from the index and the volume (no HTTP here; the web layer audits and serves).

Clips are cached by camera, range and the segments they are made of, so a browser's range
requests and a second viewer reuse one file; the cache keeps the newest ``CACHE_FILES`` clips.
A clip's file is served only on a grant: each viewing (asked for with its purpose, audited)
gets one for its session, valid ``GRANT_S``; a file name alone opens nothing.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from gwanje.store import recordings as index
from gwanje.store.db import Database
from gwanje.store.models import EventRow, utc
from gwanje.video.clips import Clip, ClipError, Part, make_clip

MAX_RANGE = timedelta(hours=1)  # one clip at most this long
MAX_TIMELINE = timedelta(days=2)
CACHE_FILES = 40
JOIN_S = 1.5  # segments closer than this show as one recorded span
GRANT_S = 3600.0  # a viewing's clip plays (and seeks) this long after it was asked for


class PlaybackError(ValueError):
    """A range that cannot be played; the message says why."""


@dataclass(frozen=True)
class Span:
    start: datetime
    end: datetime


@dataclass(frozen=True)
class Timeline:
    camera_id: str
    start: datetime
    end: datetime
    recorded: list[Span]
    gaps: list[tuple[Span, str]]
    missing: list[Span]  # indexed, but the file is gone
    events: list[dict]
    codec: str | None


class Playback:
    def __init__(self, db: Database, volume: Path, cache: Path) -> None:
        self.db, self.volume, self.cache = db, volume, cache
        self._lock = threading.Lock()
        self._made: dict[str, Clip] = {}
        self._grants: dict[str, tuple[str, str, float]] = {}  # token → (file, session, until)

    def grant(self, name: str, session: str, ttl_s: float = GRANT_S) -> str:
        """A token that lets ``session`` fetch the clip file ``name`` for ``ttl_s``."""
        now = time.monotonic()
        token = secrets.token_urlsafe(18)
        with self._lock:
            self._grants = {t: g for t, g in self._grants.items() if g[2] > now}
            self._grants[token] = (name, session, now + ttl_s)
        return token

    def granted(self, name: str, session: str, token: str) -> bool:
        """Whether ``token`` was granted to ``session`` for the file ``name`` and is still valid."""
        with self._lock:
            held = self._grants.get(token)
        return held is not None and held[:2] == (name, session) and held[2] > time.monotonic()

    def timeline(self, camera_id: str, start: datetime, end: datetime) -> Timeline:
        _check(start, end, MAX_TIMELINE)
        with self.db.sessions() as s:
            rows = index.segments(s, camera_id, start, end)
            holes = index.gaps(s, camera_id, start, end)
            events = s.scalars(
                select(EventRow)
                .where(
                    EventRow.camera_id == camera_id, EventRow.started_at < end, EventRow.started_at >= start
                )
                .order_by(EventRow.started_at)
                .limit(2000)
            ).all()
            recorded: list[Span] = []
            missing: list[Span] = []
            for r in rows:
                span = Span(utc(r.start_at), utc(r.end_at))
                if r.missing_at is not None:
                    missing.append(span)
                elif recorded and (span.start - recorded[-1].end).total_seconds() <= JOIN_S:
                    recorded[-1] = Span(recorded[-1].start, max(recorded[-1].end, span.end))
                else:
                    recorded.append(span)
            return Timeline(
                camera_id,
                start,
                end,
                recorded,
                [(Span(utc(g.start_at), utc(g.end_at)), g.reason) for g in holes],
                missing,
                [
                    {
                        "id": e.id,
                        "type": e.type,
                        "severity": e.severity,
                        "zone": e.zone,
                        "start": utc(e.started_at).isoformat(),
                        "end": utc(e.ended_at).isoformat() if e.ended_at else None,
                        "alert_id": e.alert_id,
                    }
                    for e in events
                ],
                rows[-1].codec if rows else None,
            )

    def parts(self, camera_id: str, start: datetime, end: datetime) -> tuple[list[Part], list[str]]:
        """The recorded files of [start, end) on the volume, oldest first, and their index paths."""
        with self.db.sessions() as s:
            rows = [r for r in index.segments(s, camera_id, start, end) if r.missing_at is None]
        rows = [r for r in rows if (self.volume / r.path).is_file()]
        return [Part(self.volume / r.path, utc(r.start_at)) for r in rows], [r.path for r in rows]

    def clip(self, camera_id: str, start: datetime, end: datetime) -> Clip:
        """The playable clip of [start, end) (made now, or the cached one)."""
        _check(start, end, MAX_RANGE)
        parts, paths = self.parts(camera_id, start, end)
        if not parts:
            raise PlaybackError("nothing recorded in that range")
        key = hashlib.sha256(
            "|".join([camera_id, start.isoformat(), end.isoformat(), *paths]).encode()
        ).hexdigest()[:32]
        out = self.cache / f"{key}.mp4"
        with self._lock:  # one maker at a time: two viewers of one range share the file
            made = self._made.get(key)
            if made is not None and made.path.is_file():
                return made
            try:
                clip = make_clip(parts, start, end, out)
            except ClipError as exc:
                raise PlaybackError(str(exc)) from None
            self._made[key] = clip
            self._trim_cache()
        return clip

    def _trim_cache(self) -> None:
        files = sorted(self.cache.glob("*.mp4"), key=lambda p: p.stat().st_mtime, reverse=True)
        for old in files[CACHE_FILES:]:
            old.unlink(missing_ok=True)
        self._made = {k: c for k, c in self._made.items() if c.path.is_file()}


def _check(start: datetime, end: datetime, longest: timedelta) -> None:
    if start.tzinfo is None or end.tzinfo is None:
        raise PlaybackError("times need a time zone (e.g. 2026-12-01T09:00:00+09:00)")
    if end <= start:
        raise PlaybackError("the end must come after the start")
    if end - start > longest:
        raise PlaybackError(f"at most {longest} at a time")
