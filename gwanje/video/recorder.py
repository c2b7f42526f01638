"""Recording a camera from the packets its source already reads: remuxed, never decoded or encoded.

The source hands every compressed video packet here with its stream time (continuous across
reconnects and across the loops of a file played as a camera). Packets go into a segment file
that is cut at the first keyframe after ``segment_s`` seconds, so each segment starts with a
keyframe and plays on its own: MP4 with its index at the front (``+faststart``) for the codecs MP4
carries, Matroska for the rest (e.g. MJPEG over HTTP, MS-MPEG4). A segment is written under a
``.part`` name and renamed when complete, so a crash leaves at most one unfinished file, never a
finished-looking broken one. Each closed segment is reported (``Segment``) with its wall-clock
span, size and SHA-256; the worker sends that to the center, which indexes it.

In ``events`` mode the recorder keeps the last ``pre_roll_s`` seconds in memory (whole GOPs, so
they start on a keyframe) and writes segments only while an event of the camera goes on and for
``post_roll_s`` after the last one ends, pre-roll first (as Frigate does).

Paths are relative to the recordings volume: ``<camera>/<YYYY-MM-DD>/<HH>/<start>.<ext>`` (UTC).
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
from collections import deque
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from pathlib import Path

import av

from gwanje.domain import Segment
from gwanje.video.opening import open_input

log = logging.getLogger(__name__)

MP4_CODECS = {"h264", "hevc", "mpeg4", "av1", "vp9"}
PART = ".part"
DRIFT_S = 2.0  # a stream clock this far from ours is re-anchored at the next segment


def segment_path(camera_id: str, start: datetime, ext: str) -> str:
    """Where a segment starting at ``start`` goes, relative to the volume (its name is its start)."""
    s = start.astimezone(UTC)
    return f"{camera_id}/{s:%Y-%m-%d}/{s:%H}/{s:%Y%m%dT%H%M%S}.{s.microsecond // 1000:03d}Z.{ext}"


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


class _Open:
    """One segment being written."""

    def __init__(
        self, volume: Path, camera_id: str, stream: av.video.stream.VideoStream, start: datetime
    ) -> None:
        codec = stream.codec_context.name
        ext, fmt, options = (
            ("mp4", "mp4", {"movflags": "+faststart"}) if codec in MP4_CODECS else ("mkv", "matroska", {})
        )
        self.rel = segment_path(camera_id, start, ext)
        self.final = volume / self.rel
        self.final.parent.mkdir(parents=True, exist_ok=True)
        self.part = self.final.with_name(self.final.name + PART)
        self.container = av.open(str(self.part), "w", format=fmt, options=options)
        self.out = self.container.add_stream_from_template(stream)
        self.time_base: Fraction = stream.time_base or Fraction(1, 90000)
        self.out.time_base = self.time_base
        self.codec, self.start = codec, start
        self.first_t: float | None = None
        self.last_end_t = 0.0
        self.last_dts: int | None = None

    def write(self, packet: av.Packet, t: float, dts_t: float, duration_s: float) -> None:
        if self.first_t is None:
            self.first_t = dts_t
        tb = self.time_base
        pts = round((t - self.first_t) / tb)
        dts = round((dts_t - self.first_t) / tb)
        if self.last_dts is not None and dts <= self.last_dts:
            dts = self.last_dts + 1  # the muxer needs dts strictly increasing
        pts = max(pts, dts)
        packet.pts, packet.dts = pts, dts
        packet.stream = self.out
        self.container.mux(packet)
        self.last_dts = dts
        self.last_end_t = max(self.last_end_t, t + duration_s)

    def close(self) -> tuple[Path, float]:
        self.container.close()
        os.replace(self.part, self.final)
        return self.final, self.last_end_t - (self.first_t or 0.0)


class Recorder:
    """Feed ``opened`` when the source connects, ``packet`` for each video packet, ``closed``
    when the connection ends; closed segments go to ``on_segment``."""

    def __init__(
        self,
        camera_id: str,
        volume: Path,
        on_segment: Callable[[Segment], None],
        segment_s: float = 10.0,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        mode: str = "continuous",
        pre_roll_s: float = 10.0,
        post_roll_s: float = 10.0,
    ) -> None:
        if mode not in ("continuous", "events"):
            raise ValueError(f"recording mode {mode!r}: continuous or events")
        self.camera_id, self.volume = camera_id, volume
        self.on_segment, self.segment_s, self.clock = on_segment, segment_s, clock
        self.mode, self.pre_roll_s, self.post_roll_s = mode, pre_roll_s, post_roll_s
        self._events: set[str] = set()  # events going on (events mode)
        self._keep_until = float("-inf")  # stream time the last event's post-roll runs to
        self._gops: deque[list[tuple[av.Packet, float, float]]] = deque()  # the pre-roll, by GOP
        self.enabled = True  # the disk guard turns it off when held footage fills the volume
        self._stream: av.video.stream.VideoStream | None = None
        self._origin: datetime | None = None  # wall time of stream time 0 on this connection
        self._seg: _Open | None = None
        self._seg_t: float = 0.0  # stream time the open segment starts at
        self.failed: str | None = None  # the last write error (disk trouble), for the camera's health
        self._why: str | None = None  # why the next segment follows a stop (signal lost, disk trouble ...)
        self._connected = False

    def opened(self, stream: av.video.stream.VideoStream) -> None:
        self.closed()
        if self._connected:
            self._why = self._why or "signal lost"
        self._connected = True
        self._stream = stream
        self._gops.clear()  # a new connection's packets may not fit the old one's parameters

    def event(self, event_id: str, phase: str, t: float) -> None:
        """An event of the camera started or ended at stream time ``t`` (events mode records
        from ``pre_roll_s`` before the first start to ``post_roll_s`` after the last end)."""
        if phase == "start":
            self._events.add(event_id)
        else:
            self._events.discard(event_id)
            self._keep_until = max(self._keep_until, t + self.post_roll_s)

    def packet(self, packet: av.Packet, t: float, dts_t: float) -> None:
        """A packet at stream time ``t`` (presentation) and ``dts_t`` (decoding), seconds."""
        if not self.enabled:
            self._why = "volume full"
        if not self.enabled and self._seg is not None:
            self._finish()  # paused: what was recorded so far is kept
        if self._stream is None or not self.enabled or packet.size == 0:
            return
        # stream time is continuous across reconnects and loops, so one origin serves them; it is
        # set again only when the stream's clock has drifted from ours
        origin = self.clock() - timedelta(seconds=t)
        if self._origin is None or abs((origin - self._origin).total_seconds()) > DRIFT_S:
            self._origin = origin
        if self.mode == "events":
            if not self._events and t >= self._keep_until - 1e-6:
                if self._seg is not None:
                    self._finish()
                self._buffer(packet, t, dts_t)
                return
            if self._seg is None:  # an event: the pre-roll first
                for gop in self._gops:
                    for p, bt, bd in gop:
                        self._write(p, bt, bd)
                self._gops.clear()
        self._write(packet, t, dts_t)

    def _buffer(self, packet: av.Packet, t: float, dts_t: float) -> None:
        """Keep the last ``pre_roll_s`` seconds, whole GOPs (so the pre-roll starts on a keyframe)."""
        if packet.is_keyframe:
            self._gops.append([])
        elif not self._gops:
            return
        self._gops[-1].append((packet, t, dts_t))
        while len(self._gops) >= 2 and self._gops[1][0][1] <= t - self.pre_roll_s:
            self._gops.popleft()

    def _write(self, packet: av.Packet, t: float, dts_t: float) -> None:
        duration = float(packet.duration * packet.time_base) if packet.duration and packet.time_base else 0.0
        if self._seg is not None and packet.is_keyframe and t - self._seg_t >= self.segment_s - 1e-6:
            self._finish()
        if self._seg is None:
            if not packet.is_keyframe:
                return  # a segment must start on a keyframe to play on its own
            assert self._origin is not None
            try:
                self._seg = _Open(
                    self.volume, self.camera_id, self._stream, self._origin + timedelta(seconds=t)
                )
            except (OSError, av.error.FFmpegError) as exc:
                self._trouble(exc)
                return
            self._seg_t = t
        try:
            self._seg.write(packet, t, dts_t, duration)
        except (OSError, av.error.FFmpegError) as exc:
            self._trouble(exc)

    def closed(self) -> None:
        """The connection ended (or recording stops): the open segment is finished."""
        if self._seg is not None:
            self._finish()
        self._stream = None

    def _finish(self) -> None:
        seg, self._seg = self._seg, None
        assert seg is not None
        try:
            path, length = seg.close()
        except (OSError, av.error.FFmpegError) as exc:
            self._trouble(exc)
            return
        self.failed = None
        why, self._why = self._why, None
        self.on_segment(
            Segment(
                self.camera_id,
                seg.start,
                seg.start + timedelta(seconds=max(length, 0.0)),
                seg.rel,
                path.stat().st_size,
                file_sha256(path),
                seg.codec,
                why,
            )
        )

    def _trouble(self, exc: BaseException) -> None:
        self.failed = f"{type(exc).__name__}: {exc}"
        self._why = "disk trouble"
        log.warning("camera %s: recording failed: %s", self.camera_id, self.failed)
        seg, self._seg = self._seg, None
        if seg is not None:
            with contextlib.suppress(OSError, av.error.FFmpegError):
                seg.container.close()


def parse_start(name: str) -> datetime | None:
    """The start time a segment's file name gives (None: not a segment's name)."""
    stem = name.split(".")[0] + "." + name.split(".")[1][:3] if name.count(".") >= 2 else ""
    try:
        return datetime.strptime(stem, "%Y%m%dT%H%M%S.%f").replace(tzinfo=UTC)
    except ValueError:
        return None


def probe(volume: Path, rel: str, camera_id: str) -> Segment | None:
    """A finished segment file found on disk without an index row (after a crash): its span from
    its name and its own duration, its size and hash. None: not a readable segment."""
    path = volume / rel
    start = parse_start(path.name)
    if start is None:
        return None
    try:
        with open_input(str(path)) as c:
            stream = c.streams.video[0]
            duration = c.duration / 1e6 if c.duration else float(stream.duration * stream.time_base)
            codec = stream.codec_context.name
    except (OSError, av.error.FFmpegError, IndexError, TypeError):
        return None
    return Segment(
        camera_id,
        start,
        start + timedelta(seconds=duration),
        rel,
        path.stat().st_size,
        file_sha256(path),
        codec,
    )
