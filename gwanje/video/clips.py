"""One playable MP4 from the recorded segments of a time range, made on demand.

H.264 (and the other codecs browsers and MP4 carry) is remuxed: packets copied onto one timeline
that keeps the wall clock's spacing (a gap between segments shows as the last frame held; the
timeline shows gaps), index at the front, so the browser's own ``<video>`` can seek in it
with range requests. A codec browsers cannot play (MS-MPEG4, MJPEG) is transcoded to H.264 with
libx264 instead, and the result says so. The clip starts at the keyframe at or before the asked
start (a segment starts on one, so at worst the segment's start): ``offset_s`` says how far into the
clip the asked start is. Packets from the asked end on are left out.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime, timedelta
from fractions import Fraction
from pathlib import Path

import av

from gwanje.video.opening import open_input

BROWSER_CODECS = {"h264"}


@dataclass(frozen=True)
class Part:
    path: Path
    start: datetime  # wall time of the segment's first packet


@dataclass(frozen=True)
class Clip:
    path: Path
    start: datetime  # wall time of the clip's first frame
    offset_s: float  # where the asked start is in the clip
    duration_s: float
    transcoded: bool


class ClipError(RuntimeError):
    pass


def make_clip(parts: list[Part], start: datetime, end: datetime, out: Path) -> Clip:
    """Write the clip of [start, end) from ``parts`` (oldest first, overlapping the range) to ``out``."""
    if not parts:
        raise ClipError("nothing recorded in that range")
    with open_input(str(parts[0].path)) as probe:
        codec = probe.streams.video[0].codec_context.name
    tmp = out.with_name(out.name + ".part")
    out.parent.mkdir(parents=True, exist_ok=True)
    try:
        if codec in BROWSER_CODECS:
            first, duration = _remux(parts, start, end, tmp)
        else:
            first, duration = _transcode(parts, start, end, tmp)
        os.replace(tmp, out)
    except (av.error.FFmpegError, OSError, IndexError) as exc:
        tmp.unlink(missing_ok=True)
        raise ClipError(f"could not make the clip: {exc}") from None
    return Clip(out, first, max(0.0, (start - first).total_seconds()), duration, codec not in BROWSER_CODECS)


def _packets(parts: list[Part], start: datetime, end: datetime):
    """(stream, packet, seconds from the first part's start) in order, from the last keyframe at
    or before ``start`` up to ``end``. Times keep the wall clock's spacing."""
    origin = parts[0].start
    pending: list = []  # from the latest keyframe, until the range starts
    started = False
    for part in parts:
        with open_input(str(part.path)) as c:
            stream = c.streams.video[0]
            base = (part.start - origin).total_seconds()
            for packet in c.demux(stream):
                if packet.dts is None and packet.pts is None:
                    continue
                pts = packet.pts if packet.pts is not None else packet.dts
                t = base + float(pts * stream.time_base)
                if origin + timedelta(seconds=t) >= end:
                    return
                if started:
                    yield stream, packet, t
                    continue
                if packet.is_keyframe:
                    pending = []
                pending.append((stream, packet, t))
                if origin + timedelta(seconds=t) >= start:
                    started = True
                    yield from pending
                    pending = []
            if not started:
                pending = []  # the range starts in a later segment (which starts on a keyframe)


def _remux(parts: list[Part], start: datetime, end: datetime, tmp: Path) -> tuple[datetime, float]:
    with (
        open_input(str(parts[0].path)) as template,
        av.open(str(tmp), "w", format="mp4", options={"movflags": "+faststart"}) as out,
    ):
        ostream = out.add_stream_from_template(template.streams.video[0])
        tb: Fraction = template.streams.video[0].time_base
        ostream.time_base = tb
        first_t = last_t = None
        last_dts = None
        for stream, packet, t in _packets(parts, start, end):
            if first_t is None:
                first_t = t
            dts_t = t + (
                float((packet.dts - packet.pts) * stream.time_base)
                if packet.dts is not None and packet.pts is not None
                else 0.0
            )
            pts = round((t - first_t) / tb)
            dts = round((dts_t - first_t) / tb)
            if last_dts is not None and dts <= last_dts:
                dts = last_dts + 1
            last_t = t + (float(packet.duration * stream.time_base) if packet.duration else 0.0)
            packet.pts, packet.dts = max(pts, dts), dts
            packet.stream = ostream
            out.mux(packet)
            last_dts = dts
    if first_t is None:
        raise ClipError("nothing recorded in that range")
    return parts[0].start + timedelta(seconds=first_t), (last_t or first_t) - first_t


def _transcode(parts: list[Part], start: datetime, end: datetime, tmp: Path) -> tuple[datetime, float]:
    first_t = last_t = None
    with av.open(str(tmp), "w", format="mp4", options={"movflags": "+faststart"}) as out:
        ostream = None
        for stream, packet, t in _packets(parts, start, end):
            for frame in packet.decode():
                if ostream is None:
                    ostream = out.add_stream("libx264", rate=int(round(stream.average_rate or 10)))
                    ostream.width, ostream.height = (
                        frame.width - frame.width % 2,
                        frame.height - frame.height % 2,
                    )
                    ostream.pix_fmt = "yuv420p"
                    ostream.options = {
                        "preset": "veryfast",
                        "crf": "23",
                        "g": str(int(round(stream.average_rate or 10))),
                    }
                    ostream.time_base = Fraction(1, 1000)
                if first_t is None:
                    first_t = t
                image = frame.reformat(width=ostream.width, height=ostream.height, format="yuv420p")
                image.pts = round((t - first_t) * 1000)
                image.time_base = Fraction(1, 1000)
                out.mux(ostream.encode(image))
                last_t = t + 1.0 / float(stream.average_rate or 10)
        if ostream is None:
            raise ClipError("nothing recorded in that range")
        out.mux(ostream.encode())
    return parts[0].start + timedelta(seconds=first_t or 0.0), (last_t or 0.0) - (first_t or 0.0)


def decode_range(parts: list[Part], start: datetime, end: datetime):
    """Every decoded frame of [start, end) as (wall time, BGR image), oldest first: what an export
    masks and encodes (decoding starts at the keyframe before ``start``; earlier frames are dropped)."""
    if not parts:
        raise ClipError("nothing recorded in that range")
    origin = parts[0].start
    try:
        for stream, packet, t in _packets(parts, start, end):
            pts = packet.pts if packet.pts is not None else packet.dts
            base = t - float(pts * stream.time_base)  # the segment's offset from the first one
            for frame in packet.decode():
                ft = base + frame.time if frame.time is not None else t
                at = origin + timedelta(seconds=ft)
                if at >= start:
                    yield at, frame.to_ndarray(format="bgr24")
    except (av.error.FFmpegError, OSError) as exc:
        raise ClipError(f"could not read the recording: {exc}") from None
