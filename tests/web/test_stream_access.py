"""Access that ends with its reason: open live views and event streams close when their session
ends or loses the right to them; sessions end when idle and beyond a per-account cap; a session
cannot hold an unbounded number of streams. Against the real center process."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import httpx
import pytest

pytestmark = pytest.mark.slow


def _reads_until_closed(client: httpx.Client, path: str, opened: threading.Event, limit_s: float) -> dict:
    """Read a stream until the server closes it; when it closed, and what came last."""
    out: dict = {"closed_at": None, "tail": b"", "status": None}
    with client.stream("GET", path, timeout=httpx.Timeout(limit_s, read=limit_s)) as r:
        out["status"] = r.status_code
        opened.set()
        try:
            for chunk in r.iter_bytes():
                out["tail"] = (out["tail"] + chunk)[-200:]
        except httpx.ReadTimeout:
            return out
    out["closed_at"] = time.monotonic()
    return out


def _watch(client: httpx.Client, path: str, limit_s: float = 20.0):
    opened = threading.Event()
    result: dict = {}
    t = threading.Thread(target=lambda: result.update(_reads_until_closed(client, path, opened, limit_s)))
    t.start()
    assert opened.wait(15), f"{path} did not open"
    time.sleep(1.0)  # frames or messages flowing
    return t, result


def test_logout_closes_live_views_and_the_event_stream(live_center) -> None:
    kim = live_center.login("kim")
    other_tab = httpx.Client(base_url=live_center.base, cookies=kim.cookies, headers=kim.headers)
    live, live_r = _watch(kim, "/api/cameras/cam-a/live.mjpg")
    events, events_r = _watch(httpx.Client(base_url=live_center.base, cookies=kim.cookies), "/api/stream")
    assert live_r.get("status", 200) == 200
    assert other_tab.post("/api/auth/logout").status_code == 200
    out = time.monotonic()
    live.join(15)
    events.join(15)
    assert live_r["closed_at"] and live_r["closed_at"] - out < 5, "the live view kept going after logout"
    assert events_r["closed_at"] and events_r["closed_at"] - out < 5, (
        "the event stream kept going after logout"
    )
    assert b"signed_out" in events_r["tail"]
    assert kim.get("/api/cameras/cam-a/live.mjpg").status_code == 401


def test_an_agency_loses_the_live_view_when_its_alert_is_closed(live_center) -> None:
    admin, kim, police = live_center.login("admin"), live_center.login("kim"), live_center.login("police")
    r = admin.post("/api/events", json={"camera_id": "cam-a", "type": "fight", "zone": "stream-test"})
    alert_id = r.json()["created"][0]
    assert police.get("/api/cameras/cam-a/live.mjpg", timeout=5).status_code in (404,)
    kim.post(f"/api/alerts/{alert_id}/acknowledge", json={})
    assert kim.post(f"/api/alerts/{alert_id}/dispatch", json={"agency": "police"}).status_code == 200
    live, result = _watch(police, "/api/cameras/cam-a/live.mjpg")
    assert result.get("status", 200) == 200
    assert kim.post(f"/api/alerts/{alert_id}/resolve", json={"note": "현장 종료"}).status_code == 200
    closed = time.monotonic()
    live.join(15)
    assert result["closed_at"] and result["closed_at"] - closed < 5, "the liaison kept the live view"
    assert police.get("/api/cameras/cam-a/live.mjpg", timeout=5).status_code == 404
    # what was dispatched stays on their list (and footage may still be asked for)
    assert any(
        a["id"] == alert_id for a in police.get("/api/alerts", params={"status": "resolved"}).json()["items"]
    )


def test_sessions_per_account_and_streams_per_session_are_capped(live_center) -> None:
    first = live_center.login("kim")
    assert first.get("/api/auth/me").status_code == 200
    for _ in range(5):  # server.sessions_per_user: 5
        live_center.login("kim")
    assert first.get("/api/auth/me").status_code == 401  # the oldest was ended
    park = live_center.login("park")
    streams = []
    try:
        for _ in range(32):  # server.streams_per_session: 32
            s = park.stream("GET", "/api/stream", timeout=10)
            r = s.__enter__()
            assert r.status_code == 200
            streams.append(s)
        assert park.get("/api/stream", timeout=10).status_code == 429
    finally:
        for s in streams:
            s.__exit__(None, None, None)


def test_an_idle_session_ends(center) -> None:
    from gwanje.store.models import SessionRow, now_utc

    kim = center.client("kim")
    assert kim.get("/api/auth/me").status_code == 200
    core = center.app.state.center
    with core.db.sessions.begin() as s:
        for row in s.query(SessionRow).all():
            row.last_seen_at = now_utc() - timedelta(minutes=31)
    center.app.state.principal_cache.clear()
    assert kim.get("/api/auth/me").status_code == 401
