"""The event API on both databases: the queue, lifecycle with 409s, SOP, agency sharing,
snapshots, and bad input that changes nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from support.events import make_event

from gwanje.domain import EventType


def _ingest(center, *events) -> None:
    """Events as a camera worker would hand them to the center."""
    center.app.state.center.ingest(list(events))


def test_queue_lifecycle_and_409s(center) -> None:
    recent = datetime.now(UTC) - timedelta(minutes=5)  # the statistics below look back 7 days from now
    fire = make_event("cam-1", EventType.FIRE, snapshot=b"\xff\xd8\xffjpeg", started_at=recent)
    walk = make_event("cam-1", EventType.LOITERING, started_at=recent)
    kim = center.client("kim")
    _ingest(center, fire, walk)
    queue = kim.get("/api/alerts", params={"status": "open"}).json()
    assert queue["total"] == 2 and {a["id"] for a in queue["items"]} == {fire.event_id, walk.event_id}
    detail = kim.get(f"/api/alerts/{fire.event_id}").json()
    assert detail["status"] == "new" and detail["sop_total"] == 3 and detail["has_snapshot"]
    assert detail["sop"][0] == {
        "position": 0,
        "text": "영상으로 화재·연기 확인",
        "text_en": "Verify fire or smoke on video",
        "done_by": None,
        "done_at": None,
    }
    assert [h["id"] for h in detail["hits"]] == [fire.event_id] and detail["hit_count"] == 1
    assert kim.post(f"/api/alerts/{fire.event_id}/resolve", json={}).status_code == 409
    r = kim.post(f"/api/alerts/{fire.event_id}/acknowledge", json={})
    assert r.status_code == 200 and r.json()["acknowledged_by"] == "kim"
    r = kim.post(f"/api/alerts/{fire.event_id}/acknowledge", json={})
    assert r.status_code == 409 and "cannot acknowledge an alert that is acknowledged" in r.json()["detail"]
    assert (
        kim.post(f"/api/alerts/{fire.event_id}/dispatch", json={"note": "x"}).status_code == 422
    )  # no agency
    r = kim.post(f"/api/alerts/{fire.event_id}/dispatch", json={"agency": "fire", "note": "engine 3"})
    assert r.json()["status"] == "dispatched" and r.json()["dispatched_to"] == "fire"
    r = kim.post(f"/api/alerts/{fire.event_id}/sop/1", json={"done": True})
    assert r.json()["sop"][1]["done_by"] == "kim"
    assert kim.post(f"/api/alerts/{fire.event_id}/sop/99", json={"done": True}).status_code == 404
    r = kim.post(f"/api/alerts/{fire.event_id}/resolve", json={"note": "put out"})
    assert [(a["to_status"], a["username"]) for a in r.json()["actions"]] == [
        ("acknowledged", "kim"),
        ("dispatched", "kim"),
        ("resolved", "kim"),
    ]
    assert kim.post(f"/api/alerts/{walk.event_id}/false_alarm", json={"note": "shadow"}).status_code == 200
    assert kim.get("/api/false-alarms").json() == [{"camera_id": "cam-1", "rule": "loitering", "count": 1}]
    assert kim.get("/api/alerts", params={"status": "open"}).json()["total"] == 0
    assert kim.get("/api/alerts/counts").json() == {"open": 0, "new": 0, "escalated": 0}
    stats = kim.get("/api/stats").json()
    assert stats["by_status"] == {"resolved": 1, "false_alarm": 1} and stats["ack_median_s"] is not None
    noisy = kim.get("/api/stats/noisy").json()
    assert {(n["type"], n["hits"], n["alerts"], n["false_alarms"]) for n in noisy} == {
        ("fire", 1, 1, 0),
        ("loitering", 1, 1, 1),
    }
    # the raw hits are listed as the cameras reported them, each with its alert
    hits = kim.get("/api/events", params={"alert": fire.event_id}).json()
    assert [(h["id"], h["alert_id"]) for h in hits] == [(fire.event_id, fire.event_id)]


def test_agency_liaison_sees_only_what_is_dispatched_to_it(center) -> None:
    shared, other = (
        make_event("cam-1", EventType.FIGHT, snapshot=b"\xff\xd8x"),
        make_event("cam-9", EventType.FIRE),
    )
    _ingest(center, shared, other)
    kim, police, fire = center.client("kim"), center.client("police"), center.client("fire")
    assert police.get("/api/alerts").json()["total"] == 0 and police.get("/api/cameras").json() == []
    assert police.get("/api/events").json() == []
    kim.post(f"/api/alerts/{shared.event_id}/acknowledge", json={})
    kim.post(f"/api/alerts/{shared.event_id}/dispatch", json={"agency": "police", "note": "112"})
    assert [a["id"] for a in police.get("/api/alerts").json()["items"]] == [shared.event_id]
    assert police.get("/api/alerts/counts").json()["open"] == 1
    assert police.get(f"/api/alerts/{shared.event_id}/snapshot").status_code == 200
    assert police.get(f"/api/events/{shared.event_id}/snapshot").status_code == 200
    assert [c["id"] for c in police.get("/api/cameras").json()] == ["cam-1"]
    assert fire.get(f"/api/alerts/{shared.event_id}").status_code == 404
    assert police.get(f"/api/alerts/{other.event_id}").status_code == 404
    assert police.get(f"/api/events/{other.event_id}").status_code == 404
    assert police.post(f"/api/alerts/{shared.event_id}/resolve", json={}).status_code == 403


def test_views_and_changes_are_audited(center) -> None:
    e = make_event("cam-1", snapshot=b"\xff\xd8x")
    _ingest(center, e)
    kim = center.client("kim")
    assert kim.get(f"/api/alerts/{e.event_id}/snapshot").content == b"\xff\xd8x"
    kim.post(f"/api/alerts/{e.event_id}/acknowledge", json={})
    audit = center.client("park").get("/api/audit").json()
    mine = [(a["action"], a["target"]) for a in audit if a["username"] == "kim"]
    assert ("view_snapshot", e.event_id) in mine and ("alert_acknowledge", e.event_id) in mine
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
    assert admin.get("/api/alerts").json()["total"] == 0
    assert admin.get("/api/events/nope").status_code == 404
    assert admin.get("/api/alerts/nope").status_code == 404
    assert admin.post("/api/alerts/nope/acknowledge", json={}).status_code == 404
    assert admin.post("/api/alerts/x/explode", json={}).status_code == 404  # no such action
    assert admin.post("/api/alerts/x/snapshot", json={}).status_code == 405  # GET only
    assert admin.get("/api/alerts", params={"status": "bogus"}).status_code == 422
    assert admin.get("/api/alerts", params={"limit": 0}).status_code == 422
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


def test_users_are_added_changed_disabled_and_reset_by_admins(center) -> None:
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
    choi = center.client()
    assert (
        choi.post("/api/auth/login", json={"username": "choi", "password": "long enough pw"}).status_code
        == 200
    )
    r = admin.patch("/api/users/choi", json={"role": "supervisor", "display_name": "최 팀장"})
    assert r.status_code == 200 and r.json()["role"] == "supervisor"
    assert choi.get("/api/auth/me").status_code == 401  # a new role: sign in again
    assert admin.patch("/api/users/choi", json={"role": "agency"}).status_code == 422  # which agency?
    assert admin.patch("/api/users/choi", json={"active": False}).json()["active"] is False
    login = {"username": "choi", "password": "long enough pw"}
    assert center.client().post("/api/auth/login", json=login).status_code == 401
    assert admin.patch("/api/users/choi", json={"active": True}).status_code == 200
    assert admin.post("/api/users/choi/password", json={"password": "another long one"}).status_code == 200
    assert center.client().post("/api/auth/login", json=login).status_code == 401
    assert (
        center.client()
        .post("/api/auth/login", json={"username": "choi", "password": "another long one"})
        .status_code
        == 200
    )
    assert admin.patch("/api/users/admin", json={"active": False}).status_code == 409  # not oneself
    assert admin.patch("/api/users/nobody", json={"active": False}).status_code == 404
    assert center.client("kim").patch("/api/users/choi", json={"active": False}).status_code == 403
    actions = [a["action"] for a in admin.get("/api/audit").json() if a["target"] == "choi"]
    assert {"user_add", "user_change", "user_disable", "user_enable", "user_password_reset"} <= set(actions)
