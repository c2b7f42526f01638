"""The event API on both databases: the queue, lifecycle with 409s, SOP, agency sharing,
snapshots, and bad input that changes nothing."""

from __future__ import annotations

from support.events import make_event

from gwanje.domain import EventType


def _ingest(center, *events) -> None:
    """Events as a camera worker would hand them to the center."""
    center.app.state.center.ingest(list(events))


def test_queue_lifecycle_and_409s(center) -> None:
    fire = make_event("cam-1", EventType.FIRE, snapshot=b"\xff\xd8\xffjpeg")
    walk = make_event("cam-1", EventType.LOITERING)
    kim = center.client("kim")
    _ingest(center, fire, walk)
    queue = kim.get("/api/events", params={"status": "open"}).json()
    assert {e["id"] for e in queue} == {fire.event_id, walk.event_id}
    detail = kim.get(f"/api/events/{fire.event_id}").json()
    assert detail["status"] == "new" and detail["sop_total"] == 3 and detail["has_snapshot"]
    assert kim.post(f"/api/events/{fire.event_id}/resolve", json={}).status_code == 409
    r = kim.post(f"/api/events/{fire.event_id}/acknowledge", json={})
    assert r.status_code == 200 and r.json()["acknowledged_by"] == "kim"
    r = kim.post(f"/api/events/{fire.event_id}/acknowledge", json={})
    assert r.status_code == 409 and "cannot acknowledge an event that is acknowledged" in r.json()["detail"]
    assert (
        kim.post(f"/api/events/{fire.event_id}/dispatch", json={"note": "x"}).status_code == 422
    )  # no agency
    r = kim.post(f"/api/events/{fire.event_id}/dispatch", json={"agency": "fire", "note": "engine 3"})
    assert r.json()["status"] == "dispatched" and r.json()["dispatched_to"] == "fire"
    r = kim.post(f"/api/events/{fire.event_id}/sop/1", json={"done": True})
    assert r.json()["sop"][1]["done_by"] == "kim"
    r = kim.post(f"/api/events/{fire.event_id}/resolve", json={"note": "put out"})
    assert [(a["to_status"], a["username"]) for a in r.json()["actions"]] == [
        ("acknowledged", "kim"),
        ("dispatched", "kim"),
        ("resolved", "kim"),
    ]
    assert kim.post(f"/api/events/{walk.event_id}/false_alarm", json={"note": "shadow"}).status_code == 200
    assert kim.get("/api/false-alarms").json() == [{"camera_id": "cam-1", "rule": "loitering", "count": 1}]
    assert kim.get("/api/events", params={"status": "open"}).json() == []
    stats = kim.get("/api/stats").json()
    assert stats["by_status"] == {"resolved": 1, "false_alarm": 1} and stats["ack_median_s"] is not None


def test_agency_liaison_sees_only_what_is_shared_with_it(center) -> None:
    shared, other = (
        make_event("cam-1", EventType.FIGHT, snapshot=b"\xff\xd8x"),
        make_event("cam-9", EventType.FIRE),
    )
    _ingest(center, shared, other)
    kim, police, fire = center.client("kim"), center.client("police"), center.client("fire")
    assert police.get("/api/events").json() == [] and police.get("/api/cameras").json() == []
    kim.post(f"/api/events/{shared.event_id}/acknowledge", json={})
    kim.post(f"/api/events/{shared.event_id}/dispatch", json={"agency": "police", "note": "112"})
    assert [e["id"] for e in police.get("/api/events").json()] == [shared.event_id]
    assert police.get(f"/api/events/{shared.event_id}/snapshot").status_code == 200
    assert [c["id"] for c in police.get("/api/cameras").json()] == ["cam-1"]
    assert fire.get(f"/api/events/{shared.event_id}").status_code == 404
    assert police.get(f"/api/events/{other.event_id}").status_code == 404


