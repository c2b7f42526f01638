"""Hits into alerts on both databases: grouping by rule, camera and zone while the activity goes
on, the quiet period, re-raise of acknowledged alerts, hits recorded only, and shelving with an
injected clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from support.events import make_event

from gwanje.center.alerts.alerting import ingest_hits
from gwanje.config import AlertsConfig
from gwanje.domain import EventType, Severity
from gwanje.store import alerts as repo
from gwanje.store import events as event_repo
from gwanje.store import shelves
from gwanje.store.db import open_database
from gwanje.store.lifecycle import Action

T0 = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
CFG = AlertsConfig(quiet_s=120)


@pytest.fixture
def db(db_url: str):
    database = open_database(db_url)
    yield database
    database.close()


def hit(at_s: float, *, camera="cam-1", type=EventType.INTRUSION, zone="lawn", severity=Severity.HIGH, **kw):
    e = make_event(
        camera, type, start_s=at_s, started_at=T0 + timedelta(seconds=at_s), severity=severity, **kw
    )
    return e if zone == "lawn" else e.__class__(**{**e.__dict__, "zone": zone})


def end(start, at_s: float):
    return start.__class__(**{**start.__dict__, "phase": "end", "end_s": at_s})


def ingest(db, tmp_path, *events, now=None, cfg=CFG):
    with db.sessions.begin() as s:
        return ingest_hits(s, events, cfg=cfg, sop={}, snapshot_dir=tmp_path, now=now or T0)


def alerts(db) -> list:
    with db.sessions() as s:
        return sorted(repo.query(s, limit=100)[1], key=lambda a: a.first_at)


def test_hits_while_the_activity_goes_on_make_one_alert(db, tmp_path) -> None:
    a = hit(0, snapshot=b"\xff\xd8a")
    b = hit(30, severity=Severity.CRITICAL, snapshot=b"\xff\xd8b")
    out = ingest(db, tmp_path, a, end(a, 20), b)
    assert [x.id for x in out.opened] == [a.event_id] and out.alert_of == {
        a.event_id: a.event_id,
        b.event_id: a.event_id,
    }
    ingest(db, tmp_path, end(b, 50), hit(50 + 119))  # quiet for 119 s < 120: the same alert
    [alert] = alerts(db)
    assert alert.hit_count == 3 and alert.severity == "critical" and alert.open_hits == 1
    assert alert.latest_event_id == b.event_id and alert.best_event_id == a.event_id
    assert alert.ended_at is None
    with db.sessions() as s:
        assert {h.alert_id for h in event_repo.query(s)} == {alert.id}


def test_a_quiet_period_then_a_new_alert_and_zones_apart(db, tmp_path) -> None:
    a = hit(0)
    ingest(db, tmp_path, a, end(a, 10))
    [first] = alerts(db)
    assert first.ended_at is not None and first.open_hits == 0
    ingest(db, tmp_path, hit(10 + 121))  # quiet longer than 120 s: a new alert
    ingest(db, tmp_path, hit(140, zone="gate"))  # another zone: its own alert
    ingest(db, tmp_path, hit(141, camera="cam-2"))  # another camera: its own
    assert [(x.camera_id, x.zone, x.hit_count) for x in alerts(db)] == [
        ("cam-1", "lawn", 1),
        ("cam-1", "lawn", 1),
        ("cam-1", "gate", 1),
        ("cam-2", "lawn", 1),
    ]


def test_a_closed_alert_takes_no_more_hits(db, tmp_path) -> None:
    a = hit(0)
    ingest(db, tmp_path, a)
    with db.sessions.begin() as s:
        repo.act(s, a.event_id, Action.FALSE_ALARM, username="kim")
    out = ingest(db, tmp_path, hit(5))
    assert len(out.opened) == 1 and out.opened[0].id != a.event_id


@pytest.mark.parametrize(
    ("second", "reraised"),
    [
        (dict(severity=Severity.HIGH), False),  # the same again: stays acknowledged
        (dict(severity=Severity.CRITICAL), True),  # more severe
        (dict(type=EventType.FALL, severity=Severity.HIGH), True),  # life safety (its own alert key)
    ],
)
def test_reraise_of_an_acknowledged_alert(db, tmp_path, second, reraised) -> None:
    first = hit(0, type=second.get("type", EventType.INTRUSION))
    ingest(db, tmp_path, first)
    with db.sessions.begin() as s:
        repo.act(s, first.event_id, Action.ACKNOWLEDGE, username="kim")
    out = ingest(db, tmp_path, hit(20, **second), now=T0 + timedelta(seconds=20))
    with db.sessions() as s:
        alert = repo.get(s, first.event_id)
        assert (alert.status == "new") == reraised and out.reraised == ([alert.id] if reraised else [])
        if reraised:
            assert alert.actions[-1].action == "reraise" and alert.raise_count == 1
            assert alert.raised_at > alert.received_at  # escalation counts again from the re-raise


def test_crowd_danger_reraises_a_crowd_alert(db, tmp_path) -> None:
    caution = hit(0, type=EventType.CROWD, severity=Severity.CRITICAL)
    ingest(db, tmp_path, caution)
    with db.sessions.begin() as s:
        repo.act(s, caution.event_id, Action.ACKNOWLEDGE, username="kim")
    danger = hit(10, type=EventType.CROWD, severity=Severity.CRITICAL)
    danger = danger.__class__(**{**danger.__dict__, "details": {"level": "danger"}})
    assert ingest(db, tmp_path, danger).reraised == [caution.event_id]


def test_hits_below_the_alerting_severity_are_recorded_only(db, tmp_path) -> None:
    line = hit(0, type=EventType.LINE_CROSSING, severity=Severity.LOW, zone="walkway")
    out = ingest(db, tmp_path, line, end(line, 1))
    assert out.recorded == 1 and out.opened == [] and alerts(db) == []
    with db.sessions() as s:
        assert event_repo.get(s, line.event_id).alert_id is None  # stored all the same


def test_a_shelved_rule_raises_nothing_until_its_shelf_ends(db, tmp_path) -> None:
    with db.sessions.begin() as s:
        shelf = shelves.shelve(
            s,
            camera_id="cam-1",
            type_="intrusion",
            zone=None,
            hours=1,
            reason="lawn zone too wide",
            username="park",
            max_hours=8,
            now=T0,
        )
        shelf_id = shelf.id
        with pytest.raises(shelves.ShelfError, match="at most 8"):
            shelves.shelve(
                s,
                camera_id="cam-2",
                type_="fire",
                zone=None,
                hours=9,
                reason="x",
                username="park",
                max_hours=8,
                now=T0,
            )
    out = ingest(
        db,
        tmp_path,
        hit(0),
        hit(10, zone="gate"),
        hit(20, type=EventType.FIRE),
        now=T0 + timedelta(minutes=30),
    )
    assert out.shelved == 2 and [a.type for a in out.opened] == ["fire"]  # another rule still alerts
    with db.sessions() as s:
        assert shelves.active(s, now=T0 + timedelta(minutes=30))[0].hits == 2
        assert shelves.active(s, now=T0 + timedelta(minutes=61)) == []  # it ends by itself
    later = ingest(db, tmp_path, hit(3700), now=T0 + timedelta(minutes=61))
    assert later.shelved == 0 and len(later.opened) == 1
    with db.sessions.begin() as s:  # taken off the shelf early
        shelves.shelve(
            s,
            camera_id="cam-3",
            type_="intrusion",
            zone="lawn",
            hours=2,
            reason="x",
            username="kim",
            max_hours=8,
            now=T0 + timedelta(minutes=61),
        )
    with db.sessions.begin() as s:
        cam3 = shelves.active(s, now=T0 + timedelta(minutes=62), camera_ids=["cam-3"])[0]
        shelves.clear(s, cam3.id, username="park", now=T0 + timedelta(minutes=62))
        with pytest.raises(LookupError):
            shelves.clear(s, shelf_id, username="park", now=T0 + timedelta(minutes=62))  # already over
    assert len(ingest(db, tmp_path, hit(3800, camera="cam-3"), now=T0 + timedelta(minutes=63)).opened) == 1


def test_smoke_then_flames_on_one_camera_are_one_alert_that_becomes_fire(db, tmp_path) -> None:
    """Smoke opens an alert; the flames that follow join it (not a second alert), make it a fire
    alert of the higher severity, and bring it back before a person if it was acknowledged."""
    smoke = hit(0, type=EventType.SMOKE, zone=None, severity=Severity.HIGH)
    ingest(db, tmp_path, smoke)
    with db.sessions.begin() as s:
        repo.act(s, smoke.event_id, Action.ACKNOWLEDGE, username="kim")
    out = ingest(
        db,
        tmp_path,
        hit(30, type=EventType.FIRE, zone=None, severity=Severity.CRITICAL),
        hit(31, camera="cam-2", type=EventType.FIRE, zone=None, severity=Severity.CRITICAL),
        now=T0 + timedelta(seconds=30),
    )
    got = alerts(db)
    assert [(a.camera_id, a.type, a.severity, a.hit_count) for a in got] == [
        ("cam-1", "fire", "critical", 2),
        ("cam-2", "fire", "critical", 1),
    ]
    assert got[0].status == "new" and out.reraised == [smoke.event_id]
