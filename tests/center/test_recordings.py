"""The recordings index: segments and gaps from worker notices, and the volume reconciled at start."""

from __future__ import annotations

import shutil
from datetime import timedelta

from video.test_recorder import h264_clip

from gwanje.center.recording.recordings import Recordings
from gwanje.domain import Segment
from gwanje.store import recordings as index
from gwanje.store.db import open_database
from gwanje.video.recorder import PART, Recorder
from gwanje.video.source import VideoSource


def recorded(tmp_path, seconds=3.0) -> tuple[list[Segment], object]:
    clip = h264_clip(tmp_path / "clip.mp4", seconds=seconds)
    volume = tmp_path / "vol"
    segs: list[Segment] = []
    rec = Recorder("cam", volume, segs.append, 1.0)
    list(VideoSource("cam", str(clip), analysis_fps=5, recorder=rec).frames())
    return segs, volume


def test_segments_index_with_a_gap_for_a_pause(db_url, tmp_path):
    segs, volume = recorded(tmp_path)
    rec = Recordings(open_database(db_url), volume)
    first, second, *_ = segs
    later = Segment(
        "cam",
        second.start + timedelta(seconds=20),
        second.end + timedelta(seconds=20),
        "cam/x/later.mp4",
        second.bytes,
        second.sha256,
        "h264",
    )
    rec.on_segment(first)
    rec.on_segment(second)
    rec.worker_restarted(["cam"])  # its first segment after that follows a gap that says why
    rec.on_segment(later)
    rec.on_segment(second)  # again: indexed once
    with rec.db.sessions() as s:
        rows = index.segments(s, "cam", first.start, later.end)
        holes = index.gaps(s, "cam", first.start, later.end)
    assert [r.path for r in rows] == [first.path, second.path, later.path]
    assert len(holes) == 1 and holes[0].reason == "worker restarted"
    assert (
        abs((holes[0].end_at.replace(tzinfo=None) - later.start.replace(tzinfo=None)).total_seconds()) < 1e-3
    )


def test_reconcile_indexes_orphans_removes_unfinished_and_marks_missing(db_url, tmp_path):
    segs, volume = recorded(tmp_path)
    assert len(segs) >= 3
    rec = Recordings(open_database(db_url), volume)
    rec.on_segment(segs[0])  # the notices of the others were lost (a crash)
    gone = Segment(
        "cam",
        segs[0].start - timedelta(hours=1),
        segs[0].start - timedelta(minutes=59),
        "cam/old.mp4",
        1,
        "0" * 64,
        "h264",
    )
    rec.on_segment(gone)  # indexed, but its file is gone since
    unfinished = volume / segs[0].path.replace(".mp4", "-b.mp4" + PART)
    shutil.copy(volume / segs[0].path, unfinished)
    (volume / "cam" / "notes.txt").write_text("not a segment")
    result = rec.reconcile()
    assert result == {"indexed": len(segs) - 1, "removed": 1, "missing": 1}
    assert not unfinished.exists()
    with rec.db.sessions() as s:
        rows = index.segments(s, "cam", gone.start, segs[-1].end)
    assert [r.path for r in rows] == [gone.path] + [x.path for x in segs]
    assert rows[0].missing_at is not None and all(r.missing_at is None for r in rows[1:])
    by_path = {r.path: r for r in rows}
    for seg in segs:  # read back from the files: the same hash and size the worker reported
        assert (by_path[seg.path].sha256, by_path[seg.path].bytes) == (seg.sha256, seg.bytes)
    assert rec.reconcile() == {"indexed": 0, "removed": 0, "missing": 0}