def test_views_and_changes_are_audited(center) -> None:
    e = make_event("cam-1", snapshot=b"\xff\xd8x")
    _ingest(center, e)
    kim = center.client("kim")
    assert kim.get(f"/api/events/{e.event_id}/snapshot").content == b"\xff\xd8x"
    kim.post(f"/api/events/{e.event_id}/acknowledge", json={})
    audit = center.client("park").get("/api/audit").json()
    mine = [(a["action"], a["target"]) for a in audit if a["username"] == "kim"]
    assert ("view_snapshot", e.event_id) in mine and ("event_acknowledge", e.event_id) in mine
    assert ("login", None) in mine


def test_bad_input_gets_4xx_and_changes_nothing(center) -> None:
    admin = center.client("admin")
    r = admin.post("/api/events", content=b'{"camera_id": ', headers={"content-type": "application/json"})
    assert r.status_code == 422 and "JSON" in r.text
    r = admin.post("/api/events", json={"camera_id": "cam-1", "type": "meteor"})
    assert r.status_code == 422 and "type" in r.text
    r = admin.post("/api/events", json={"camera_id": "cam-1", "type": "fire", "confidence": "very"})
    assert r.status_code == 422
    r = admin.post(
        "/api/events",
        content=b"[" + b'{"camera_id":"c","type":"fire"},' * 4000 + b"{}]",
        headers={"content-type": "application/json"},
    )
    assert r.status_code == 413
    assert admin.get("/api/events").json() == []  # nothing half-written
    assert admin.get("/api/events/nope").status_code == 404
    assert admin.post("/api/events/nope/acknowledge", json={}).status_code == 404
    assert admin.post("/api/events/x/explode", json={}).status_code == 422
    assert admin.get("/api/cameras/nope").status_code == 404
    assert admin.get("/api/cameras/nope/live.mjpg").status_code == 404
    assert admin.delete("/api/cameras/nope").status_code == 404
    assert admin.get("/api/no-such-route").status_code == 404


def test_cameras_added_changed_removed_and_bad_configs_refused(center) -> None:
    admin = center.client("admin")
    before = admin.get("/api/cameras/cam-1").json()
    r = admin.put(
        "/api/cameras/cam-1", json={"url": "/x.mp4", "zones": [{"name": "z", "polygon": [[0, 0], [1, 1]]}]}
    )
    assert r.status_code == 422 and "zones.0.polygon" in r.json()["detail"]
    r = admin.put("/api/cameras/cam-1", json={"url": "/x.mp4", "detectr": {}})
    assert r.status_code == 422 and "detectr: unknown key" in r.json()["detail"]
    assert admin.put("/api/cameras/cam-1", json={"id": "cam-2", "url": "/x.mp4"}).status_code == 422
    assert admin.get("/api/cameras/cam-1").json() == before  # unchanged
    r = admin.put(
        "/api/cameras/cam-2",
        json={"name": "후문", "url": "rtsp://127.0.0.1:1/none", "location": {"lat": 37.15, "lon": 127.07}},
    )
    assert r.status_code == 200 and r.json()["name"] == "후문"
    assert [c["id"] for c in admin.get("/api/cameras").json()] == ["cam-1", "cam-2"]
    assert admin.get("/api/map").json()["cameras"][1]["location"]["lat"] == 37.15
    assert admin.delete("/api/cameras/cam-1").status_code == 200
    assert [c["id"] for c in admin.get("/api/cameras").json()] == ["cam-2"]
    actions = [a["action"] for a in admin.get("/api/audit").json()]
    assert "camera_add" in actions and "camera_remove" in actions


def test_users_are_added_by_admins(center) -> None:
    admin = center.client("admin")
    r = admin.post("/api/users", json={"username": "choi", "password": "long enough pw", "role": "operator"})
    assert r.status_code == 201
    assert (
        admin.post(
            "/api/users", json={"username": "choi", "password": "long enough pw", "role": "operator"}
        ).status_code
        == 409
    )
    r = admin.post("/api/users", json={"username": "liaison", "password": "long enough pw", "role": "agency"})
    assert r.status_code == 422 and "agency" in r.json()["detail"]
    assert (
        admin.post("/api/users", json={"username": "x", "password": "short", "role": "operator"}).status_code
        == 422
    )
    c = center.client()
    assert (
        c.post("/api/auth/login", json={"username": "choi", "password": "long enough pw"}).status_code == 200
    )
