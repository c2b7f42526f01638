"""An H.264 copy of a video file, made once: what a real IP camera sends (browsers play H.264; the
demo's clip is MS-MPEG4 with a keyframe every few seconds). The copy has a keyframe every
``gop_s`` seconds, as cameras are commonly set, so recordings can be cut every few seconds."""

from __future__ import annotations

import os
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

import av

from gwanje.video.opening import open_input


def codec_of(path: Path) -> str:
    with open_input(str(path)) as c:
        return c.streams.video[0].codec_context.name


def h264_copy(
    src: Path, dst: Path, gop_s: float = 1.0, on_progress: Callable[[float], None] | None = None
) -> Path:
    """Write ``dst`` (MP4, H.264, index at the front) from ``src`` unless it is there already."""
    if dst.is_file() and dst.stat().st_mtime >= src.stat().st_mtime:
        return dst
    dst.parent.mkdir(parents=True, exist_ok=True)
    tmp = dst.with_name(dst.name + ".part")
    with (
        open_input(str(src)) as inp,
        av.open(str(tmp), "w", format="mp4", options={"movflags": "+faststart"}) as out,
    ):
        stream = inp.streams.video[0]
        fps = stream.average_rate or Fraction(10)
        total = float(inp.duration / 1e6) if inp.duration else None
        ostream = out.add_stream("libx264", rate=fps)
        ostream.width = stream.codec_context.width // 2 * 2
        ostream.height = stream.codec_context.height // 2 * 2
        ostream.pix_fmt = "yuv420p"
        gop = max(1, round(float(fps) * gop_s))
        ostream.options = {
            "preset": "veryfast",
            "crf": "23",
            "g": str(gop),
            "keyint_min": str(gop),
            "bf": "0",
        }
        for i, frame in enumerate(inp.decode(stream)):
            image = frame.reformat(width=ostream.width, height=ostream.height, format="yuv420p")
            image.pts, image.time_base = i, Fraction(1) / fps
            out.mux(ostream.encode(image))
            if on_progress and total:
                on_progress(min(1.0, i / float(fps) / total))
        out.mux(ostream.encode())
    os.replace(tmp, dst)
    return dst
