"""Webhooks against a real HTTP receiver on loopback: signed CloudEvents, retried through
refusals, a receiver that dies and comes back, dead letters replayed from the API, and a center
killed with SIGKILL in the middle of delivering (the outbox loses nothing)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from support.events import make_event
from support.webhook_receiver import Receiver

from gwanje.bus import Bus
from gwanje.center.core import Center
from gwanje.center.exchange.webhook_signing import BadSignature, sign, verify
from gwanje.config import SiteConfig
from gwanje.domain import EventType
from gwanje.store.db import open_database
from gwanje.store.models_exchange import OutboxRow
from gwanje.store.users import Role, create_user
from gwanje.web.app import create_app

SECRET = "s3cret-for-the-tests-only-0123456789"
FAST = {"backoff_s": 0.05, "backoff_cap_s": 0.4, "max_attempts": 100, "timeout_s": 2}


def _site(tmp_path: Path, url: str, **hook) -> SiteConfig:
    return SiteConfig.model_validate(
        {
            "site": "osan",
            "cameras": [{"id": "cam-1", "name": "정문", "url": "/nonexistent.mp4"}],
            "server": {"data_dir": str(tmp_path / "data"), "allowed_hosts": ["testserver"]},
            "exchange": {"webhooks": [{"name": "city", "url": url, "secret": SECRET, **FAST, **hook}]},
        }
    )


def _outbox(db) -> dict[str, int]:
    with db.sessions() as s:
        return dict(s.execute(select(OutboxRow.state, func.count()).group_by(OutboxRow.state)).all())


def test_a_signature_binds_body_and_time():
    body = b'{"id":"x"}'
    header = sign(SECRET.encode(), body, at=1_000_000)
    assert verify(SECRET.encode(), header, body, now=1_000_100) == 1_000_000
    for bad_body, bad_header, now in (
        (b'{"id":"y"}', header, 1_000_100),  # body changed
        (body, header, 1_000_400),  # replayed outside the 5-minute window
        (body, header.replace("t=1000000", "t=1000300"), 1_000_300),  # time moved
        (body, None, 1_000_000),
    ):
        with pytest.raises(BadSignature):
            verify(SECRET.encode(), bad_header, bad_body, now=now)


def test_every_fact_arrives_once_through_refusals_and_a_receiver_that_dies(tmp_path):
    receiver = Receiver(SECRET.encode(), fail_first=6).start()
    site = _site(tmp_path, receiver.url)
    db = open_database(f"sqlite:///{tmp_path / 'g.db'}")
    center = Center(site, db, Bus(), start_workers=False)
    center.start()
    try:
        events = [make_event("cam-1", EventType.FIRE, start_s=float(i)) for i in range(30)]
        center.ingest(events[:10])
        assert not receiver.wait_for({f"event:{e.event_id}:start" for e in events[:10]}, 10)
        receiver.stop()  # the receiver goes away: connections refused, retried
        center.ingest(events[10:20])
        time.sleep(1.0)
        assert _outbox(db).get("pending", 0) > 0
        receiver.start()  # back on the same port
        center.ingest(events[20:])
        ends = [
            make_event(
                "cam-1",
                EventType.FIRE,
                event_id=e.event_id,
                phase="end",
                start_s=e.start_s,
                end_s=e.start_s + 5,
            )
            for e in events[:3]
        ]
        center.ingest(ends)
        with db.sessions() as s:
            staged = set(s.scalars(select(OutboxRow.key)))
        expected = {f"event:{e.event_id}:start" for e in events} | {f"event:{e.event_id}:end" for e in ends}
        assert expected <= staged and any(k.startswith("alert:") for k in staged)
        assert any(k.startswith("camera:cam-1:connecting") for k in staged)
        assert not receiver.wait_for(staged, 20)
    finally:
        center.stop()
        receiver.stop()
    accepted = receiver.accepted()
    assert {d.key for d in accepted} == staged  # each fact, once after de-duplication by key
    assert receiver.bad_signatures == 0 and _outbox(db) == {"delivered": len(staged)}
    first = next(d.event for d in accepted if d.key == f"event:{events[0].event_id}:start")
    assert first["specversion"] == "1.0" and first["id"] == f"event:{events[0].event_id}:start"
    assert (first["source"], first["type"], first["subject"]) == (
        "/gwanje/osan",
        "kr.gwanje.event.start",
        "cam-1",
    )
    assert first["data"]["event_id"] == events[0].event_id and first["data"]["type"] == "fire"
    alert = next(d.event for d in accepted if d.key.startswith(f"alert:{events[0].event_id}:new"))
    assert alert["type"] == "kr.gwanje.alert.new" and alert["data"]["status"] == "new"
    db.close()


def test_dead_letters_are_listed_to_supervisors_and_replayed(tmp_path):
    receiver = Receiver(SECRET.encode(), refuse=frozenset({"kr.gwanje.alert.acknowledged"})).start()
    db_url = f"sqlite:///{tmp_path / 'g.db'}"
    db = open_database(db_url)
    with db.sessions.begin() as s:
        create_user(s, username="kim", password="correct horse battery", role=Role.OPERATOR)
        create_user(s, username="park", password="correct horse battery", role=Role.SUPERVISOR)
    db.close()
    site = _site(tmp_path, receiver.url)
    try:
        with TestClient(create_app(site, db_url=db_url, start_workers=False)) as client:
            center = client.app.state.center
            fire = make_event("cam-1", EventType.FIRE)
            center.ingest([fire])
            r = client.post("/api/auth/login", json={"username": "kim", "password": "correct horse battery"})
            client.headers["X-CSRF-Token"] = r.json()["csrf"]
            assert client.post(f"/api/alerts/{fire.event_id}/acknowledge", json={}).status_code == 200
            deadline = time.monotonic() + 10
            while _outbox(center.db).get("dead", 0) < 1 and time.monotonic() < deadline:
                time.sleep(0.05)
            assert client.get("/api/exchange/deliveries?state=dead").status_code == 403  # operators don't
            client.post("/api/auth/logout")
            r = client.post("/api/auth/login", json={"username": "park", "password": "correct horse battery"})
            client.headers["X-CSRF-Token"] = r.json()["csrf"]
            dead = client.get("/api/exchange/deliveries?state=dead").json()
            assert dead["total"] == 1 and dead["items"][0]["key"].startswith(
                f"alert:{fire.event_id}:acknowledged"
            )
            assert dead["items"][0]["last_status"] == 400 and dead["items"][0]["attempts"] == 1
            hooks = client.get("/api/exchange/webhooks").json()
            assert hooks[0]["name"] == "city" and hooks[0]["dead"] == 1
            assert (
                client.post(
                    "/api/exchange/deliveries/replay", json={"webhook": "nope", "reason": "x"}
                ).status_code
                == 404
            )
            assert client.post("/api/exchange/deliveries/replay", json={"reason": ""}).status_code == 422
            receiver.refuse = frozenset()  # the receiver was fixed
            r = client.post(
                "/api/exchange/deliveries/replay",
                json={"ids": [dead["items"][0]["id"]], "reason": "수신측 수정"},
            )
            assert r.json() == {"replayed": 1}
            assert not receiver.wait_for({dead["items"][0]["key"]}, 10)
            trail = client.get("/api/audit?action=webhook_replay").json()
            assert [(a["username"], a["detail"]["count"]) for a in trail] == [("park", 1)]
            assert _outbox(center.db).get("dead", 0) == 0
    finally:
        receiver.stop()


CHILD = """
import sys, time, logging
from pathlib import Path
sys.path.insert(0, {support!r})
from support.events import make_event
from gwanje.bus import Bus
from gwanje.center.core import Center
from gwanje.config import SiteConfig
from gwanje.domain import EventType
from gwanje.store.db import open_database
logging.basicConfig(level=logging.WARNING)
site = SiteConfig.model_validate({site!r})
center = Center(site, open_database({db!r}), Bus(), start_workers=False)
center.start()
for i in range({count}):
    center.ingest([make_event("cam-1", EventType.INTRUSION, event_id=f"ev{{i:04d}}", start_s=float(i))])
    time.sleep(0.01)
