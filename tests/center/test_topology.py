"""Topology: sides judged from the map and the bearing, links both ways, where to look next; the
learned links; the candidates' ranking by look, time and direction."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
from support.records import T0, make_record

from gwanje.center.follow.candidates import Person, rank, timing
from gwanje.center.follow.topology import Crossing, Topology, learn, side_towards
from gwanje.config import CameraConfig, FollowConfig
from gwanje.store import track_records as repo
from gwanje.store.models_follow import TrackRecordRow


def cam(cid: str, lat: float, lon: float, bearing: float | None = 0.0, neighbours=()) -> CameraConfig:  # noqa: ANN001
    return CameraConfig(
        id=cid,
        url="rtsp://x/",
        location={"lat": lat, "lon": lon, "bearing_deg": bearing},
        neighbours=list(neighbours),
    )


def cameras() -> dict[str, CameraConfig]:
    # A looks north; B lies 100 m west of A, C 100 m north of A; D has no position
    return {
        "A": cam(
            "A",
            37.0,
            127.0,
            0.0,
            [{"camera": "B", "walk_s": 60}, {"camera": "C", "walk_s": 80, "exit": "top"}],
        ),
        "B": cam("B", 37.0, 126.99887, 90.0),
        "C": cam("C", 37.0009, 127.0, 180.0),
        "D": CameraConfig(id="D", url="rtsp://x/"),
    }


def test_sides_come_from_the_map_and_the_bearing() -> None:
    cams = cameras()
    assert side_towards(cams["A"], cams["B"]) == "left"  # looking north, west is to the left
    assert side_towards(cams["A"], cams["C"]) == "top"
    assert side_towards(cams["B"], cams["A"]) == "top"  # B looks east, toward A
    assert side_towards(cams["A"], cams["D"]) is None


def test_links_go_both_ways_and_the_exit_side_ranks_the_neighbours() -> None:
    topo = Topology(cameras())
    assert {(lk.source, lk.target, lk.origin) for lk in topo.links()} == {
        ("A", "B", "configured"),
        ("A", "C", "configured"),
        ("B", "A", "configured (reverse)"),
        ("C", "A", "configured (reverse)"),
    }
    left = topo.next_cameras("A", "left")
    assert [lk.target for lk, _ in left][:2] == ["B", "C"]
    assert dict((lk.target, w) for lk, w in left)["A"] == 0.1  # turning back after leaving by a side
    inside = dict((lk.target, w) for lk, w in topo.next_cameras("A", None))
    assert inside["A"] > inside["B"]  # lost inside the picture: most likely still there


def test_learned_links_from_exits_followed_by_a_look_alike_entry() -> None:
    v, other = np.ones(8, np.float32), -np.ones(8, np.float32)
    exits = [Crossing("A", T0 + timedelta(minutes=k), "left", v, "m") for k in range(4)]
    entries = [Crossing("B", T0 + timedelta(minutes=k, seconds=40), "right", v, "m") for k in range(4)]
    entries += [Crossing("C", T0 + timedelta(minutes=k, seconds=20), None, other, "m") for k in range(4)]
    links = learn(exits, entries, None, min_pairs=3, configured=set())
    assert [(lk.source, lk.target, lk.pairs, round(lk.walk_s)) for lk in links] == [("A", "B", 4, 40)]
    assert learn(exits, entries, None, min_pairs=3, configured={("A", "B")}) == []


def rows(record) -> list[TrackRecordRow]:  # noqa: ANN001
    return [TrackRecordRow(**repo.row_values(record, None))]


def test_candidates_rank_by_look_time_and_direction() -> None:
    topo = Topology(cameras())
    links = topo.next_cameras("A", "left")
    me, stranger = np.ones(8), -np.ones(8)
    person = Person(me.astype(np.float32), "m", None, T0, "A")
    tracks = {
        "look-alike, on time": rows(make_record("B", 1, start_s=55, vector=me, model="m", entry_edge="top")),
        "stranger, on time": rows(
            make_record("B", 2, start_s=60, vector=stranger, model="m", entry_edge="top")
        ),
        "look-alike, much too late": rows(make_record("B", 3, start_s=1000, vector=me, model="m")),
        "look-alike, other way": rows(make_record("C", 4, start_s=80, vector=me, model="m")),
    }
    sides = {"B": side_towards(topo.cameras["B"], topo.cameras["A"]), "C": "bottom", "A": None}
    got = rank(person, links, tracks, sides, (3.0, -1.0), FollowConfig())
    assert [c.track_id for c in got] == [1, 4, 2]  # the late one is outside the window
    assert got[0].appearance > 0.9 > got[2].appearance
    assert timing(60, 60) == 1.0 and timing(600, 60) < 0.01
