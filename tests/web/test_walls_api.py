"""Selective monitoring through the API: an alert puts its camera on the wall of the operator
whose console is open, with its reason; pin, dismiss, incidents, presence, escalation in addition,
and the supervisor's overview."""

from __future__ import annotations

import pytest
from support.events import make_event

from gwanje.domain import EventType, Severity


def _tick(center) -> None:
    center.app.state.triage.tick()


def _on_duty(*clients) -> None:
    """Each console is open (what its event stream or heartbeat says)."""
    for c in clients:
        assert c.post("/api/duty/heartbeat").status_code == 200


def test_alert_camera_goes_on_the_operators_wall_with_its_reason(center) -> None:
    kim = center.client("kim")
    e = make_event("cam-1", EventType.LOITERING, severity=Severity.MEDIUM)
    center.app.state.center.ingest([e])
    _tick(center)
    assert kim.get("/api/walls/me").json()["tiles"] == []  # signed in, but no console open: no wall
    _on_duty(kim)
    _tick(center)
    wall = kim.get("/api/walls/me").json()
    assert wall["size"] == 9 and len(wall["tiles"]) == 9
    tile = wall["tiles"][0]
    assert tile["camera_id"] == "cam-1" and tile["name"] == "정문"
    assert tile["reason"]["type"] == "loitering" and tile["reason"]["zone"] == "lawn"
    assert tile["reason"]["alert_id"] == e.event_id and tile["priority"] > 0
    # acknowledged and resolved: the camera leaves the wall
    kim.post(f"/api/alerts/{e.event_id}/acknowledge", json={})
    kim.post(f"/api/alerts/{e.event_id}/resolve", json={})
    _tick(center)
    assert kim.get("/api/walls/me").json()["tiles"][0] is None


def test_pin_dismiss_and_supervisor_overview(center) -> None:
    kim, park = center.client("kim"), center.client("park")
    _on_duty(kim, park)
    center.app.state.center.ingest([make_event("cam-1", EventType.FIRE, severity=Severity.CRITICAL)])
    _tick(center)
    # the fire is on the operator's wall (not escalated yet: the supervisor's wall has room for
    # nothing the operator's holds)
    overview = park.get("/api/walls").json()
    shown = {t["camera_id"]: w["operator"] for w in overview["walls"] for t in w["tiles"] if t}
    assert shown == {"cam-1": "kim"} and overview["cameras_worth_showing"] == 1
    assert {p["username"] for p in overview["present"]} == {"kim", "park"}
    assert kim.post("/api/walls/me/pin", json={"camera_id": "cam-1"}).json()["tiles"][0]["pinned"]
    assert (
        park.post("/api/walls/me/pin", json={"camera_id": "cam-1"}).status_code == 404
    )  # not on park's wall
    assert kim.post("/api/walls/me/dismiss", json={"camera_id": "cam-1"}).json()["tiles"][0] is None
    _tick(center)
    assert kim.get("/api/walls/me").json()["tiles"][0] is None  # dismissed stays off
    actions = [a["action"] for a in park.get("/api/audit").json()]
    assert "wall_pin" in actions and "wall_dismiss" in actions


def test_incident_near_a_camera_raises_it(center) -> None:
    admin, kim = center.client("admin"), center.client("kim")
    _on_duty(kim)
    r = admin.put("/api/cameras/cam-2", json={"url": "/x.mp4", "location": {"lat": 37.15, "lon": 127.07}})
    assert r.status_code == 200
    r = kim.post(
        "/api/incidents", json={"lat": 37.1501, "lon": 127.0701, "radius_m": 300, "note": "112 신고"}
    )
    assert r.status_code == 201
    tiles = [t for t in kim.get("/api/walls/me").json()["tiles"] if t]
    assert [(t["camera_id"], t["reason"]["kind"], t["reason"]["detail"]) for t in tiles] == [
        ("cam-2", "incident", "112 신고")
    ]
    assert kim.post("/api/incidents", json={"lat": 99, "lon": 0}).status_code == 422
    incidents = admin.get("/api/map").json()["incidents"]
    assert [(i["lat"], i["lon"], i["note"]) for i in incidents] == [(37.1501, 127.0701, "112 신고")]


