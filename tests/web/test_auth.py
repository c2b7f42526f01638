"""Accounts and rights: sessions, cookies, CSRF, throttling, roles, and that every API route
except health, login and a live-view link's one-time code needs a session (or a machine's API
key: those answer 401 without one as well)."""

from __future__ import annotations

import re

import pytest
from conftest import PASSWORD  # noqa: F401 - web/conftest.py

from gwanje.store.db import open_database
from gwanje.store.models import UserRow

OPEN_ROUTES = {
    ("GET", "/api/health"),
    ("POST", "/api/auth/login"),
    ("POST", "/api/live-links/{link_id}/redeem"),  # the code is the right (tests/web/test_live_links.py)
}


def _routes(app) -> list[tuple[str, str]]:
    return [(m.upper(), p) for p, ops in app.openapi()["paths"].items() for m in ops] + [
        ("GET", "/api/openapi.json")
    ]


def test_every_api_route_but_health_and_login_needs_a_session(center) -> None:
    anonymous = center.client()
    routes = _routes(center.app)
    assert len(routes) >= 20 and set(routes) >= OPEN_ROUTES
    for method, path in routes:
        if (method, path) in OPEN_ROUTES:
            continue
        url = re.sub(r"\{[^}]+\}", "x", path)
        r = anonymous.request(method, url, json={})
        assert r.status_code == 401, f"{method} {path} answered {r.status_code} without a session"
    assert anonymous.get("/api/health").json()["status"] == "ok"


def test_login_sets_httponly_samesite_cookie_and_passwords_are_argon2(center) -> None:
    c = center.client()
    r = c.post("/api/auth/login", json={"username": "kim", "password": PASSWORD})
    assert r.status_code == 200 and r.json()["user"]["role"] == "operator"
    cookies = r.headers.get_list("set-cookie")
    session = next(x for x in cookies if x.startswith("gwanje_session="))
    csrf = next(x for x in cookies if x.startswith("gwanje_csrf="))
    assert "HttpOnly" in session and "SameSite=strict" in session
    assert "HttpOnly" not in csrf
    db = open_database(center.url)
    with db.sessions() as s:
        assert s.query(UserRow).filter_by(username="kim").one().password_hash.startswith("$argon2id$")
    db.close()


def test_changes_need_the_csrf_token(center) -> None:
    c = center.client("kim")
    token = c.headers.pop("X-CSRF-Token")
    r = c.post("/api/auth/logout")
    assert r.status_code == 403 and "CSRF" in r.json()["detail"]
    r = c.post("/api/auth/logout", headers={"X-CSRF-Token": "forged"})
    assert r.status_code == 403
    assert c.post("/api/auth/logout", headers={"X-CSRF-Token": token}).status_code == 200
    assert c.get("/api/events").status_code == 401  # the session is gone


def test_login_throttling_then_audit(center) -> None:
    c = center.client()
    for _ in range(5):
        assert c.post("/api/auth/login", json={"username": "kim", "password": "wrong"}).status_code == 401
    r = c.post("/api/auth/login", json={"username": "kim", "password": PASSWORD})
    assert r.status_code == 429 and int(r.headers["Retry-After"]) > 0
    audit = center.client("park").get("/api/audit").json()  # another user is not locked out
    actions = [a["action"] for a in audit if a["username"] == "kim"]
    # failures are audited at the 1st, 2nd and 4th (each row says how many), not one row each
    failed = [
        a["detail"]["failures"] for a in audit if a["username"] == "kim" and a["action"] == "login_failed"
    ]
    assert sorted(failed) == [1, 2, 4] and "login_throttled" in actions


def test_unknown_user_and_wrong_password_look_the_same(center) -> None:
    c = center.client()
    a = c.post("/api/auth/login", json={"username": "nobody", "password": "x"})
    b = c.post("/api/auth/login", json={"username": "kim", "password": "x"})
    assert a.status_code == b.status_code == 401 and a.json() == b.json()


@pytest.mark.parametrize(
    ("user", "method", "path", "expected"),
    [
        ("kim", "PUT", "/api/cameras/cam-2", 403),
        ("kim", "DELETE", "/api/cameras/cam-1", 403),
        ("kim", "GET", "/api/audit", 403),
        ("kim", "GET", "/api/users", 403),
        ("kim", "POST", "/api/events", 403),
        ("park", "GET", "/api/audit", 200),
        ("park", "GET", "/api/users", 403),
        ("police", "GET", "/api/map", 403),
        ("police", "POST", "/api/alerts/x/acknowledge", 403),
        ("police", "GET", "/api/walls/me", 403),
        ("police", "POST", "/api/shelves", 403),
        ("kim", "GET", "/api/shelves", 403),
        ("park", "GET", "/api/shelves", 200),
        ("kim", "PATCH", "/api/users/park", 403),
        ("police", "POST", "/api/duty/heartbeat", 403),
        ("admin", "GET", "/api/system", 200),
    ],
)
def test_roles(center, user: str, method: str, path: str, expected: int) -> None:
    body = {"id": "cam-2", "url": "/x.mp4"} if method == "PUT" else {}
    assert center.client(user).request(method, path, json=body).status_code == expected
