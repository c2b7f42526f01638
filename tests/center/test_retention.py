"""Retention, legal holds and the disk guard, on real segment files and both databases."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta

import pytest
from video.test_recorder import h264_clip

from gwanje.center.recording.recordings import Recordings
from gwanje.config import RecordingSiteConfig
from gwanje.domain import Segment
from gwanje.store import audit, holds
from gwanje.store import recordings as index
from gwanje.store.db import open_database
from gwanje.video.recorder import segment_path

DAY0 = datetime(2026, 11, 1, tzinfo=UTC)


@pytest.fixture
def volume(tmp_path):
    return tmp_path / "vol"


@pytest.fixture
def one_file(tmp_path):
    from gwanje.video.recorder import Recorder
    from gwanje.video.source import VideoSource

    segs: list[Segment] = []
    rec = Recorder("x", tmp_path / "src", segs.append, 1.0)
    list(VideoSource("x", str(h264_clip(tmp_path / "clip.mp4", 1.5)), recorder=rec).frames())
    return tmp_path / "src" / segs[0].path


def add_days(rec: Recordings, one_file, camera: str, days: list[int]) -> list[Segment]:
    """A 10-s segment of ``camera`` at noon of each day (a copy of a real file)."""
    out = []
    for d in days:
        start = DAY0 + timedelta(days=d, hours=12)
        rel = segment_path(camera, start, "mp4")
        (rec.volume / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(one_file, rec.volume / rel)
        seg = Segment(
            camera, start, start + timedelta(seconds=10), rel, one_file.stat().st_size, "0" * 64, "h264"
        )
        rec.on_segment(seg)
        out.append(seg)
    return out


def paths(rec: Recordings) -> list[str]:
    with rec.db.sessions() as s:
        return [
            r.path for r in index.segments(s, "cam", DAY0 - timedelta(days=1), DAY0 + timedelta(days=99))
        ] + [r.path for r in index.segments(s, "cam2", DAY0 - timedelta(days=1), DAY0 + timedelta(days=99))]


def test_retention_destroys_exactly_the_expired_unheld_and_audits_it(db_url, volume, one_file):
    rec = Recordings(open_database(db_url), volume)
    segs = add_days(rec, one_file, "cam", [0, 1, 2, 3, 4])
    other = add_days(rec, one_file, "cam2", [0, 1])
    with rec.db.sessions.begin() as s:  # day 1 of cam is held for a case
        hold = holds.create(
            s,
            camera_ids=["cam"],
            start=DAY0 + timedelta(days=1),
            end=DAY0 + timedelta(days=1, hours=13),
            case_number="2026-112-0042",
            reason="assault at the crossing",
            username="sup",
        )
        hold_id = hold.id
    now = DAY0 + timedelta(days=4, hours=12, minutes=1)  # cam keeps 2 days, cam2 30
    assert rec.enforce_retention({"cam": 2.0, "cam2": 30.0}, now=now) == 2  # days 0 and 2; 1 is held
    kept = paths(rec)
    assert segs[0].path not in kept and segs[1].path in kept and segs[2].path not in kept
    assert segs[3].path in kept and segs[4].path in kept
    assert all(o.path in kept for o in other)
    assert not (volume / segs[0].path).exists() and (volume / segs[1].path).exists()
    with rec.db.sessions() as s:
        rows = audit.recent(s, action="recording_destroy")
    assert len(rows) == 1 and rows[0].username == "system" and rows[0].target == "cam"
    assert rows[0].detail["segments"] == 2 and rows[0].detail["rule"] == "retention 2 days"
    # the hold released: the next round takes day 1 too
    with rec.db.sessions.begin() as s:
        holds.release(s, hold_id, username="sup", reason="case closed")
    assert rec.enforce_retention({"cam": 2.0}, now=now) == 1
    assert segs[1].path not in paths(rec)


def test_hold_needs_case_and_reason_and_is_released_once(db_url):
    db = open_database(db_url)
    with db.sessions.begin() as s:
        with pytest.raises(holds.HoldError):
            holds.create(
                s, camera_ids=["cam"], start=DAY0, end=DAY0, case_number="1", reason="x", username="u"
            )
        with pytest.raises(holds.HoldError):
            holds.create(
                s,
                camera_ids=["cam"],
                start=DAY0,
                end=DAY0 + timedelta(hours=1),
                case_number=" ",
                reason="x",
                username="u",
            )
        h = holds.create(
            s,
            camera_ids=["cam"],
            start=DAY0,
            end=DAY0 + timedelta(hours=1),
            case_number="1",
            reason="x",
            username="u",
        )
        holds.release(s, h.id, username="u", reason="done")
        with pytest.raises(holds.HoldError):
            holds.release(s, h.id, username="u", reason="again")


def test_disk_guard_takes_the_oldest_unheld_first_and_never_held_footage(db_url, volume, one_file):
    size = one_file.stat().st_size
    rec = Recordings(
        open_database(db_url), volume, RecordingSiteConfig(min_free_percent=0, max_bytes=3 * size)
    )
    paused: list[bool] = []
    rec.on_pause = paused.append
    segs = add_days(rec, one_file, "cam", [0, 1, 2, 3, 4, 5])
    with rec.db.sessions.begin() as s:
        holds.create(
            s,
            camera_ids=["cam"],
            start=DAY0,
            end=DAY0 + timedelta(days=1, hours=13),
            case_number="c",
            reason="r",
            username="sup",
        )  # days 0 and 1 held
    state = rec.guard()
    kept = paths(rec)
    assert kept == [segs[0].path, segs[1].path, segs[5].path]  # 2, 3, 4 went (oldest unheld first)
    assert not state.paused and paused == []
    assert state.bytes <= 3 * size
    rec.settings = RecordingSiteConfig(min_free_percent=0, max_bytes=size)  # only held footage can't fit
    state = rec.guard()
    assert paths(rec) == [segs[0].path, segs[1].path]  # the held ones stay
    assert state.paused and paused == [True] and state.warning
    rec.settings = RecordingSiteConfig(min_free_percent=0, max_bytes=10 * size)
    assert not rec.guard().paused and paused == [True, False]


def test_disk_guard_on_a_nearly_full_filesystem(db_url, volume, one_file):
    """Free space under the floor (as the filesystem reports it) frees the oldest first."""
    size = one_file.stat().st_size
    rec = Recordings(open_database(db_url), volume, RecordingSiteConfig(min_free_percent=10))
    segs = add_days(rec, one_file, "cam", [0, 1, 2])

    def usage(_path):  # a 10-segment disk holding these files and 6.5 segments of something else
        used = sum(f.stat().st_size for f in volume.rglob("*.mp4")) + 6.5 * size
        return 10 * size, int(10 * size - used)

    rec.usage = usage
    rec.guard()  # 9.5 used: 5 % free → delete day 0 → 15 % free
    assert paths(rec) == [segs[1].path, segs[2].path]


def test_held_segments_never_block_retention_of_later_ones(db_url, volume, one_file):
    rec = Recordings(open_database(db_url), volume)
    rec.batch = 2  # batches smaller than the held ones ahead
    segs = add_days(rec, one_file, "cam", [0, 1, 2, 3, 4, 10])
    with rec.db.sessions.begin() as s:
        holds.create(
            s,
            camera_ids=["cam"],
            start=DAY0,
            end=DAY0 + timedelta(days=2, hours=13),
            case_number="c",
            reason="r",
            username="u",
        )
    assert rec.enforce_retention({"cam": 5.0}, now=DAY0 + timedelta(days=10)) == 2  # days 3 and 4
    assert paths(rec) == [s.path for s in segs[:3]] + [segs[5].path]


def test_unfinished_files_of_dead_workers_are_swept_once_stale(db_url, volume, one_file):
    import os
    import time

    rec = Recordings(open_database(db_url), volume)
    (volume / "cam").mkdir(parents=True)
    stale, live = volume / "cam" / "a.mp4.part", volume / "cam" / "b.mp4.part"
    shutil.copy(one_file, stale)
    shutil.copy(one_file, live)
    os.utime(stale, (time.time() - 3600, time.time() - 3600))
    assert rec.sweep_unfinished(600) == 1
    assert not stale.exists() and live.exists()
