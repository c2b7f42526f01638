"""Track records in the store, on both databases: a record resent is one row; the filters the
search uses; the entries the follow mode looks at; destruction with the footage."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
from support.records import T0, make_record

from gwanje.store import track_records as repo
from gwanje.store.db import open_database


def add(db, records) -> None:  # noqa: ANN001
    with db.sessions.begin() as s:
        repo.add(s, [repo.row_values(r, None) for r in records])


def test_records_are_added_once_and_read_back(db_url: str) -> None:
    db = open_database(db_url)
    vec = np.arange(71) / 71.0
    rec = make_record(vector=vec, exit_edge="left", final=True)
    add(db, [rec])
    add(db, [rec])  # the same fact resent (a worker's retry, the stream's redelivery)
    with db.sessions() as s:
        assert repo.count(s) == 1
        row = repo.get(s, rec.record_id)
        assert row.exit_edge == "left" and row.upper_colour == "red"
        assert np.allclose(repo.vector_of(row.appearance), vec, atol=1e-3)
        assert repo.hist_of(row.colour_hist)[0:11].argmax() == 3  # red
    db.close()


def test_filters_pick_by_time_camera_colour_and_direction(db_url: str) -> None:
    db = open_database(db_url)
    add(
        db,
        [
            make_record("cam-1", 1, start_s=0, upper="red", heading=180.0),
            make_record("cam-1", 2, start_s=600, upper="blue", heading=0.0),
            make_record("cam-2", 3, start_s=30, upper="red", lower="black", heading=90.0),
            make_record("cam-2", 4, start_s=3600 * 5, upper="red"),
        ],
    )

    def ids(**kw) -> set[int]:  # noqa: ANN003
        f = repo.Filters(start=T0 - timedelta(minutes=1), end=T0 + timedelta(hours=1), **kw)
        with db.sessions() as s:
            return {r.track_id for r in s.scalars(repo.filtered(f))}

    assert ids() == {1, 2, 3}  # the one 5 hours later is outside the hour
    assert ids(upper=("red",)) == {1, 3}
    assert ids(upper=("red",), lower=("black",)) == {3}
    assert ids(cameras=("cam-1",)) == {1, 2}
    assert ids(headings=((135.0, 225.0),)) == {1}
    assert ids(cameras=()) == set()
    db.close()


def test_entries_and_destruction_with_the_footage(db_url: str) -> None:
    db = open_database(db_url)
    add(
        db,
        [
            make_record("cam-2", 1, start_s=10),
            make_record("cam-2", 1, part=1, start_s=12, track_start_s=10, final=True),
            make_record("cam-2", 2, start_s=40),
            make_record("cam-3", 5, start_s=15),
        ],
    )
    with db.sessions() as s:
        got = repo.entries_between(
            s, ["cam-2"], T0 + timedelta(seconds=5), T0 + timedelta(seconds=30), "person"
        )
        assert [(r.track_id, r.part) for r in got] == [(1, 0), (1, 1)]
    with db.sessions.begin() as s:
        gone, crops = repo.delete_within(s, [("cam-2", T0, T0 + timedelta(seconds=20))])
    assert gone == 2
    with db.sessions() as s:
        assert {r.id for r in s.scalars(repo.filtered(repo.Filters()))} == {
            "cam-2:40000:2:0",
            "cam-3:15000:5:0",
        }
        assert [r[0] for r in repo.older(s, ["cam-2", "cam-3"], T0 + timedelta(seconds=30), 10)] == [
            "cam-3:15000:5:0"
        ]
    db.close()
