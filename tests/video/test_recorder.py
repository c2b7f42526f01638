"""Recording from the packets a source reads: segments on keyframes, playable, with continuous time."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from gwanje.domain import Segment
from gwanje.video.recorder import PART, Recorder, parse_start, probe
from gwanje.video.source import VideoSource


def h264_clip(path: Path, seconds: float = 3.0, fps: int = 10, gop: int = 10) -> Path:
    """A small H.264 clip with a keyframe every ``gop`` frames (as cameras send)."""
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = 160, 120, "yuv420p"
        stream.codec_context.gop_size = gop
        stream.options = {"bf": "0", "sc_threshold": "0", "keyint_min": str(gop)}
        for i in range(int(seconds * fps)):
            img = np.full((120, 160, 3), (i * 7) % 255, np.uint8)
            img[:, (i * 4) % 160 :] = 40
            frame = av.VideoFrame.from_ndarray(img, format="rgb24")
            frame.pts, frame.time_base = i, Fraction(1, fps)
            out.mux(stream.encode(frame))
        out.mux(stream.encode())
    return path


def decoded_seconds(path: Path) -> tuple[int, float]:
    with av.open(str(path)) as c:
        frames = sum(1 for _ in c.decode(c.streams.video[0]))
        return frames, c.duration / 1e6


def record(url: str, volume: Path, until_s: float, segment_s: float = 2.0, **source) -> list[Segment]:
    segments: list[Segment] = []
    src = VideoSource(
        "cam", url, analysis_fps=5, recorder=Recorder("cam", volume, segments.append, segment_s), **source
    )
    for frame in src.frames():
        if frame.pts_s >= until_s:
            src.stop()
    return segments


def test_a_looped_file_is_recorded_as_if_live(tmp_path):
    clip = h264_clip(tmp_path / "clip.mp4", seconds=3.0)
    segs = record(str(clip), tmp_path / "vol", until_s=7.5, loop=True, realtime=True)
    assert len(segs) >= 3
    total = sum((s.end - s.start).total_seconds() for s in segs)
    assert abs(total - 7.5) <= 1.0, total
    for a, b in zip(segs, segs[1:], strict=False):  # one timeline, no overlaps, no holes
        assert abs((b.start - a.end).total_seconds()) < 0.3, (a, b)
    for s in segs:
        path = tmp_path / "vol" / s.path
        assert path.suffix == ".mp4" and s.codec == "h264"
        assert s.bytes == path.stat().st_size and len(s.sha256) == 64
        frames, duration = decoded_seconds(path)  # each plays on its own, end to end
        assert frames == round((s.end - s.start).total_seconds() * 10)
        assert abs(duration - (s.end - s.start).total_seconds()) < 0.15
        assert parse_start(path.name) == s.start.replace(microsecond=s.start.microsecond // 1000 * 1000)
    assert not list((tmp_path / "vol").rglob("*" + PART))


def test_segments_are_cut_on_keyframes_only(tmp_path):
    clip = h264_clip(tmp_path / "clip.mp4", seconds=4.0, gop=25)  # a keyframe every 2.5 s
    segs = record(str(clip), tmp_path / "vol", until_s=3.9, segment_s=1.0)
    lengths = [round((s.end - s.start).total_seconds(), 1) for s in segs]
    assert lengths[0] == 2.5  # asked for 1 s, but the next keyframe came at 2.5 s


def test_a_codec_mp4_does_not_carry_goes_to_matroska(tmp_path, vtest):
    segs = record(str(vtest), tmp_path / "vol", until_s=3.0, segment_s=1.0)
    assert segs and all(s.path.endswith(".mkv") and s.codec.startswith("msmpeg4") for s in segs)
    frames, _ = decoded_seconds(tmp_path / "vol" / segs[0].path)
    assert frames > 0


def test_probe_reads_a_finished_file_back(tmp_path):
    clip = h264_clip(tmp_path / "clip.mp4", seconds=3.0)
    seg = record(str(clip), tmp_path / "vol", until_s=2.9, segment_s=1.0)[0]
    again = probe(tmp_path / "vol", seg.path, "cam")
    assert again is not None
    assert (again.path, again.bytes, again.sha256, again.codec) == (
        seg.path,
        seg.bytes,
        seg.sha256,
        seg.codec,
    )
    assert abs((again.end - seg.end).total_seconds()) < 0.15
    assert probe(tmp_path / "vol", "cam/nothing.mp4", "cam") is None


def test_a_full_disk_stops_recording_without_stopping_the_camera(tmp_path):
    clip = h264_clip(tmp_path / "clip.mp4", seconds=2.0)
    volume = tmp_path / "vol"
    volume.write_text("not a directory")  # every write fails, as on a broken volume
    segments: list[Segment] = []
    rec = Recorder("cam", volume, segments.append, 1.0)
    frames = list(VideoSource("cam", str(clip), analysis_fps=5, recorder=rec).frames())
    assert len(frames) == 10 and segments == []
    assert rec.failed is not None


@pytest.mark.rtsp
def test_a_live_stream_killed_for_seconds_leaves_one_gap(tmp_path, vtest):
    from test_rtsp import RtspServer, free_port, gst_available

    if not gst_available():
        pytest.skip("GStreamer RTSP server missing (make test installs it)")
    server = RtspServer(vtest, free_port())
    server.start()
    segments: list[Segment] = []
    src = VideoSource(
        "cam",
        server.url,
        analysis_fps=5,
        open_timeout_s=2,
        reconnect_initial_s=0.2,
        reconnect_max_s=1.0,
        recorder=Recorder("cam", tmp_path / "vol", segments.append, 2.0),
    )
    pts: list[float] = []
    reader = threading.Thread(target=lambda: [pts.append(f.pts_s) for f in src.frames()], daemon=True)
    try:
        reader.start()
        time.sleep(9)  # a few 2-s segments before the outage
        server.kill()
        time.sleep(5)
        server.start()
        back = datetime.now(UTC)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not any(s.start > back for s in segments):
            time.sleep(0.5)
        time.sleep(4)
    finally:
        src.stop()
        server.kill()
        reader.join(10)
    # the recorded time is the stream time received (two runs of frames, split by the outage),
    # less what comes before each connection's first keyframe (up to a GOP, 1 s here, each: the
    # decoder conceals those frames, a segment cannot start on them)
    runs, first = [], pts[0]
    for a, b in zip(pts, pts[1:], strict=False):
        if b - a > 1.0:
            runs.append(a - first + 0.2)
            first = b
    runs.append(pts[-1] - first + 0.2)
    recorded = sum((s.end - s.start).total_seconds() for s in segments)
    assert len(runs) == 2 and -0.3 <= sum(runs) - recorded <= 2 * 1.0 + 0.3, (recorded, runs)
    for s in segments:
        frames, duration = decoded_seconds(tmp_path / "vol" / s.path)
        assert frames > 0 and abs(duration - (s.end - s.start).total_seconds()) < 0.5
    # indexed as the center indexes the workers' notices: one gap of the outage's size
    from gwanje.center.recording.recordings import Recordings
    from gwanje.store import recordings as index
    from gwanje.store.db import open_database

    rec = Recordings(open_database(f"sqlite:///{tmp_path / 'i.db'}"), tmp_path / "vol")
    for seg in segments:
        rec.on_segment(seg)
    with rec.db.sessions() as s:
        holes = index.gaps(s, "cam", segments[0].start, segments[-1].end)
    assert len(holes) == 1, [(h.start_at, h.end_at) for h in holes]
    assert 3 <= (holes[0].end_at - holes[0].start_at).total_seconds() <= 15
    assert holes[0].reason == "signal lost"


def test_events_mode_keeps_only_the_pre_roll_the_event_and_the_post_roll(tmp_path):
    clip = h264_clip(tmp_path / "clip.mp4", seconds=3.0)  # a keyframe every second
    segments: list[Segment] = []
    rec = Recorder(
        "cam", tmp_path / "vol", segments.append, 10.0, mode="events", pre_roll_s=1.0, post_roll_s=1.0
    )
    src = VideoSource("cam", str(clip), analysis_fps=10, loop=True, recorder=rec)
    for frame in src.frames():  # an event from 4.0 s to 5.0 s of stream time
        if abs(frame.pts_s - 4.0) < 1e-3:
            rec.event("e1", "start", frame.pts_s)
        if abs(frame.pts_s - 5.0) < 1e-3:
            rec.event("e1", "end", frame.pts_s)
        if frame.pts_s >= 9.0:
            src.stop()
    # pre-roll from the keyframe a second before (3.0 s) to the post-roll's end (6.0 s); nothing else
    assert len(segments) == 1
    length = (segments[0].end - segments[0].start).total_seconds()
    assert 2.9 <= length <= 3.3, length
    frames, _ = decoded_seconds(tmp_path / "vol" / segments[0].path)
    assert 29 <= frames <= 33