def test_a_camera_raising_the_same_alarm_all_hour_ranks_below_a_quiet_one(center) -> None:
    from datetime import UTC, datetime, timedelta

    assert center.client("admin").put("/api/cameras/cam-2", json={"url": "/x.mp4"}).status_code == 200
    now = datetime.now(UTC)
    old = make_event("cam-1", started_at=now - timedelta(hours=2))  # outside the hour: not counted
    busy = []
    for k in reversed(range(9)):  # an intrusion every 5 minutes, each over at once: 9 alerts
        hit = make_event("cam-1", started_at=now - timedelta(minutes=5 * k), start_s=float(k))
        busy += [hit, hit.__class__(**{**hit.__dict__, "phase": "end"})]
    quiet = make_event("cam-2", started_at=now - timedelta(minutes=1))
    center.app.state.center.ingest([old, old.__class__(**{**old.__dict__, "phase": "end"}), *busy, quiet])
    triage = center.app.state.triage
    _tick(center)
    first = {c: p.value for c, p in triage.priorities.items()}
    assert first["cam-1"] < first["cam-2"]
    # the same counts when the service re-reads them from the store (once a minute, or at start)
    triage._open_at = 0.0
    _tick(center)
    assert {c: p.value for c, p in triage.priorities.items()} == pytest.approx(first, rel=1e-3)


def test_escalation_reaches_the_supervisor_and_the_operator_keeps_the_camera(center) -> None:
    from datetime import timedelta

    from sqlalchemy import update

    from gwanje.center.alerts.escalation import escalate_once
    from gwanje.store.models import AlertRow, now_utc

    kim, park = center.client("kim"), center.client("park")
    _on_duty(kim, park)
    e = make_event("cam-1", EventType.INTRUSION)
    runtime = center.app.state.center
    runtime.ingest([e])
    with runtime.db.sessions.begin() as s:
        s.execute(update(AlertRow).values(raised_at=now_utc() - timedelta(seconds=600)))
    rows = escalate_once(runtime, {}, 120.0)
    runtime.on_alerts_changed(rows, set())
    _tick(center)
    walls = {
        w["operator"]: [t["camera_id"] for t in w["tiles"] if t]
        for w in park.get("/api/walls").json()["walls"]
    }
    assert walls == {"kim": ["cam-1"], "park": ["cam-1"]}
    assert kim.get("/api/alerts", params={"escalated": True}).json()["total"] == 1
    # the supervisor closes the tab: presence ends, the operator's wall stays as it was
    runtime.presence.gone("park")
    _tick(center)
    assert [t["camera_id"] for t in kim.get("/api/walls/me").json()["tiles"] if t] == ["cam-1"]


def test_shelving_through_the_api_is_audited_and_listed_for_supervisors(center) -> None:
    kim, park = center.client("kim"), center.client("park")
    body = {
        "camera_id": "cam-1",
        "type": "intrusion",
        "zone": "lawn",
        "hours": 2,
        "reason": "잔디 구역 오탐 반복",
    }
    r = kim.post("/api/shelves", json=body)
    assert r.status_code == 201 and r.json()["active"]
    assert kim.post("/api/shelves", json=body).status_code == 409  # already
    assert kim.post("/api/shelves", json={**body, "camera_id": "cam-2", "hours": 9}).status_code == 422
    assert kim.post("/api/shelves", json={**body, "reason": ""}).status_code == 422
    assert kim.get("/api/shelves").status_code == 403  # the list is for supervisors
    center.app.state.center.ingest([make_event("cam-1", EventType.INTRUSION)])
    assert kim.get("/api/alerts").json()["total"] == 0  # stored, counted, raises nothing
    [shelf] = park.get("/api/shelves").json()
    assert shelf["hits"] == 1 and shelf["created_by"] == "kim"
    assert park.delete(f"/api/shelves/{shelf['id']}").status_code == 200
    assert park.delete(f"/api/shelves/{shelf['id']}").status_code == 404
    center.app.state.center.ingest([make_event("cam-1", EventType.INTRUSION)])
    assert kim.get("/api/alerts").json()["total"] == 1
    actions = [a["action"] for a in park.get("/api/audit").json()]
    assert "shelve" in actions and "unshelve" in actions


