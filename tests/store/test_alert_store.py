"""The alert repository on both databases: lifecycle with who and when, SOP ticks, false-alarm
counts, escalation once, and the queue's filters, order and true totals."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update
from support.events import make_event

from gwanje.center.alerts.alerting import ingest_hits
from gwanje.config import AlertsConfig, SopStep
from gwanje.domain import EventType, Severity
from gwanje.store import alerts as repo
from gwanje.store.db import open_database
from gwanje.store.lifecycle import Action, IllegalTransition
from gwanje.store.models import AlertRow, now_utc

SOP = {
    "fire": [SopStep(ko="확인", en="verify"), SopStep(ko="119 신고", en="call 119"), SopStep(ko="대피")],
    "default": [SopStep(ko="확인", en="verify")],
}


@pytest.fixture
def db(db_url: str):
    database = open_database(db_url)
    yield database
    database.close()


def _ingest(db, tmp_path, *events) -> list[str]:
    with db.sessions.begin() as s:
        out = ingest_hits(s, events, cfg=AlertsConfig(), sop=SOP, snapshot_dir=tmp_path, now=now_utc())
        return [a.id for a in out.opened]


def test_lifecycle_records_who_and_when_and_counts_false_alarms(db, tmp_path) -> None:
    a = _ingest(db, tmp_path, make_event(camera_id="cam-7"))[0]
    b = _ingest(db, tmp_path, make_event(camera_id="cam-8"))[0]
    with db.sessions.begin() as s:
        repo.act(s, a, Action.ACKNOWLEDGE, username="kim")
        repo.act(s, a, Action.DISPATCH, username="kim", agency="police", note="2 officers")
        repo.act(s, a, Action.RESOLVE, username="lee", note="arrested")
        repo.act(s, b, Action.FALSE_ALARM, username="kim", note="shadow")
    with db.sessions.begin() as s, pytest.raises(IllegalTransition, match="cannot acknowledge an alert"):
        repo.act(s, a, Action.ACKNOWLEDGE, username="kim")
    with db.sessions() as s:
        row = repo.get(s, a)
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
        assert repo.false_alarm_counts(s) == {("cam-8", "intrusion"): 1}
        assert repo.get(s, a, agency="police").id == a
        with pytest.raises(repo.NotFound):
            repo.get(s, a, agency="fire")  # not shared with the fire service


def test_sop_in_both_languages_ticks_and_unknown_steps(db, tmp_path) -> None:
    a = _ingest(db, tmp_path, make_event(type=EventType.FIRE))[0]
    with db.sessions.begin() as s:
        repo.tick_sop(s, a, 1, username="kim", done=True)
        with pytest.raises(repo.NotFound):
            repo.tick_sop(s, a, 9, username="kim", done=True)
    with db.sessions() as s:
        steps = repo.get(s, a).sop_steps
        assert [(x.position, x.text, x.text_en, x.done_by) for x in steps] == [
            (0, "확인", "verify", None),
            (1, "119 신고", "call 119", "kim"),
            (2, "대피", None, None),
        ]


def test_escalation_marks_old_unacknowledged_alerts_once(db, tmp_path) -> None:
    fire = _ingest(db, tmp_path, make_event(type=EventType.FIRE, camera_id="c1"))[0]
    _ingest(db, tmp_path, make_event(camera_id="c2"))
    seen = _ingest(db, tmp_path, make_event(type=EventType.FIRE, camera_id="c3"))[0]
    with db.sessions.begin() as s:
        repo.act(s, seen, Action.ACKNOWLEDGE, username="kim")
        s.execute(update(AlertRow).values(raised_at=now_utc() - timedelta(seconds=45)))
    with db.sessions.begin() as s:
        due = repo.escalate_due(s, after_s={"fire": 30.0}, default_s=120.0)
        assert [r.id for r in due] == [fire]  # intrusion waits 120 s; the seen fire is acknowledged
    with db.sessions.begin() as s:
        assert repo.escalate_due(s, after_s={"fire": 30.0}, default_s=120.0) == []


def test_queue_filters_order_paging_and_totals(db, tmp_path) -> None:
    t0 = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
    ids = {}
    for k, (cam, typ, sev) in enumerate(
        [
            ("gate", EventType.INTRUSION, Severity.HIGH),
            ("gate", EventType.LOITERING, Severity.MEDIUM),
            ("park", EventType.FIRE, Severity.CRITICAL),
            ("park", EventType.FALL, Severity.HIGH),
            ("lane", EventType.LOITERING, Severity.MEDIUM),
        ]
    ):
        ids[(cam, typ.value)] = _ingest(
            db, tmp_path, make_event(cam, typ, severity=sev, started_at=t0 + timedelta(minutes=k))
        )[0]
    with db.sessions.begin() as s:
        repo.act(s, ids[("park", "fire")], Action.ACKNOWLEDGE, username="kim")
        repo.act(s, ids[("lane", "loitering")], Action.FALSE_ALARM, username="kim")
    with db.sessions() as s:
        total, page = repo.query(s, repo.Filter(status=repo.open_statuses()), limit=2)
        assert total == 4 and len(page) == 2
        # new first, then by severity: the two new high ones, then the medium, then the acknowledged fire
        _, everything = repo.query(s, repo.Filter(status=repo.open_statuses()), limit=10)
        assert [(a.camera_id, a.type) for a in everything][2:] == [("gate", "loitering"), ("park", "fire")]
        assert {(a.camera_id, a.type) for a in everything[:2]} == {("gate", "intrusion"), ("park", "fall")}
        _, second = repo.query(s, repo.Filter(status=repo.open_statuses()), offset=2, limit=2)
        assert [a.id for a in second] == [a.id for a in everything[2:4]]
        assert repo.query(s, repo.Filter(type=["loitering"]))[0] == 2
        assert repo.query(s, repo.Filter(severity=["critical", "high"]))[0] == 3
        assert repo.query(s, repo.Filter(camera_id="park"))[0] == 2
        assert repo.query(s, repo.Filter(text="GAT"))[0] == 2  # the camera id, any case
        assert repo.query(s, repo.Filter(since=t0 + timedelta(minutes=3)))[0] == 2
        assert repo.query(s, repo.Filter(until=t0 + timedelta(minutes=1)))[0] == 1
        assert repo.counts(s) == {"open": 4, "new": 3, "escalated": 0}
