"""Alarms in from other systems by API key: an emergency bell on a pole's cameras opens a
critical alert and puts them on the operator's wall at once; every bad input (no key, unknown,
revoked or expired key, wrong scope, a camera outside the key's, unknown camera, malformed JSON,
invalid alarm, oversized snapshot, flooding) gets its 4xx and its counter, and stores nothing."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from gwanje.store import api_keys
from gwanje.store.models import AlertRow, EventRow

CAMERAS = [
    {"id": "cam-2", "name": "비상벨 기둥 동쪽", "url": "/x.mp4"},
    {"id": "cam-3", "name": "비상벨 기둥 서쪽", "url": "/x.mp4"},
]


def _key(admin, **body) -> str:
    r = admin.post("/api/exchange/keys", json={"source": "bell-osan", "scopes": ["alarms"], **body})
    assert r.status_code == 201, r.text
    assert r.json()["key"].startswith("gwk_") and r.json()["prefix"] == r.json()["key"][:12]
    return r.json()["key"]


def _events(center) -> int:
    with center.app.state.center.db.sessions() as s:
        return s.scalar(select(func.count()).select_from(EventRow))


@pytest.fixture
def site(center):
    admin = center.client("admin")
    for cam in CAMERAS:
        assert (
            admin.put(f"/api/cameras/{cam['id']}", json={"name": cam["name"], "url": cam["url"]}).status_code
            == 200
        )
    return admin


def test_an_emergency_bell_puts_its_pole_cameras_on_a_wall_at_once(center, site) -> None:
    key = _key(site, cameras=["cam-2", "cam-3"])
    kim, machine = center.client("kim"), center.client()  # (each client starts the app: both first)
    assert kim.post("/api/duty/heartbeat").status_code == 200
    alarm = {
        "camera_ids": ["cam-2", "cam-3"],
        "type": "emergency_bell",
        "reference": "BELL-0042-20261207T0612",
        "label": "비상벨 눌림",
    }
    r = machine.post("/api/ingest/alarms", json=alarm, headers={"Authorization": f"Bearer {key}"})
    assert r.status_code == 201, r.text
    out = r.json()
    assert out["stored"] == 2 and not out["duplicate"] and len(out["event_ids"]) == 2
    with center.app.state.center.db.sessions() as s:
        alerts = list(s.scalars(select(AlertRow).order_by(AlertRow.camera_id)))
        hit = s.get(EventRow, out["event_ids"][0])
    assert [(a.camera_id, a.type, a.severity, a.status) for a in alerts] == [
        ("cam-2", "emergency_bell", "critical", "new"),
        ("cam-3", "emergency_bell", "critical", "new"),
    ]
    assert hit.details["source"] == "bell-osan" and hit.details["reference"] == alarm["reference"]
    assert hit.details["call"]["status"] == "not_connected"  # the two-way call's placeholder
    assert [s["text"] for s in kim.get(f"/api/alerts/{alerts[0].id}").json()["sop"]][1].startswith(
        "비상벨 통화"
    )
    center.app.state.triage.tick()
    tiles = [t for t in kim.get("/api/walls/me").json()["tiles"] if t]
    assert {t["camera_id"] for t in tiles} == {"cam-2", "cam-3"}
    assert all(t["reason"]["type"] == "emergency_bell" for t in tiles)
    # the same alarm again (the bell system retried): stored once
    again = machine.post("/api/ingest/alarms", json=alarm, headers={"X-Api-Key": key})
    assert again.status_code == 201 and again.json()["duplicate"] and _events(center) == 2
    # the bell system clears it: the hits end, the alerts stay for the operator to close
    r = machine.post("/api/ingest/alarms", json={**alarm, "phase": "end"}, headers={"X-Api-Key": key})
    assert r.status_code == 201 and _events(center) == 2
    with center.app.state.center.db.sessions() as s:
        assert all(h.ended_at is not None for h in s.scalars(select(EventRow)))
    trail = site.get("/api/audit?action=alarm_in").json()
    assert len(trail) == 3 and trail[0]["username"] == "key:bell-osan"
    assert [a["action"] for a in site.get("/api/audit?action=api_key_add").json()] == ["api_key_add"]


def test_every_bad_input_gets_its_4xx_and_counter_and_stores_nothing(center, site) -> None:
    key = _key(site, cameras=["cam-2"], rate_per_min=6000)
    flood = _key(site, cameras=["cam-2"], rate_per_min=60)
    status_only = _key(site, cameras=["*"], scopes=["status"])
    everywhere = _key(site, cameras=["*"])
    machine = center.client()
    good = {"camera_ids": ["cam-2"], "type": "external_alarm", "reference": "S-1", "label": "수위 센서 경보"}

    def post(body=good, k=key, **kw):
        headers = {"Authorization": f"Bearer {k}"} if k else {}
        return machine.post("/api/ingest/alarms", json=body, headers=headers, **kw)

    assert post(k=None).status_code == 401
    assert post(k="gwk_" + "A" * 43).status_code == 401
    assert post(k=status_only).status_code == 403
    assert post({**good, "camera_ids": ["cam-3"]}).status_code == 403  # not this key's camera
    r = post({**good, "camera_ids": ["cam-9"]}, k=everywhere)
    assert r.status_code == 404 and "cam-9" in r.json()["detail"]
    r = machine.post(
        "/api/ingest/alarms",
        content=b"{not json",
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
    )
    assert r.status_code == 400
    assert post({**good, "type": "bogus"}).status_code == 422
    assert post({**good, "reference": ""}).status_code == 422
    assert post({**good, "unknown_field": 1}).status_code == 422
    old = (datetime.now(UTC) - timedelta(days=3)).isoformat()
    assert post({**good, "occurred_at": old}).status_code == 422
    assert post({**good, "snapshot_jpeg": base64.b64encode(b"not a jpeg").decode()}).status_code == 422
    big = base64.b64encode(b"\xff\xd8\xff" + b"\0" * 600_000).decode()
    assert post({**good, "snapshot_jpeg": big}).status_code == 413  # past the server's body limit
    assert _events(center) == 0  # nothing refused was stored
    # an expired key, and a revoked one
    with center.app.state.center.db.sessions.begin() as s:
        row, expired = api_keys.create(s, source="old", scopes=["alarms"], cameras=["*"], created_by="admin")
        row.expires_at = datetime.now(UTC) - timedelta(minutes=1)
    r = post(k=expired)
    assert r.status_code == 401 and "expired" in r.json()["detail"]
    keys = site.get("/api/exchange/keys").json()
    revoked_id = next(k["id"] for k in keys["keys"] if k["scopes"] == ["status"])
    assert site.delete(f"/api/exchange/keys/{revoked_id}").json()["revoked_by"] == "admin"
    r = post(k=status_only)
    assert r.status_code == 401 and "revoked" in r.json()["detail"]
    assert site.delete("/api/exchange/keys/9999").status_code == 404
    # flooding: 60 a minute allows a burst of 6, then 429 with when to come back
    answers = [post({**good, "reference": f"S-{i}"}, k=flood).status_code for i in range(12)]
    assert answers.count(201) in (5, 6, 7) and answers[-1] == 429  # the bucket refills as they go
    flooded = post({**good, "reference": "S-x"}, k=flood)
    assert flooded.status_code == 429 and int(flooded.headers["Retry-After"]) >= 1
    assert _events(center) == answers.count(201)
    counters = site.get("/api/exchange/keys").json()
    assert counters["refused"]["no_key"] == 1 and counters["refused"]["bad_key"] == 3
    assert counters["refused"]["scope"] == 2 and counters["refused"]["unknown_camera"] == 1
    assert counters["refused"]["malformed"] == 2 and counters["refused"]["invalid"] == 4
    assert counters["refused"]["rate"] >= 6 and counters["refused"]["too_large"] == 1
    mine = next(k for k in counters["keys"] if k["rate_per_min"] == 60)
    assert mine["used"] == answers.count(201) and mine["refused"] == 13 - answers.count(201)
    # the operator's roles cannot make keys; the key is never shown again
    assert (
        center.client("park")
        .post("/api/exchange/keys", json={"source": "x", "scopes": ["alarms"]})
        .status_code
        == 403
    )
    assert all("key" not in k for k in counters["keys"])


def test_a_neighbour_reads_the_status_summary_with_a_status_key(center, site) -> None:
    from support.events import make_event

    from gwanje.domain import EventType

    status_key = _key(site, cameras=["*"], scopes=["status"])
    alarms_key = _key(site, cameras=["*"])
    machine = center.client()
    core = center.app.state.center
    crowd = make_event("cam-2", EventType.CROWD)
    crowd = crowd.__class__(
        **{**crowd.__dict__, "details": {"level": "warning", "density": 4.2, "count": 130}, "zone": "광장"}
    )
    core.ingest([crowd, make_event("cam-3", EventType.FALL)])
    r = machine.get("/api/exchange/status", headers={"Authorization": f"Bearer {status_key}"})
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["cameras"]["total"] == 3 and sum(out["cameras"]["by_status"].values()) == 3
    assert out["open_alerts"] == {"total": 2, "by_type": {"crowd": 1, "fall": 1}}
    assert [(c["camera_id"], c["zone"], c["level"], c["density_per_m2"]) for c in out["crowd"]] == [
        ("cam-2", "광장", "warning", 4.2)
    ]
    assert "boxes" not in str(out) and "snapshot" not in str(out)
    assert machine.get("/api/exchange/status", headers={"X-Api-Key": alarms_key}).status_code == 403
    assert machine.get("/api/exchange/status").status_code == 401


def test_an_urgent_alarm_is_placed_without_waiting_for_the_triage_interval(tmp_path) -> None:
    """With walls recomputed only every 10 s, a bell still reaches the wall at once: an urgent
    alert asks the triage loop for a tick (a fall from a camera would do the same)."""
    import time

    from fastapi.testclient import TestClient

    from gwanje.config import SiteConfig
    from gwanje.store.db import open_database
    from gwanje.store.users import Role, create_user
    from gwanje.web.app import create_app

    url = f"sqlite:///{tmp_path / 'g.db'}"
    db = open_database(url)
    with db.sessions.begin() as s:
        create_user(s, username="kim", password="correct horse battery", role=Role.OPERATOR)
        _, key = api_keys.create(s, source="bell", scopes=["alarms"], cameras=["*"], created_by="test")
    db.close()
    site = SiteConfig.model_validate(
        {
            "cameras": [{"id": "pole-1", "url": "/x.mp4"}],
            "server": {"data_dir": str(tmp_path / "data"), "allowed_hosts": ["testserver"]},
            "triage": {"interval_s": 10},
        }
    )
    with TestClient(create_app(site, db_url=url, start_workers=False)) as kim:
        r = kim.post("/api/auth/login", json={"username": "kim", "password": "correct horse battery"})
        kim.headers["X-CSRF-Token"] = r.json()["csrf"]
        kim.post("/api/duty/heartbeat")
        time.sleep(0.5)  # the loop is waiting out its 10 s
        t0 = time.monotonic()
        alarm = {"camera_ids": ["pole-1"], "type": "emergency_bell", "reference": "B-1"}
        assert (
            TestClient(kim.app).post("/api/ingest/alarms", json=alarm, headers={"X-Api-Key": key}).status_code
            == 201
        )
        while not [t for t in kim.get("/api/walls/me").json()["tiles"] if t]:
            assert time.monotonic() - t0 < 5, "the bell waited for the triage interval"
            time.sleep(0.02)
