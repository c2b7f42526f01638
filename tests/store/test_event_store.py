"""The event repository on both databases: ingest, lifecycle, SOP, false alarms, escalation."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update
from support.events import make_event

from gwanje.domain import EventType
from gwanje.store import events as repo
from gwanje.store.db import open_database
from gwanje.store.lifecycle import Action, IllegalTransition
from gwanje.store.models import EventRow, now_utc

SOP = {"fire": ["verify", "call 119", "check evacuation"], "default": ["verify"]}


@pytest.fixture
def db(db_url: str):
    database = open_database(db_url)
    yield database
    database.close()


def test_ingest_start_and_end_phases_with_snapshot_and_sop(db, tmp_path) -> None:
    start = make_event(type=EventType.FIRE, snapshot=b"\xff\xd8jpeg", start_s=5.0)
    end = make_event(event_id=start.event_id, type=EventType.FIRE, phase="end", start_s=5.0, end_s=17.5)
    with db.sessions.begin() as s:
        created = repo.ingest(s, [start], snapshot_dir=tmp_path, sop=SOP)
        assert [(r["id"], r["sop_total"]) for r in created] == [(start.event_id, 3)]
    with db.sessions.begin() as s:
        assert (
            repo.ingest(s, [start, end], snapshot_dir=tmp_path, sop=SOP) == []
        )  # a repeated start is ignored
    with db.sessions() as s:
        row = repo.get(s, start.event_id)
        assert row.status == "new" and row.type == "fire" and row.end_s == 17.5
        assert (row.ended_at - row.started_at) == timedelta(seconds=12.5)
        assert [st.text for st in row.sop_steps] == SOP["fire"]
        assert (tmp_path / row.snapshot_path).read_bytes() == b"\xff\xd8jpeg"
        assert row.details == {"dwell_s": 12.5} and row.boxes == [[10.0, 20.0, 50.0, 120.0]]


def test_a_failed_batch_stores_nothing(db, tmp_path) -> None:
    good = make_event()
    with pytest.raises(Exception), db.sessions.begin() as s:  # noqa: B017 - any database error
        repo.ingest(s, [good], snapshot_dir=tmp_path)
        s.flush()
        s.add(EventRow(id=good.event_id, camera_id="x", type="fire", severity="high", started_at=now_utc()))
        s.flush()
    with db.sessions() as s:
        assert repo.query(s) == []


def test_lifecycle_records_who_and_when_and_counts_false_alarms(db, tmp_path) -> None:
    a, b = make_event(camera_id="cam-7"), make_event(camera_id="cam-7")
    with db.sessions.begin() as s:
        repo.ingest(s, [a, b], snapshot_dir=tmp_path)
    with db.sessions.begin() as s:
        repo.act(s, a.event_id, Action.ACKNOWLEDGE, username="kim")
        repo.act(s, a.event_id, Action.DISPATCH, username="kim", agency="police", note="2 officers")
        repo.act(s, a.event_id, Action.RESOLVE, username="lee", note="arrested")
        repo.act(s, b.event_id, Action.FALSE_ALARM, username="kim", note="shadow")
    with db.sessions.begin() as s, pytest.raises(IllegalTransition):
        repo.act(s, a.event_id, Action.ACKNOWLEDGE, username="kim")
    with db.sessions() as s:
        row = repo.get(s, a.event_id)
        assert (row.status, row.acknowledged_by, row.dispatched_to, row.closed_by) == (
            "resolved",
            "kim",
            "police",
            "lee",
        )
        assert [(x.from_status, x.to_status, x.username) for x in row.actions] == [
            ("new", "acknowledged", "kim"),
            ("acknowledged", "dispatched", "kim"),
            ("dispatched", "resolved", "lee"),
        ]
        assert row.acknowledged_at <= row.dispatched_at <= row.closed_at
        assert repo.false_alarm_counts(s) == {("cam-7", "intrusion"): 1}
        assert repo.get(s, a.event_id, agency="police").id == a.event_id
        with pytest.raises(repo.NotFound):
            repo.get(s, a.event_id, agency="fire")  # not shared with the fire service


def test_sop_ticks_and_unknown_steps(db, tmp_path) -> None:
    e = make_event(type=EventType.FIRE)
    with db.sessions.begin() as s:
        repo.ingest(s, [e], snapshot_dir=tmp_path, sop=SOP)
        repo.tick_sop(s, e.event_id, 1, username="kim", done=True)
        with pytest.raises(repo.NotFound):
            repo.tick_sop(s, e.event_id, 9, username="kim", done=True)
    with db.sessions() as s:
        steps = repo.get(s, e.event_id).sop_steps
        assert [(x.position, x.done_by) for x in steps] == [(0, None), (1, "kim"), (2, None)]


def test_escalation_marks_old_unacknowledged_events_once(db, tmp_path) -> None:
    fire, walk, seen = make_event(type=EventType.FIRE), make_event(), make_event(type=EventType.FIRE)
    with db.sessions.begin() as s:
        repo.ingest(s, [fire, walk, seen], snapshot_dir=tmp_path)
        repo.act(s, seen.event_id, Action.ACKNOWLEDGE, username="kim")
        s.execute(update(EventRow).values(received_at=now_utc() - timedelta(seconds=45)))
    with db.sessions.begin() as s:
        due = repo.escalate_due(s, after_s={"fire": 30.0}, default_s=120.0)
        assert [r.id for r in due] == [fire.event_id]  # intrusion waits 120 s; the seen fire is acknowledged
    with db.sessions.begin() as s:
        assert repo.escalate_due(s, after_s={"fire": 30.0}, default_s=120.0) == []
