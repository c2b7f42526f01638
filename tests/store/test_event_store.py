"""The hit (event) repository on both databases: start and end phases, snapshots, a failed batch."""

from __future__ import annotations

from datetime import timedelta

import pytest
from support.events import make_event

from gwanje.domain import EventType
from gwanje.store import events as repo
from gwanje.store.db import open_database
from gwanje.store.models import EventRow, now_utc


@pytest.fixture
def db(db_url: str):
    database = open_database(db_url)
    yield database
    database.close()


def ingest(session, events, snapshot_dir):
    """The store's part of the center's ingest: new hits inserted, end phases applied."""
    rows, ends = repo.new_hits(session, events, snapshot_dir=snapshot_dir)
    repo.insert_hits(session, rows)
    return rows, repo.apply_ends(session, ends)


def test_ingest_start_and_end_phases_with_snapshot(db, tmp_path) -> None:
    start = make_event(type=EventType.FIRE, snapshot=b"\xff\xd8jpeg", start_s=5.0)
    end = make_event(event_id=start.event_id, type=EventType.FIRE, phase="end", start_s=5.0, end_s=17.5)
    with db.sessions.begin() as s:
        created, ended = ingest(s, [start], snapshot_dir=tmp_path)
        assert [r["id"] for r in created] == [start.event_id] and ended == {}
    with db.sessions.begin() as s:
        created, ended = ingest(s, [start, end], snapshot_dir=tmp_path)
        assert created == []  # a repeated start is ignored
        assert ended == {start.event_id: end.ended_at}
    with db.sessions() as s:
        row = repo.get(s, start.event_id)
        assert row.type == "fire" and row.end_s == 17.5
        assert (row.ended_at - row.started_at) == timedelta(seconds=12.5)
        assert (tmp_path / row.snapshot_path).read_bytes() == b"\xff\xd8jpeg"
        assert row.details == {"dwell_s": 12.5} and row.boxes == [[10.0, 20.0, 50.0, 120.0]]


def test_a_failed_batch_stores_nothing(db, tmp_path) -> None:
    good = make_event()
    with pytest.raises(Exception), db.sessions.begin() as s:  # noqa: B017 - any database error
        ingest(s, [good], snapshot_dir=tmp_path)
        s.flush()
        s.add(EventRow(id=good.event_id, camera_id="x", type="fire", severity="high", started_at=now_utc()))
        s.flush()
    with db.sessions() as s:
        assert repo.query(s) == []


def test_a_hit_stored_meanwhile_is_left_as_it_is(db, tmp_path) -> None:
    """INSERT ... ON CONFLICT DO NOTHING: a hit another transaction stored after this one looked
    (a NATS redelivery racing a second center) neither fails the batch nor is written twice."""
    first, other = make_event(), make_event()
    with db.sessions.begin() as s:
        rows, _ = repo.new_hits(s, [first], snapshot_dir=tmp_path)
    with db.sessions.begin() as s:  # meanwhile stored by someone else
        repo.insert_hits(s, [{**rows[0], "severity": "critical"}])
    with db.sessions.begin() as s:
        more, _ = repo.new_hits(s, [other], snapshot_dir=tmp_path)
        repo.insert_hits(s, rows + more)
    with db.sessions() as s:
        stored = {r.id: r.severity for r in repo.query(s)}
    assert stored == {first.event_id: "critical", other.event_id: more[0]["severity"]}