def test_shift_start_end_and_handover_note(center) -> None:
    kim, lee = center.client("kim"), center.client("park")
    assert kim.get("/api/duty").json()["shift"] is None
    r = kim.post("/api/duty/start")
    assert r.json()["started"] and kim.post("/api/duty/start").json()["started"] is False
    assert [p["username"] for p in kim.get("/api/duty").json()["present"]] == ["kim"]
    note = "3번 카메라 화질 저하, 유지보수 요청함"
    assert kim.post("/api/duty/end", json={"note": note}).json()["shift"]["handover_note"] == note
    duty = lee.get("/api/duty").json()
    assert duty["handovers"][0]["handover_note"] == note and duty["handovers"][0]["username"] == "kim"
    assert duty["present"] == []  # the shift ended: kim's console no longer counts
    actions = [a["action"] for a in lee.get("/api/audit").json() if a["username"] == "kim"]
    assert "shift_start" in actions and "shift_end" in actions


def test_the_queue_total_is_the_stores_with_5000_open_alerts(center) -> None:
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import func, select

    from gwanje.store.models import AlertRow

    t0 = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
    runtime = center.app.state.center
    batch = [
        make_event(
            f"cam-{k % 50}", EventType.INTRUSION, started_at=t0 + timedelta(seconds=k), start_s=float(k)
        )
        for k in range(5000)
    ]
    for i in range(0, 5000, 500):  # 50 cameras, hits 1 s apart: 50 alerts, not 5,000
        runtime.ingest(batch[i : i + 500])
    kim = center.client("kim")
    assert kim.get("/api/alerts", params={"status": "open"}).json()["total"] == 50
    zones = [f"z{k}" for k in range(5000)]
    many = [
        make_event(
            "cam-1", EventType.LOITERING, started_at=t0 + timedelta(hours=1, seconds=k), start_s=float(k)
        )
        for k in range(5000)
    ]
    many = [e.__class__(**{**e.__dict__, "zone": z}) for e, z in zip(many, zones, strict=True)]
    for i in range(0, 5000, 1000):  # a zone each: 5,000 alerts
        runtime.ingest(many[i : i + 1000])
    with runtime.db.sessions() as s:
        stored = s.scalar(select(func.count()).select_from(AlertRow).where(AlertRow.status == "new"))
    page = kim.get("/api/alerts", params={"status": "open", "limit": 100, "offset": 4950}).json()
    assert stored == 5050 and page["total"] == stored and len(page["items"]) == 100
    assert kim.get("/api/alerts/counts").json()["open"] == stored
    seen = set()
    for offset in range(0, stored, 500):
        seen |= {
            a["id"]
            for a in kim.get("/api/alerts", params={"status": "open", "limit": 500, "offset": offset}).json()[
                "items"
            ]
        }
    assert len(seen) == stored  # every open alert reachable, none twice


def test_new_activity_on_an_acknowledged_alert_counts_fully_again(center) -> None:
    from datetime import UTC, datetime, timedelta

    kim = center.client("kim")
    _on_duty(kim)
    now = datetime.now(UTC)
    first = make_event("cam-1", EventType.INTRUSION, started_at=now - timedelta(seconds=20))
    runtime, triage = center.app.state.center, center.app.state.triage
    runtime.ingest([first])
    _tick(center)
    fresh = triage.priorities["cam-1"].value
    kim.post(f"/api/alerts/{first.event_id}/acknowledge", json={})
    _tick(center)
    seen = triage.priorities["cam-1"].value
    assert seen == pytest.approx(fresh * 0.4, rel=0.05)  # acknowledged: 40 %
    runtime.ingest([make_event("cam-1", EventType.INTRUSION, started_at=now + timedelta(seconds=5))])
    _tick(center)
    assert kim.get(f"/api/alerts/{first.event_id}").json()["hit_count"] == 2  # the same alert ...
    # ... and its new activity counts fully (times the routine factor of a second hit: 1 / (1 + 1/4))
    assert triage.priorities["cam-1"].value == pytest.approx(fresh * 0.8, rel=0.05)
