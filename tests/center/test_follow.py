"""The follow mode in the center, on both databases: from a live track to its exit, the next
cameras on the operator's wall, the candidates, a confirmed step; what survives a restart; the
refusals; the records go with their footage."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest
from support.events import make_event
from support.records import T0, make_record

from gwanje.bus import Bus
from gwanje.center.core import Center
from gwanje.center.follow.chains import FollowError, FollowService, Start
from gwanje.config import SiteConfig
from gwanje.domain import EventType, Segment
from gwanje.store import holds
from gwanje.store.db import open_database
from gwanje.store.models import AuditRow, now_utc


def site(tmp_path: Path) -> SiteConfig:
    def cam(cid: str, lon: float, bearing: float, neighbours=()) -> dict:  # noqa: ANN001
        return {
            "id": cid,
            "url": f"/nonexistent/{cid}.mp4",
            "location": {"lat": 37.0, "lon": lon, "bearing_deg": bearing},
            "neighbours": list(neighbours),
        }

    return SiteConfig.model_validate(
        {
            "cameras": [
                cam("A", 127.0, 0.0, [{"camera": "B", "walk_s": 30, "exit": "left"}]),
                cam("B", 126.999, 0.0),
                cam("C", 127.001, 0.0, [{"camera": "A", "walk_s": 40}]),
            ],
            "server": {"data_dir": str(tmp_path / "data"), "keep_events_days": 3650},
        }
    )


class Walls:
    def __init__(self) -> None:
        self.last: dict[str, list[str]] = {}

    def __call__(self, operator: str, cameras: list[tuple[str, str]]) -> None:
        self.last[operator] = [c for c, _ in cameras]


@pytest.fixture
def running(db_url: str, tmp_path: Path):
    cfg = site(tmp_path)
    db = open_database(db_url)
    center = Center(cfg, db, Bus(), start_workers=False)
    center.start()
    live: dict[str, tuple] = {"A": ((7, "person", 0.4, 0.3, 0.45, 0.5),)}
    walls = Walls()

    def make() -> FollowService:
        f = FollowService(db, center.bus, cfg, center.records, Path(cfg.server.data_dir))
        f.walls = walls
        f.live_tracks = lambda cam: live.get(cam, ())
        f.start()
        return f

    yield center, make, walls, live
    center.stop()
    db.close()


ME = np.linspace(-1, 1, 16)
OTHER = -ME


def test_a_follow_from_a_live_track_to_a_confirmed_step_on_the_next_camera(running) -> None:
    center, make, walls, live = running
    follow = make()
    view = follow.begin("kim", Start(camera_id="A", track_id=7), "절도 용의자 추적")
    assert view["state"] == "watching" and walls.last["kim"] == ["A"]
    assert [s["kind"] for s in view["steps"]] == ["start"]
    # the camera's records of that track (live: times of now): seen, then gone by the left side
    now = now_utc() - timedelta(seconds=3)
    center.records.ingest([make_record("A", 7, start_s=0, vector=ME, t0=now)])
    center.records.ingest(
        [
            make_record(
                "A", 7, part=1, start_s=2, track_start_s=0, final=True, exit_edge="left", vector=ME, t0=now
            )
        ]
    )
    view = follow.view(view["id"], "kim", False)
    assert view["state"] == "searching" and view["exit_edge"] == "left"
    assert walls.last["kim"][:2] == ["A", "B"]  # the next camera on the wall, beside the last one
    # two people come into view on B within the walk: the look-alike first
    center.records.ingest(
        [
            make_record("B", 3, start_s=30, vector=OTHER, t0=now),
            make_record("B", 4, start_s=32, vector=ME, t0=now),
        ]
    )
    view = follow.view(view["id"], "kim", False)
    assert [c["track_id"] for c in view["candidates"]][:2] == [4, 3]
    view = follow.confirm(view["id"], view["candidates"][0]["record_id"], "kim", False)
    assert view["state"] == "watching" and view["camera_id"] == "B" and view["track_id"] == 4
    assert [(s["kind"], s["camera_id"], s["rank"]) for s in view["steps"]] == [
        ("start", "A", None),
        ("confirmed", "B", 0),
    ]
    assert view["steps"][1]["crop"]  # a copy of the crop is kept with the step
    assert walls.last["kim"] == ["B"]
    # a restart of the center: a new service on the same store finds the follow where it was
    again = make()
    assert again.view(view["id"], "kim", False)["steps"] == view["steps"]
    assert again.listing("kim")[0]["id"] == view["id"]
    with center.db.sessions() as s:
        actions = {r.action for r in s.query(AuditRow).filter(AuditRow.target == view["id"])}
    assert {"follow_start", "follow_left_view", "follow_confirm"} <= actions
    again.end(view["id"], "kim", False)
    assert walls.last["kim"] == []


def test_a_follow_from_an_alert_and_from_a_record(running) -> None:
    center, make, _, _ = running
    follow = make()
    event = make_event("C", EventType.LOITERING, started_at=T0)
    event = type(event)(**{**event.__dict__, "track_ids": (9,)})
    center.ingest([event])
    center.records.ingest([make_record("C", 9, start_s=1, vector=ME)])
    alert_id = next(iter(center.last_ingest.alert_of.values()))
    view = follow.begin("kim", Start(alert_id=alert_id), "배회자 추적")
    assert (view["camera_id"], view["track_id"], view["alert_id"]) == ("C", 9, alert_id)
    done = make_record("B", 2, start_s=5, final=True, exit_edge="right", vector=ME)
    center.records.ingest([done])
    from_record = follow.begin("park", Start(record_id=done.record_id), "검색 결과에서 추적")
    assert from_record["state"] == "searching"  # that person has left the view already


def test_refusals(running) -> None:
    center, make, _, live = running
    follow = make()
    with pytest.raises(FollowError, match="purpose"):
        follow.begin("kim", Start(camera_id="A", track_id=7), "  ")
    with pytest.raises(FollowError, match="no camera") as e:
        follow.begin("kim", Start(camera_id="Z", track_id=7), "x")
    assert e.value.status == 404
    with pytest.raises(FollowError, match="not in view") as e:
        follow.begin("kim", Start(camera_id="A", track_id=99), "x")
    assert e.value.status == 404
    with pytest.raises(FollowError, match="no such track record"):
        follow.begin("kim", Start(record_id="A:0:1:0"), "x")
    with pytest.raises(FollowError, match="name the person"):
        follow.begin("kim", Start(), "x")
    view = follow.begin("kim", Start(camera_id="A", track_id=7), "x")
    with pytest.raises(FollowError) as e:  # someone else's follow: not even there for an operator
        follow.end(view["id"], "lee", False)
    assert e.value.status == 404
    with pytest.raises(FollowError, match="in view") as e:
        follow.not_seen(view["id"], "B", "kim", False)
    assert e.value.status == 409
    car = make_record("B", 5, start_s=3, class_name="car")
    center.records.ingest([car])
    with pytest.raises(FollowError, match="not of a person"):
        follow.confirm(view["id"], car.record_id, "kim", False)
    follow.end(view["id"], "park", True)  # a supervisor may end anyone's
    with pytest.raises(FollowError, match="ended already") as e:
        follow.end(view["id"], "kim", False)
    assert e.value.status == 409


def test_records_go_with_the_footage_they_point_into(running) -> None:
    center, _, _, _ = running
    old = make_record("A", 1, start_s=0)
    kept = make_record("A", 2, start_s=100)
    center.records.ingest([old, kept])
    crop = center.records.crop_dir / f"A/{T0:%Y-%m-%d}/{old.record_id.replace(':', '_')}.jpg"
    assert crop.is_file()
    seg = Segment("A", T0 - timedelta(seconds=5), T0 + timedelta(seconds=10), "A/x.mp4", 10, "0" * 64, "h264")
    center.recordings.on_segment(seg)
    center.recordings.enforce_retention({"A": 1.0}, now=T0 + timedelta(days=1, seconds=20))
    with center.db.sessions() as s:
        from gwanje.store import track_records as repo

        assert repo.get(s, old.record_id) is None and repo.get(s, kept.record_id) is not None
        assert s.query(AuditRow).filter(AuditRow.action == "track_record_destroy").count() == 1
    assert not crop.exists()
    # a camera without recordings loses them after its retention, unless a legal hold covers them
    with center.db.sessions.begin() as s:
        hold = holds.create(
            s,
            camera_ids=["A"],
            start=T0,
            end=T0 + timedelta(minutes=5),
            case_number="2026-1",
            reason="수사",
            username="park",
        )
    assert center.forget_old_records({"A": 1.0}, now=T0 + timedelta(days=2)) == 0
    with center.db.sessions.begin() as s:
        holds.release(s, hold.id, username="park", reason="수사 종결")
    assert center.forget_old_records({"A": 1.0}, now=T0 + timedelta(days=2)) == 1