print("ingested", flush=True)
time.sleep(600)
"""


def _child(tmp_path: Path, site: SiteConfig, db_url: str, count: int) -> subprocess.Popen:
    code = CHILD.format(
        support=str(Path(__file__).resolve().parents[1]),
        site=site.model_dump(mode="json"),
        db=db_url,
        count=count,
    )
    return subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, env={**os.environ})


def test_a_center_killed_mid_delivery_loses_nothing(tmp_path):
    """SIGKILL while deliveries are in flight to a slow receiver: after a restart every staged
    message arrives; what was in flight when the center died arrives again and the key shows it."""
    receiver = Receiver(SECRET.encode(), delay_s=0.1).start()
    site = _site(tmp_path, receiver.url, concurrency=2)
    db_url = f"sqlite:///{tmp_path / 'g.db'}"
    open_database(db_url).close()  # migrated once, before the child
    child = _child(tmp_path, site, db_url, 40)
    try:
        assert child.stdout.readline().strip() == b"ingested"
        deadline = time.monotonic() + 20
        while len(receiver.accepted()) < 8 and time.monotonic() < deadline:
            time.sleep(0.02)
        child.send_signal(signal.SIGKILL)
        child.wait(10)
        db = open_database(db_url)
        before = _outbox(db)
        assert before.get("pending", 0) > 20, before  # most still to deliver when it died
        child = _child(tmp_path, site, db_url, 0)  # the center again, nothing new
        assert child.stdout.readline().strip() == b"ingested"
        with db.sessions() as s:
            staged = set(s.scalars(select(OutboxRow.key)))
        assert {f"event:ev{i:04d}:start" for i in range(40)} <= staged
        assert any(k.startswith("alert:ev0000:new:") for k in staged)
        assert not receiver.wait_for(staged, 60)
        deadline = time.monotonic() + 10
        while _outbox(db).get("pending", 0) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _outbox(db) == {"delivered": len(staged)}
        db.close()
    finally:
        child.kill()
        child.wait(10)
        receiver.stop()
    keys = [d.key for d in receiver.accepted()]
    assert set(keys) == staged and receiver.bad_signatures == 0
    print(
        f"{len(keys)} deliveries of {len(staged)} messages ({len(keys) - len(staged)} sent again after the kill)"
    )
