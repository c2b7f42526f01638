"""Recordings over HTTP: timeline, playback with range requests, who may watch, legal holds."""

from __future__ import annotations

from datetime import timedelta

import av
import pytest
from video.test_recorder import h264_clip

from gwanje.domain import Segment
from gwanje.video.recorder import Recorder
from gwanje.video.source import VideoSource


@pytest.fixture
def recorded(center, tmp_path):
    """Three 1-s segments of camera cam-1, recorded into the center's volume and indexed."""
    core = center.app.state.center
    segs: list[Segment] = []
    rec = Recorder("cam-1", core.recordings.volume, segs.append, 1.0)
    list(
        VideoSource("cam-1", str(h264_clip(tmp_path / "clip.mp4", 3.0)), recorder=rec, realtime=True).frames()
    )
    for seg in segs:
        core.recordings.on_segment(seg)
    return segs


def span(segs, pad=0.0):
    return {
        "start": (segs[0].start - timedelta(seconds=pad)).isoformat(),
        "end": (segs[-1].end + timedelta(seconds=pad)).isoformat(),
    }


def test_operator_sees_the_timeline_and_plays_a_range_across_segments(center, recorded):
    kim = center.client("kim")
    tl = kim.get("/api/recordings/cam-1/timeline", params=span(recorded, 60))
    assert tl.status_code == 200, tl.text
    body = tl.json()
    assert (
        len(body["recorded"]) == 1
        and body["gaps"] == []
        and body["codec"] == "h264"
        and not body["transcode"]
    )
    r = kim.get("/api/recordings/cam-1/clip", params={**span(recorded), "purpose": "순찰 확인"})
    assert r.status_code == 200, r.text
    clip = r.json()
    total = (recorded[-1].end - recorded[0].start).total_seconds()
    assert abs(clip["duration_s"] - total) < 0.2 and clip["offset_s"] == 0 and not clip["transcoded"]
    whole = kim.get(clip["url"])
    assert whole.status_code == 200 and whole.headers["content-type"] == "video/mp4"
    part = kim.get(clip["url"], headers={"Range": "bytes=0-99"})
    assert part.status_code == 206 and len(part.content) == 100
    path = center.app.state.center.playback.cache / clip["url"].split("?")[0].rsplit("/", 1)[1]
    with av.open(str(path)) as c:
        assert abs(c.duration / 1e6 - total) < 0.2
        assert sum(1 for _ in c.decode(video=0)) == round(total * 10)
    audit = center.client("park").get("/api/audit", params={"action": "view_recording"}).json()
    assert audit[0]["username"] == "kim" and audit[0]["target"] == "cam-1"
    assert audit[0]["detail"]["purpose"] == "순찰 확인"
    assert center.client("park").get("/api/audit", params={"action": "recording_search"}).json()


def test_a_clip_plays_only_for_the_viewing_that_asked_for_it(center, recorded):
    """The file's name is a hash of camera, range and segments: a colleague who knows (or
    guesses) it is refused until they ask for the range with a purpose, which is recorded."""
    kim, park = center.client("kim"), center.client("park")
    url = kim.get("/api/recordings/cam-1/clip", params={**span(recorded), "purpose": "순찰 확인"}).json()[
        "url"
    ]
    bare = url.split("?", 1)[0]
    assert park.get(url).status_code == 403  # kim's grant, not park's session
    assert park.get(bare).status_code == 422  # no grant at all
    assert kim.get(bare + "?grant=guessed").status_code == 403
    for empty in ("", "   "):
        r = park.get("/api/recordings/cam-1/clip", params={**span(recorded), "purpose": empty})
        assert r.status_code == 422, empty
    mine = park.get("/api/recordings/cam-1/clip", params={**span(recorded), "purpose": "사건 검토"}).json()[
        "url"
    ]
    assert mine.split("?", 1)[0] == bare and park.get(mine).status_code == 200  # the same file, now recorded
    views = park.get("/api/audit", params={"action": "view_recording"}).json()
    assert sorted((a["username"], a["detail"]["purpose"]) for a in views) == [
        ("kim", "순찰 확인"),
        ("park", "사건 검토"),
    ]
    kim.post("/api/auth/logout")
    assert center.client("kim").get(url).status_code == 403  # a new session: the old grant ended with it


def test_agency_liaisons_may_not_browse_recordings(center, recorded):
    police = center.client("police")
    assert police.get("/api/recordings/cam-1/timeline", params=span(recorded)).status_code == 403
    assert police.get("/api/recordings/cam-1/clip", params=span(recorded)).status_code == 403
    url = center.client("kim").get("/api/recordings/cam-1/clip", params={**span(recorded), "purpose": "확인"})
    url = url.json()["url"]
    assert police.get(url).status_code == 403
    assert center.client().get(url).status_code == 401


def test_bad_ranges_get_clear_4xx(center, recorded):
    kim = center.client("kim")
    s = recorded[0].start
    cases = {
        422: [
            {"start": s.replace(tzinfo=None).isoformat(), "end": (s + timedelta(seconds=5)).isoformat()},
            {"start": s.isoformat(), "end": (s - timedelta(seconds=5)).isoformat()},
            {"start": s.isoformat(), "end": (s + timedelta(hours=2)).isoformat()},
            {"start": "yesterday", "end": s.isoformat()},
        ],
        404: [{"start": (s - timedelta(hours=3)).isoformat(), "end": (s - timedelta(hours=2)).isoformat()}],
    }
    for status, params in cases.items():
        for p in params:
            r = kim.get("/api/recordings/cam-1/clip", params={**p, "purpose": "확인"})
            assert r.status_code == status, (p, r.text)
            assert r.json()["detail"]
    assert (
        kim.get("/api/recordings/nope/clip", params={**span(recorded), "purpose": "확인"}).status_code == 404
    )
    assert kim.get("/api/recordings/clips/..%2Fsecret.mp4").status_code == 404


def test_only_supervisors_hold_and_release_and_both_are_audited(center, recorded):
    body = {"camera_ids": ["cam-1"], **span(recorded), "case_number": "2026-0042", "reason": "폭행 사건 수사"}
    assert center.client("kim").post("/api/holds", json=body).status_code == 403
    park = center.client("park")
    assert park.post("/api/holds", json={**body, "camera_ids": ["nope"]}).status_code == 422
    r = park.post("/api/holds", json=body)
    assert r.status_code == 201, r.text
    hold = r.json()
    assert hold["active"] and hold["created_by"] == "park"
    assert park.post(f"/api/holds/{hold['id']}/release", json={"reason": ""}).status_code == 422
    assert (
        park.post(f"/api/holds/{hold['id']}/release", json={"reason": "사건 종결"}).json()["active"] is False
    )
    assert park.post(f"/api/holds/{hold['id']}/release", json={"reason": "again"}).status_code == 409
    assert park.post("/api/holds/999/release", json={"reason": "x"}).status_code == 404
    actions = [a["action"] for a in park.get("/api/audit").json()]
    assert "hold_create" in actions and "hold_release" in actions
