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
    src: Path,
    dst: Path,
    gop_s: float = 1.0,
    on_progress: Callable[[float], None] | None = None,
    crop: tuple[int, int, int, int] | None = None,
) -> Path:
    """Write ``dst`` (MP4, H.264, index at the front) from ``src`` unless it is there already;
    ``crop`` (x, y, width, height) keeps that part of the picture only (two demo cameras made of
    the two sides of one real view, so a person walks out of one and into the other)."""
    if dst.is_file() and dst.stat().st_mtime >= src.stat().st_mtime:
        return dst
    dst.parent.mkdir(parents=True, exist_ok=True)
    tmp = dst.with_name(f"{dst.name}.{os.getpid()}.part")  # two demos making the same copy: each its own
    with (
        open_input(str(src)) as inp,
        av.open(str(tmp), "w", format="mp4", options={"movflags": "+faststart"}) as out,
    ):
        stream = inp.streams.video[0]
        fps = stream.average_rate or Fraction(10)
        total = float(inp.duration / 1e6) if inp.duration else None
        ostream = out.add_stream("libx264", rate=fps)
        width, height = stream.codec_context.width, stream.codec_context.height
        if crop is not None:
            x, y, cw, ch = crop
            if x < 0 or y < 0 or cw < 16 or ch < 16 or x + cw > width or y + ch > height:
                raise ValueError(f"crop {crop} does not fit in the {width}x{height} picture of {src}")
            width, height = cw, ch
        ostream.width = width // 2 * 2
        ostream.height = height // 2 * 2
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
            if crop is not None:
                x, y = crop[0], crop[1]
                part = frame.to_ndarray(format="bgr24")[y : y + ostream.height, x : x + ostream.width]
                frame = av.VideoFrame.from_ndarray(part.copy(), format="bgr24")
            image = frame.reformat(width=ostream.width, height=ostream.height, format="yuv420p")
            image.pts, image.time_base = i, Fraction(1) / fps
            out.mux(ostream.encode(image))
            if on_progress and total:
                on_progress(min(1.0, i / float(fps) / total))
        out.mux(ostream.encode())
    os.replace(tmp, dst)
    return dst
