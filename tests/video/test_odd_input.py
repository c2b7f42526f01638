"""Input that must not stop a camera: container metadata that is not UTF-8 (issue 20: a real clip
ended `gwanje analyze` with UnicodeDecodeError), and frame intervals that vary (a screen
capture's variable frame rate), paced from the frames' own timestamps."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from gwanje.video.source import VideoSource


def _write(path: Path, times_s: list[float], *, metadata_encoding: str = "utf-8", title: str = "") -> Path:
    out = av.open(str(path), "w", metadata_encoding=metadata_encoding)
    if title:
        out.metadata["title"] = title
    stream = out.add_stream("mpeg4", rate=25)  # the rate the container claims, not the frames' own
    stream.width, stream.height, stream.pix_fmt = 160, 120, "yuv420p"
    stream.codec_context.time_base = Fraction(1, 1000)
    for i, t in enumerate(times_s):
        frame = av.VideoFrame.from_ndarray(np.full((120, 160, 3), (i * 7) % 255, np.uint8), format="bgr24")
        frame.pts = round(t * 1000)
        frame.time_base = Fraction(1, 1000)
        for packet in stream.encode(frame):
            out.mux(packet)
    for packet in stream.encode():
        out.mux(packet)
    out.close()
    return path


def test_metadata_that_is_not_utf8_is_read_and_analysed(tmp_path: Path) -> None:
    clip = _write(
        tmp_path / "latin1.mkv", [i / 10 for i in range(30)], metadata_encoding="latin-1", title="Caméra Öst"
    )
    with pytest.raises(UnicodeDecodeError):  # what PyAV does by default: the clip is the real case
        av.open(str(clip))
    frames = list(VideoSource("cam", str(clip), analysis_fps=10).frames())
    assert len(frames) == 30


@pytest.mark.parametrize("fps", [5.0, 2.0])
def test_variable_frame_rate_is_paced_by_timestamps(tmp_path: Path, fps: float) -> None:
    # 20 s of frames whose intervals swing between 40 ms and 460 ms (a screen capture): the
    # container claims 25 fps
    rng = np.random.default_rng(7)
    times, t = [], 0.0
    while t < 20.0:
        times.append(t)
        t += float(rng.choice([0.04, 0.04, 0.1, 0.25, 0.46]))
    clip = _write(tmp_path / "vfr.mkv", times)
    frames = list(VideoSource("cam", str(clip), analysis_fps=fps).frames())
    pts = np.array([f.pts_s for f in frames])
    # at least one frame for every analysis period that has one (the failure seen: 13 of 28), at
    # most the analysis rate over the clip
    periods_with_a_frame = len({int(x * fps) for x in times})
    assert periods_with_a_frame <= len(frames) <= round(times[-1] * fps) + 1, (
        len(frames),
        periods_with_a_frame,
    )
    # at the analysis rate on average, never in bursts: no 2-s stretch holds more than its share
    for start in np.arange(0.0, 18.0, 0.5):
        assert np.sum((pts >= start) & (pts < start + 2.0)) <= 2 * fps + 1
    assert abs(pts[-1] - times[-1]) < 1.0 and pts[0] == 0.0
