"""Selective monitoring through the API: an event puts its camera on the signed-in operator's
wall with its reason; pin, dismiss, incidents, and the supervisor's overview."""

from __future__ import annotations

import pytest
from support.events import make_event

from gwanje.domain import EventType, Severity


def _tick(center) -> None:
    center.app.state.triage.tick()


def test_event_camera_goes_on_the_operators_wall_with_its_reason(center) -> None:
    kim = center.client("kim")
    assert kim.get("/api/walls/me").json()["tiles"] == []  # not yet on duty in the last allocation
    e = make_event("cam-1", EventType.LOITERING, severity=Severity.MEDIUM)
    center.app.state.center.ingest([e])
    _tick(center)
    wall = kim.get("/api/walls/me").json()
    assert wall["size"] == 9 and len(wall["tiles"]) == 9
    tile = wall["tiles"][0]
    assert tile["camera_id"] == "cam-1" and tile["name"] == "정문"
    assert tile["reason"]["type"] == "loitering" and tile["reason"]["zone"] == "lawn"
    assert tile["reason"]["event_id"] == e.event_id and tile["priority"] > 0
    # acknowledged and resolved: the camera leaves the wall
    kim.post(f"/api/events/{e.event_id}/acknowledge", json={})
    kim.post(f"/api/events/{e.event_id}/resolve", json={})
    _tick(center)
    assert kim.get("/api/walls/me").json()["tiles"][0] is None


def test_pin_dismiss_and_supervisor_overview(center) -> None:
    kim, park = center.client("kim"), center.client("park")
    center.app.state.center.ingest([make_event("cam-1", EventType.FIRE, severity=Severity.CRITICAL)])
    _tick(center)
    # the fire is on an operator's wall (kim's or, as a supervisor is on duty, not escalated yet)
    overview = park.get("/api/walls").json()
    shown = {t["camera_id"]: w["operator"] for w in overview["walls"] for t in w["tiles"] if t}
    assert shown == {"cam-1": "kim"} and overview["cameras_worth_showing"] == 1
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


def test_a_camera_raising_the_same_alarm_all_hour_ranks_below_a_quiet_one(center) -> None:
    from datetime import UTC, datetime, timedelta

    assert center.client("admin").put("/api/cameras/cam-2", json={"url": "/x.mp4"}).status_code == 200
    now = datetime.now(UTC)
    busy = [
        make_event("cam-1", started_at=now - timedelta(minutes=5 * k), start_s=float(k)) for k in range(9)
    ]
    old = make_event("cam-1", started_at=now - timedelta(hours=2))  # outside the hour: not counted
    quiet = make_event("cam-2", started_at=now - timedelta(minutes=1))
    center.app.state.center.ingest([*busy, old, quiet])
    triage = center.app.state.triage
    _tick(center)
    first = {c: p.value for c, p in triage.priorities.items()}
    assert first["cam-1"] < first["cam-2"]
    # the same counts when the service re-reads them from the store (once a minute, or at start)
    triage._open_at = 0.0
    _tick(center)
    assert {c: p.value for c, p in triage.priorities.items()} == pytest.approx(first, rel=1e-3)
