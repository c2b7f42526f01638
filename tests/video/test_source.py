from itertools import islice

import numpy as np
import pytest

from gwanje.domain import CameraStatus
from gwanje.video.source import Backoff, Pacer, SourceError, VideoSource


def test_backoff_is_capped_exponential():
    b = Backoff(0.5, 4.0)
    assert [b.next_delay() for _ in range(6)] == [0.5, 1.0, 2.0, 4.0, 4.0, 4.0]
    b.reset()
    assert b.next_delay() == 0.5


def test_pacer_keeps_one_frame_per_period_on_stream_time():
    p = Pacer(5.0)
    kept = [t for t in np.arange(0, 2.0, 0.1).round(2) if p.take(float(t))]
    assert kept == pytest.approx([0.0, 0.2, 0.4, 0.6, 0.8, 1.0, 1.2, 1.4, 1.6, 1.8])


def test_pacer_restarts_after_a_gap():
    p = Pacer(5.0)
    assert p.take(0.0) and p.take(0.2)
    assert p.take(10.0)  # a stall: restart the schedule from here
    assert not p.take(10.1) and p.take(10.2)


def test_file_frames_are_paced_from_stream_timestamps(vtest):
    src = VideoSource("pets", str(vtest), analysis_fps=5)
    frames = list(islice(src.frames(), 20))
    times = [f.pts_s for f in frames]
    assert times == pytest.approx([i * 0.2 for i in range(20)], abs=1e-6)
    assert frames[0].image.shape == (576, 768, 3)
    assert [f.index for f in frames] == list(range(20))
    assert src.state.status == CameraStatus.ONLINE
    assert src.state.frames == 20


def test_whole_file_at_5fps_ends_offline(vtest):
    src = VideoSource("pets", str(vtest), analysis_fps=5)
    n = sum(1 for _ in src.frames())
    assert n == 398  # 795 frames at 10 fps, every other one
    assert src.state.status == CameraStatus.OFFLINE
    assert src.state.last_error == "end of file"


def test_missing_file():
    with pytest.raises(SourceError, match="video file not found: /no/such.avi"):
        VideoSource("x", "/no/such.avi")


def test_file_that_is_not_video(tmp_path):
    bad = tmp_path / "notes.avi"
    bad.write_bytes(b"this is not a video at all" * 100)
    src = VideoSource("x", str(bad))
    with pytest.raises(SourceError, match="not a readable video"):
        next(src.frames())
    assert src.state.status == CameraStatus.OFFLINE


def test_truncated_video_reads_what_it_can(tmp_path, vtest):
    cut = tmp_path / "cut.avi"
    cut.write_bytes(vtest.read_bytes()[:400_000])
    frames = list(VideoSource("x", str(cut), analysis_fps=5).frames())
    assert 0 < len(frames) < 398
