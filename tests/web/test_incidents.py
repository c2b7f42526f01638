"""Incidents from the emergency services' systems (the linkage services), by API key or an agency
session: the cameras within the radius go on the wall and on the map; a vulnerable person's
locator moves three times and the camera set follows; open → handled → closed, audited; open
incidents come back after a restart."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

CAMERAS = {  # id: (lat, lon)
    "cam-n1": (37.1500, 127.0700),
    "cam-n2": (37.1520, 127.0700),  # ~220 m north of n1
    "cam-far": (37.1700, 127.0700),  # ~2.2 km north
    "cam-v1": (37.1600, 127.0800),
    "cam-v2": (37.1650, 127.0850),
    "cam-v3": (37.1700, 127.0900),
}


def _key(admin, source: str) -> str:
    r = admin.post("/api/exchange/keys", json={"source": source, "scopes": ["incidents"]})
    assert r.status_code == 201, r.text
    return r.json()["key"]


def _place(admin) -> None:
    for cid, (lat, lon) in CAMERAS.items():
        r = admin.put(
            f"/api/cameras/{cid}", json={"name": cid, "url": "/x.mp4", "location": {"lat": lat, "lon": lon}}
        )
        assert r.status_code == 200, r.text


def _raised(center) -> dict[str, str]:
    """camera → the incident raising it (from the triage's priorities)."""
    pr = center.app.state.triage.priorities
    return {c: p.reason.event_id for c, p in pr.items() if p.reason.kind == "incident"}


def test_a_112_incident_puts_the_cameras_around_it_on_the_wall_and_the_map(center) -> None:
    admin, kim, police, machine = (
        center.client("admin"),
        center.client("kim"),
        center.client("police"),
        center.client(),
    )
    _place(admin)
    key = _key(admin, "police-112")
    assert kim.post("/api/duty/heartbeat").status_code == 200
    body = {
        "kind": "police_video",
        "lat": 37.1502,
        "lon": 127.0701,
        "reference": "2026-112-004417",
        "note": "폭행 신고",
    }
    r = machine.post("/api/incidents", json=body, headers={"Authorization": f"Bearer {key}"})
    assert r.status_code == 201, r.text
    inc = r.json()
    assert (inc["kind"], inc["status"], inc["source"], inc["radius_m"]) == (
        "police_video",
        "open",
        "police-112",
        300.0,
    )
    assert inc["cameras"] == ["cam-n1", "cam-n2"]  # the nearest first; the far one not
    tiles = {t["camera_id"]: t for t in kim.get("/api/walls/me").json()["tiles"] if t}
    assert set(tiles) == {"cam-n1", "cam-n2"}
    assert all(
        t["reason"]["kind"] == "incident" and t["reason"]["incident_id"] == inc["id"] for t in tiles.values()
    )
    assert tiles["cam-n2"]["reason"]["detail"] == "112 긴급영상 지원 · 2026-112-004417 · 폭행 신고"
    assert tiles["cam-n2"]["priority"] >= 2.0  # near the edge, still clearly worth showing
    shown = admin.get("/api/map").json()["incidents"]
    assert [(i["id"], i["cameras"]) for i in shown] == [(inc["id"], ["cam-n1", "cam-n2"])]
    # the situation room's system sends it again: the same incident
    again = machine.post("/api/incidents", json=body, headers={"Authorization": f"Bearer {key}"})
    assert again.json()["id"] == inc["id"] and len(admin.get("/api/incidents").json()) == 1
    # an agency liaison opens one from their own session
    r = police.post("/api/incidents", json={"kind": "police_dispatch", "lat": 37.17, "lon": 127.07})
    assert (
        r.status_code == 201 and r.json()["source"] == "agency-police" and r.json()["cameras"] == ["cam-far"]
    )
    # bad input: 4xx, nothing stored
    bad = [
        {**body, "kind": "alien"},
        {**body, "lat": 91},
        {**body, "ttl_s": 60},  # only the center's own reports end by themselves
        {**body, "reference": "has space"},
    ]
    for b in bad:
        assert machine.post("/api/incidents", json=b, headers={"X-Api-Key": key}).status_code == 422, b
    assert machine.post("/api/incidents", json=body).status_code == 401
    assert machine.post("/api/incidents", json=body, headers={"X-Api-Key": "gwk_nope"}).status_code == 401
    assert len(admin.get("/api/incidents").json()) == 2
    # handled: its cameras are no longer raised; closed; a second close is refused
    r = machine.post(
        f"/api/incidents/{inc['id']}/handle", json={"note": "경찰 현장 도착"}, headers={"X-Api-Key": key}
    )
    assert r.status_code == 200 and r.json()["handled_by"] == "key:police-112"
    assert inc["id"] not in _raised(center).values()
    # an operator handles; closing another system's incident is a supervisor's
    assert kim.post(f"/api/incidents/{inc['id']}/close", json={}).status_code == 403
    park = center.client("park")
    assert park.post(f"/api/incidents/{inc['id']}/close", json={}).json()["status"] == "closed"
    assert park.post(f"/api/incidents/{inc['id']}/close", json={}).status_code == 409
    assert (
        machine.post(
            f"/api/incidents/{inc['id']}/location",
            json={"lat": 37.15, "lon": 127.07},
            headers={"X-Api-Key": key},
        ).status_code
        == 409
    )
    actions = [a["action"] for a in admin.get("/api/audit?limit=50").json()]
    assert {"incident_open", "incident_handle", "incident_close"} <= set(actions)


def test_a_vulnerable_persons_locator_moves_and_the_cameras_follow(center) -> None:
    admin, kim, machine = center.client("admin"), center.client("kim"), center.client()
    _place(admin)
    key = _key(admin, "locator-osan")
    other = _key(admin, "police-112")
    assert kim.post("/api/duty/heartbeat").status_code == 200
    headers = {"Authorization": f"Bearer {key}"}
    start = {
        "kind": "vulnerable_person",
        "lat": 37.1601,
        "lon": 127.0801,
        "reference": "DM-0193",
        "note": "치매 어르신 배회 감지기",
    }
    inc = machine.post("/api/incidents", json=start, headers=headers).json()
    assert inc["cameras"] == ["cam-v1"] and _raised(center) == {"cam-v1": inc["id"]}
    for lat, lon, cam in (
        (37.1651, 127.0851, "cam-v2"),
        (37.1701, 127.0901, "cam-v3"),
        (37.1599, 127.0799, "cam-v1"),
    ):
        r = machine.post(
            f"/api/incidents/{inc['id']}/location", json={"lat": lat, "lon": lon}, headers=headers
        )
        assert r.status_code == 200, r.text
        assert r.json()["cameras"] == [cam]
        assert _raised(center) == {cam: inc["id"]}  # the set moved with the locator
        assert cam in {t["camera_id"] for t in kim.get("/api/walls/me").json()["tiles"] if t}
    assert len(r.json()["track"]) == 4
    # another system's key cannot move it; a fixed incident does not move
    assert (
        machine.post(
            f"/api/incidents/{inc['id']}/location",
            json={"lat": 37.16, "lon": 127.08},
            headers={"X-Api-Key": other},
        ).status_code
        == 404
    )
    fixed = machine.post(
        "/api/incidents", json={**start, "kind": "disaster", "reference": "D-1"}, headers=headers
    ).json()
    assert (
        machine.post(
            f"/api/incidents/{fixed['id']}/location", json={"lat": 37.16, "lon": 127.08}, headers=headers
        ).status_code
        == 409
    )
    # after a restart the open incidents raise their cameras again
    center.client()  # a new client starts the app anew
    assert set(center.app.state.triage.boosts) == {inc["id"], fixed["id"]}
    assert [a["action"] for a in admin.get("/api/audit?action=incident_move").json()] == ["incident_move"] * 3


def test_a_liaison_acts_only_on_its_own_agencys_incidents(center) -> None:
    """Another agency's liaison can neither handle nor close (nor learn of) a 112 incident; the
    police liaison can; an operator closes the center's own report."""
    admin, kim, police, fire, machine = (
        center.client("admin"),
        center.client("kim"),
        center.client("police"),
        center.client("fire"),
        center.client(),
    )
    _place(admin)
    key = _key(admin, "police-112")
    body = {"kind": "police_dispatch", "lat": 37.1502, "lon": 127.0701, "reference": "2026-112-9"}
    inc = machine.post("/api/incidents", json=body, headers={"X-Api-Key": key}).json()
    for action in ("handle", "close"):
        assert fire.post(f"/api/incidents/{inc['id']}/{action}", json={}).status_code == 404
    fires = fire.post("/api/incidents", json={"kind": "fire_dispatch", "lat": 37.17, "lon": 127.07}).json()
    assert police.post(f"/api/incidents/{fires['id']}/handle", json={}).status_code == 404
    assert fire.post(f"/api/incidents/{fires['id']}/handle", json={}).status_code == 200
    assert police.post(f"/api/incidents/{inc['id']}/handle", json={}).json()["handled_by"] == "police"
    assert police.post(f"/api/incidents/{inc['id']}/close", json={}).json()["status"] == "closed"
    report = kim.post("/api/incidents", json={"lat": 37.15, "lon": 127.07, "note": "싸움"}).json()
    assert kim.post(f"/api/incidents/{report['id']}/close", json={}).json()["status"] == "closed"
    steps = admin.get("/api/audit?action=incident_close").json()
    assert sorted(a["username"] for a in steps) == ["kim", "police"]


def test_incident_times_are_plausible(center) -> None:
    """``occurred_at: 0`` was stored as 1970 and 2199 was accepted: an incident's times lie in
    the same window as an event's start (server.event_past_days, event_future_s)."""
    kim = center.client("kim")
    _place(center.client("admin"))
    for when in (0, "1970-01-01T00:00:00+00:00", "2199-12-31T00:00:00+00:00"):
        r = kim.post("/api/incidents", json={"lat": 37.15, "lon": 127.07, "occurred_at": when})
        assert r.status_code == 422, (when, r.text)
    assert kim.get("/api/incidents").json() == []
    hour_ago = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    ok = kim.post("/api/incidents", json={"lat": 37.15, "lon": 127.07, "occurred_at": hour_ago})
    assert ok.status_code == 201, ok.text
    r = kim.post(f"/api/incidents/{ok.json()['id']}/location", json={"lat": 37.15, "lon": 127.07, "at": 0})
    assert r.status_code == 422
