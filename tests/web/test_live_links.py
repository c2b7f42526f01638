"""Live views for agencies through time-limited links: issued by a supervisor from an alert, for
an agency account or by a one-time code; only the link's cameras, live; refused after expiry or
revocation (an open stream ends); each opening audited and in the personal-video ledger."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

from support.events import make_event

from gwanje.center.state import LiveView
from gwanje.store.models_exchange import LiveLinkRow

JPEG = b"\xff\xd8\xff\xe0" + b"frame" * 20 + b"\xff\xd9"


def _setup(center, admin):
    """(Every client made before: each one starts the app anew.)"""
    assert admin.put("/api/cameras/cam-2", json={"url": "/x.mp4"}).status_code == 200
    core = center.app.state.center
    alert = make_event("cam-1")
    core.ingest([alert])
    for cam in ("cam-1", "cam-2"):
        core.live[cam] = LiveView(jpeg=JPEG, seq=1)
    return alert.event_id


def _expire_in(center, link_id: str, seconds: float) -> None:
    with center.app.state.center.db.sessions.begin() as s:
        s.get(LiveLinkRow, link_id).expires_at = datetime.now(UTC) + timedelta(seconds=seconds)


def _stream(client, url: str, limit_s: float = 15.0) -> tuple[int, bytes, float]:
    """(status, what came, seconds until the server ended it)."""
    t0 = time.monotonic()
    with client.stream("GET", url) as r:
        got = b""
        if r.status_code == 200:
            for chunk in r.iter_bytes():
                got += chunk
                assert time.monotonic() - t0 < limit_s, "the stream did not end"
        return r.status_code, got, time.monotonic() - t0


def test_an_agency_account_watches_only_its_cameras_until_the_link_ends(center) -> None:
    admin, park, police, fire, kim = (center.client(u) for u in ("admin", "park", "police", "fire", "kim"))
    alert_id = _setup(center, admin)
    body = {
        "agency": "police",
        "username": "police",
        "cameras": ["cam-1"],
        "alert_id": alert_id,
        "purpose": "112 폭행 신고 현장 확인",
    }
    assert kim.post("/api/live-links", json=body).status_code == 403  # supervisors issue them
    assert (
        park.post("/api/live-links", json={**body, "username": "fire"}).status_code == 422
    )  # not a police account
    assert (
        park.post("/api/live-links", json={**body, "alert_id": None}).status_code == 422
    )  # from an incident or alert
    assert park.post("/api/live-links", json={**body, "cameras": ["cam-9"]}).status_code == 404
    r = park.post("/api/live-links", json=body)
    assert r.status_code == 201, r.text
    link = r.json()
    assert link["code"] is None and link["state"] == "active"
    assert abs(
        datetime.fromisoformat(link["expires_at"]) - datetime.now(UTC) - timedelta(minutes=30)
    ) < timedelta(seconds=5)
    assert [x["id"] for x in police.get("/api/live-links").json()] == [link["id"]]
    assert fire.get("/api/live-links").json() == []
    assert police.post(f"/api/live-links/{link['id']}/open").json()["opened"] == 1
    assert fire.post(f"/api/live-links/{link['id']}/open").status_code == 404  # another agency's
    base = f"/api/live-links/{link['id']}/cameras"
    assert _stream(fire, f"{base}/cam-1/live.mjpg")[0] == 404
    assert _stream(police, f"{base}/cam-2/live.mjpg")[0] == 404  # not in the link
    _expire_in(center, link["id"], 1.5)
    status, got, took = _stream(police, f"{base}/cam-1/live.mjpg")
    assert status == 200 and JPEG in got and 1.0 < took < 4.0  # live, then ended at the expiry
    assert _stream(police, f"{base}/cam-1/live.mjpg")[0] == 410
    assert police.post(f"/api/live-links/{link['id']}/open").status_code == 410
    # the opening is audited and in the ledger as a viewing on screen
    trail = park.get("/api/audit?action=live_link_open").json()
    assert [(a["username"], a["target"]) for a in trail] == [("police", link["id"])]
    rows = park.get("/api/ledger?kind=view").json()
    rows = rows.get("items", rows) if isinstance(rows, dict) else rows
    mine = [x for x in rows if link["id"] in (x.get("note") or "")]
    assert len(mine) == 1 and mine[0]["agency"] == "police" and mine[0]["purpose"] == body["purpose"]


def test_a_one_time_code_opens_on_one_phone_and_revocation_stops_the_stream(center) -> None:
    admin, park, phone, other = (
        center.client("admin"),
        center.client("park"),
        center.client(),
        center.client(),
    )
    alert_id = _setup(center, admin)
    body = {
        "agency": "police",
        "by_code": True,
        "cameras": ["cam-1", "cam-2"],
        "alert_id": alert_id,
        "purpose": "순찰차 현장 확인",
        "minutes": 10,
    }
    link = park.post("/api/live-links", json=body).json()
    code = link["code"]
    assert len(code) == 8 and link["username"] is None
    assert phone.get(f"/live/{link['id']}").status_code == 200  # the page
    assert phone.get(f"/api/live-links/{link['id']}/view").status_code == 401
    r = phone.post(f"/api/live-links/{link['id']}/redeem", json={"code": "WRONGCOD"})
    assert r.status_code == 403 and "1 of 5" in r.json()["detail"]
    r = phone.post(f"/api/live-links/{link['id']}/redeem", json={"code": code.lower()})
    assert r.status_code == 200 and r.json()["cameras"] == ["cam-1", "cam-2"]
    assert phone.get(f"/api/live-links/{link['id']}/view").json()["id"] == link["id"]  # a reload
    assert other.post(f"/api/live-links/{link['id']}/redeem", json={"code": code}).status_code == 410  # once
    assert _stream(other, f"/api/live-links/{link['id']}/cameras/cam-1/live.mjpg")[0] == 401
    threading.Timer(1.0, lambda: park.delete(f"/api/live-links/{link['id']}")).start()
    status, got, took = _stream(phone, f"/api/live-links/{link['id']}/cameras/cam-2/live.mjpg")
    assert status == 200 and JPEG in got and took < 1.0 + 2.0 + 1.5  # ends within RECHECK_S of the revocation
    assert phone.get(f"/api/live-links/{link['id']}/view").status_code == 410
    actions = [a["action"] for a in park.get("/api/audit?limit=50").json()]
    assert {"live_link_issue", "live_link_code_refused", "live_link_open", "live_link_revoke"} <= set(actions)
    listed = {x["id"]: x for x in park.get("/api/live-links").json()}
    assert listed[link["id"]]["state"] == "revoked" and listed[link["id"]]["revoked_by"] == "park"


def test_five_wrong_codes_revoke_the_link(center) -> None:
    admin, park, phone = center.client("admin"), center.client("park"), center.client()
    alert_id = _setup(center, admin)
    link = park.post(
        "/api/live-links",
        json={
            "agency": "fire",
            "by_code": True,
            "cameras": ["cam-1"],
            "alert_id": alert_id,
            "purpose": "화재 현장",
        },
    ).json()
    answers = [
        phone.post(f"/api/live-links/{link['id']}/redeem", json={"code": f"BAD{i}CODE"}).status_code
        for i in range(6)
    ]
    assert answers == [403] * 5 + [410]
    assert phone.post(f"/api/live-links/{link['id']}/redeem", json={"code": link["code"]}).status_code == 410
