"""The login throttle: per account and per address, doubling waits, kept in the store; a correct
password of an account nobody attacked is never refused; failed logins cannot flood the audit;
X-Forwarded-For is believed only from configured proxies."""

from __future__ import annotations

import pytest
from web.conftest import PASSWORD

from gwanje.store import throttle
from gwanje.store.db import open_database


def _fail(c, username: str, n: int) -> list[int]:
    return [
        c.post("/api/auth/login", json={"username": username, "password": "wrong!"}).status_code
        for _ in range(n)
    ]


def test_a_sprayed_address_still_lets_in_an_account_nobody_attacked(center) -> None:
    c = center.client()
    codes = (
        _fail(c, "kim", 3)
        + _fail(c, "police", 3)
        + [
            c.post("/api/auth/login", json={"username": f"u{i}", "password": "x"}).status_code
            for i in range(16)
        ]
    )
    assert codes[-1] == 429  # the address now waits ...
    r = c.post("/api/auth/login", json={"username": "park", "password": PASSWORD})
    assert r.status_code == 200, r.text  # ... but park was never tried: let in
    r = c.post("/api/auth/login", json={"username": "kim", "password": PASSWORD})
    assert r.status_code == 429 and int(r.headers["Retry-After"]) >= 1  # kim was attacked
    # the admin sees it and lifts it (audited); kim gets in from the same address
    admin = center.client("admin")
    kim = next(u for u in admin.get("/api/users").json() if u["username"] == "kim")
    assert kim["failed_logins"] == 3  # under its own allowance: the sprayed address keeps it out
    assert admin.post("/api/users/kim/unlock").json() == {"username": "kim", "unlocked": True}
    assert c.post("/api/auth/login", json={"username": "kim", "password": PASSWORD}).status_code == 200
    assert [a["target"] for a in admin.get("/api/audit", params={"action": "user_unlock"}).json()] == ["kim"]
    assert admin.post("/api/users/nobody/unlock").status_code == 404


def test_the_wait_doubles_and_survives_a_restart(center, db_url) -> None:
    import time
    from datetime import timedelta

    c = center.client()
    policy = throttle.Policy(5, 20, timedelta(seconds=300))
    db = open_database(db_url)

    def state() -> tuple[int, float]:
        with db.sessions.begin() as s:
            key = throttle.account_key("fire")
            return throttle.failures(s, key, policy), throttle.wait_s(s, key, policy)

    assert _fail(c, "fire", 6) == [401] * 5 + [429]  # tries while waiting are refused, not counted
    count, wait = state()
    assert count == 5 and 0 < wait <= 1.0
    time.sleep(wait + 0.05)
    assert _fail(c, "fire", 1) == [401]
    count, wait = state()
    assert count == 6 and 1.0 < wait <= 2.0  # doubled
    db.close()
    from fastapi.testclient import TestClient

    from gwanje.web.app import create_app  # a second server on the same store

    with TestClient(create_app(center.app.state.center.site, db_url=db_url, start_workers=False)) as again:
        r = again.post("/api/auth/login", json={"username": "fire", "password": PASSWORD})
        assert r.status_code == 429


def test_failed_logins_do_not_flood_the_audit(center) -> None:
    c = center.client()
    for i in range(60):
        c.post("/api/auth/login", json={"username": f"spray{i}", "password": "x"})
    _fail(c, "kim", 20)
    rows = [
        a
        for a in center.client("park").get("/api/audit", params={"limit": 1000}).json()
        if a["action"] in ("login_failed", "login_throttled")
    ]
    assert 5 < len(rows) <= 25, len(rows)  # about log2 of the tries, not 80
    assert any(r["detail"].get("failures", 0) >= 16 or r["detail"].get("refused", 0) >= 16 for r in rows)


@pytest.mark.slow
def test_x_forwarded_for_is_believed_only_from_configured_proxies(tmp_path) -> None:
    import httpx
    from support.center_process import run_center

    with run_center(tmp_path / "center", []) as center:
        c = httpx.Client(base_url=center.base)
        for _ in range(6):
            c.post("/api/auth/login", json={"username": "kim", "password": "wrong!"})
        r = c.post(
            "/api/auth/login",
            json={"username": "kim", "password": PASSWORD},
            headers={"X-Forwarded-For": "203.0.113.9"},
        )
        assert r.status_code == 429
        audit = center.login("park").get("/api/audit", params={"action": "login_failed"}).json()
        assert {a["ip"] for a in audit} == {"127.0.0.1"}
