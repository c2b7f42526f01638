"""Hostile input gets a clear 422 (never a 500) on both databases: NUL and control characters
anywhere, NaN and Infinity, integers beyond 64 bits, times out of range or implausible; events
only for cameras the center has; a closed alert's checklist is final."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from web.conftest import PASSWORD


def test_nul_and_control_characters_are_refused(center) -> None:
    anonymous = center.client()
    r = anonymous.post("/api/auth/login", json={"username": "kim\u0000", "password": PASSWORD})
    assert r.status_code == 422 and "control characters" in r.json()["detail"]
    admin = center.client("admin")
    for path in ("/api/cameras/cam%00x", "/api/alerts?q=a%00b", "/api/events?camera=%01"):
        r = admin.get(path)
        assert r.status_code == 422, (path, r.status_code)
    r = admin.post("/api/events", json={"camera_id": "cam-1", "type": "fire", "zone": "a\u0000b"})
    assert r.status_code == 422
    ok = admin.post("/api/events", json={"camera_id": "cam-1", "type": "fire", "zone": "1층\t로비"})
    assert ok.status_code == 201  # tabs and newlines are text


def test_non_finite_numbers_and_huge_integers_are_refused(center) -> None:
    admin = center.client("admin")
    for raw in (
        b'{"camera_id": "cam-1", "type": "fire", "details": {"x": NaN}}',
        b'{"camera_id": "cam-1", "type": "fire", "boxes": [[0, 0, Infinity, 1]]}',
        b'{"camera_id": "cam-1", "type": "fire", "details": {"n": 99999999999999999999999}}',
    ):
        r = admin.post("/api/events", content=raw, headers={"content-type": "application/json"})
        assert r.status_code == 422, (raw, r.text)
    assert admin.post("/api/alerts/x/sop/99999999999999999999", json={"done": True}).status_code in (404, 422)


def test_times_must_be_plausible(center) -> None:
    admin = center.client("admin")
    for when in ("0001-01-01T00:00:00+05:00", "9999-12-31T23:59:59+00:00", "1900-01-01T00:00:00+00:00"):
        r = admin.post("/api/events", json={"camera_id": "cam-1", "type": "fire", "started_at": when})
        assert r.status_code == 422, when
    future = (datetime.now(UTC) + timedelta(hours=2)).isoformat()
    r = admin.post("/api/events", json={"camera_id": "cam-1", "type": "fire", "started_at": future})
    assert r.status_code == 422 and "implausible" in r.json()["detail"]
    r = center.client("park").get(
        "/api/ledger", params={"from": "0001-01-01T00:00:00+05:00", "to": "2026-01-01T00:00:00+00:00"}
    )
    assert r.status_code == 422


def test_events_only_for_known_cameras(center) -> None:
    r = center.client("admin").post("/api/events", json={"camera_id": "nowhere", "type": "fire"})
    assert r.status_code == 422 and "nowhere" in r.json()["detail"]


def test_a_closed_alerts_checklist_is_final(center) -> None:
    admin, kim = center.client("admin"), center.client("kim")
    alert_id = admin.post("/api/events", json={"camera_id": "cam-1", "type": "fire"}).json()["created"][0]
    assert kim.post(f"/api/alerts/{alert_id}/sop/0", json={"done": True}).status_code == 200
    kim.post(f"/api/alerts/{alert_id}/false_alarm", json={"note": "연기 아님"})
    r = kim.post(f"/api/alerts/{alert_id}/sop/1", json={"done": True})
    assert r.status_code == 409 and "closed" in r.json()["detail"]


def test_what_the_openapi_promises_for_odd_requests(center) -> None:
    """Row 13 by hand: the cases schemathesis first found (tests/web/test_openapi_contract.py)."""
    admin = center.client("admin")
    spec = admin.get("/api/openapi.json").json()
    # a body over the limit is 413 also when it comes in chunks with no length given
    chunks = (b'{"note": "' + b"x" * 10_000 + b'"' if i == 0 else b"x" * 10_000 for i in range(10))
    r = admin.post("/api/shelves", content=chunks, headers={"content-type": "application/json"})
    assert r.status_code == 413, r.text
    # JSON types are taken as written: false is not 0, a number is not a time
    r = admin.post("/api/incidents", json={"lat": 37.1, "lon": False, "radius_m": 300})
    assert r.status_code == 422 and isinstance(r.json()["detail"], list)
    r = admin.patch("/api/users/kim", json={"active": 0})
    assert r.status_code == 422
    assert admin.get("/api/alerts", params={"until": "0.5"}).status_code == 422
    assert admin.get("/api/alerts", params={"until": "2026-12-07T09:00:00+09:00"}).status_code == 200
    # a method the path does not have: 405 naming every method it has
    r = admin.post("/api/alerts/x/snapshot", json={})
    assert r.status_code == 405 and r.headers["allow"] == "GET"
    r = admin.request("OPTIONS", "/api/users/kim")
    assert r.status_code == 405 and set(r.headers["allow"].split(", ")) == {"DELETE", "PATCH"}
    # ids past what the store keeps are refused, not a 500 (PostgreSQL integer, SQLite 64 bits)
    for path in ("/api/shelves/2232392888508881305600", "/api/provisions/-257264137820321251328"):
        assert admin.request("DELETE" if "shelves" in path else "GET", path).status_code == 422
    # every 422 has the declared shape, a list of field problems or one sentence
    declared = spec["components"]["schemas"]["InvalidInput"]["properties"]["detail"]
    assert {"type": "string"} in declared["anyOf"]
    r = admin.post("/api/events", json={"camera_id": "no-such-camera", "type": "fire"})
    assert r.status_code == 422 and isinstance(r.json()["detail"], str)
    # and every operation declares what it answers besides success
    login = spec["paths"]["/api/auth/login"]["post"]["responses"]
    assert {"401", "413", "422", "429"} <= set(login)
    delete_user = spec["paths"]["/api/users/{username}"]["delete"]["responses"]
    assert {"401", "403", "404", "409"} <= set(delete_user)
    package = spec["paths"]["/api/provisions/{provision_id}/package"]["get"]["responses"]
    assert {"401", "403", "404", "409", "410", "422"} <= set(package)  # 403: another agency, a wrong token
    clip = spec["paths"]["/api/recordings/clips/{name}"]["get"]
    assert "403" in clip["responses"] and any(p["name"] == "grant" for p in clip["parameters"])


def test_lone_surrogates_are_refused_without_signing_in(center) -> None:
    """``"\\ud800"`` parses to text no UTF-8 can carry: the 422 that quoted it back was a 500."""
    anonymous, admin = center.client(), center.client("admin")
    raw = b'{"username": "\\ud800", "password": "x"}'
    r = anonymous.post("/api/auth/login", content=raw, headers={"content-type": "application/json"})
    assert r.status_code == 422 and "surrogate" in r.json()["detail"]
    r = anonymous.post("/api/live-links/x/redeem", content=b'{"code": "\\udfff1"}')  # no type: JSON too
    assert r.status_code == 422
    raw = b'{"camera_id": "cam-1", "type": "fire", "zone": "a\\udc80b"}'
    r = admin.post("/api/events", content=raw, headers={"content-type": "application/json"})
    assert r.status_code == 422
    # a pair is a character (U+1F600): text as any other
    raw = b'{"camera_id": "cam-1", "type": "fire", "zone": "\\ud83d\\ude00"}'
    assert (
        admin.post("/api/events", content=raw, headers={"content-type": "application/json"}).status_code
        == 201
    )


def test_bodies_that_are_no_utf8_or_no_json_get_a_4xx(center) -> None:
    anonymous = center.client()
    for body, kind in (
        (b'{"username": "\xff\xfe", "password": "x"}', "application/json"),
        (b"\xff\xfe\xfa", "text/plain"),
        (b'{"username": "kim"', "application/json"),
        (b"username=kim&password=x", "application/x-www-form-urlencoded"),
    ):
        r = anonymous.post("/api/auth/login", content=body, headers={"content-type": kind})
        assert 400 <= r.status_code < 500, (body, kind, r.status_code, r.text)


def test_deep_nesting_is_refused_without_signing_in(center) -> None:
    anonymous, admin = center.client(), center.client("admin")
    for depth in (40, 1_000, 30_000):
        password = "[" * depth + "]" * depth
        raw = b'{"username": "kim", "password": ' + password.encode() + b"}"
        r = anonymous.post("/api/auth/login", content=raw, headers={"content-type": "application/json"})
        assert r.status_code == 422 and "nested" in r.json()["detail"], depth
    objects = '{"a":' * 3_000 + "1" + "}" * 3_000
    r = admin.post("/api/events", content=objects.encode(), headers={"content-type": "application/json"})
    assert r.status_code == 422
    deep = '{"camera_id": "cam-1", "type": "fire", "details": ' + "[" * 100_000 + "]" * 100_000 + "}"
    r = admin.post("/api/events", content=deep.encode(), headers={"content-type": "application/json"})
    assert r.status_code in (413, 422)  # 200 kB: over the body limit or refused for its depth


def test_infinity_written_as_a_huge_number_is_refused(center) -> None:
    """1e999 is no JSON constant but parses as Infinity: PostgreSQL refused it (500), SQLite
    stored null."""
    admin = center.client("park")
    for raw in (
        b'{"camera_id": "cam-1", "type": "fire", "boxes": [[0, 0, 1e999, 1]]}',
        b'{"camera_id": "cam-1", "type": "fire", "confidence": -1e400}',
        b'{"camera_id": "cam-1", "type": "fire", "details": {"x": 1E+999}}',
    ):
        r = admin.post("/api/events", content=raw, headers={"content-type": "application/json"})
        assert r.status_code == 422 and "out of range" in r.json()["detail"], raw
    assert center.client("admin").get("/api/events").json() == [] or all(
        e["boxes"] is not None for e in center.client("admin").get("/api/events").json()
    )
