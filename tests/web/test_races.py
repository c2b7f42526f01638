"""Actions on one alert at the same moment, from real parallel HTTP clients against a running
server, on both databases: exactly one wins, the others get 409, and what is stored is the winner's."""

from __future__ import annotations

import threading
import uuid

import httpx
import pytest

pytestmark = pytest.mark.slow
CAM_X = {"id": "cam-x", "url": "/nonexistent/cam-x.mp4"}  # posted events name a camera the center has
TRIALS = 6


def _parallel(clients: list[httpx.Client], calls: list[tuple[str, dict]]) -> list[int]:
    barrier = threading.Barrier(len(calls))
    codes: list[int] = [0] * len(calls)

    def go(i: int) -> None:
        path, body = calls[i]
        barrier.wait()
        codes[i] = clients[i].post(path, json=body).status_code

    threads = [threading.Thread(target=go, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return codes


def test_parallel_actions_on_one_alert_have_one_winner(db_url: str, tmp_path) -> None:
    from support.center_process import run_center

    with run_center(tmp_path / "center", [CAM_X], db_url=db_url, workers=1) as center:
        admin = center.login("admin")
        staff = [center.login(u) for u in ("kim", "park") for _ in range(4)]
        for trial in range(TRIALS):
            alert_id = uuid.uuid4().hex[:12]
            # a zone of its own: a hit of an open alert's camera, rule and zone would join that alert
            body = {"id": alert_id, "camera_id": "cam-x", "type": "intrusion", "zone": f"z{trial}"}
            r = admin.post("/api/events", json=body)
            assert r.status_code == 201, r.text
            codes = _parallel(staff, [(f"/api/alerts/{alert_id}/acknowledge", {})] * len(staff))
            assert sorted(codes) == [200] + [409] * (len(staff) - 1), codes
            codes = _parallel(
                staff[:2],
                [
                    (f"/api/alerts/{alert_id}/dispatch", {"agency": "police"}),
                    (f"/api/alerts/{alert_id}/dispatch", {"agency": "fire"}),
                ],
            )
            assert sorted(codes) == [200, 409], codes
            winner = "police" if codes[0] == 200 else "fire"
            stored = admin.get(f"/api/alerts/{alert_id}").json()
            assert stored["dispatched_to"] == winner
            moves = [a for a in stored["actions"] if a["action"] == "dispatch"]
            assert len(moves) == 1, stored["actions"]
