"""A kill -9 of the server while events flow loses no event whose write returned (both
databases); the center then starts again on the same store."""

from __future__ import annotations

import signal
import threading
import time

import httpx
import pytest

from gwanje.store import events as repo
from gwanje.store.db import open_database

pytestmark = pytest.mark.slow
CAM_X = {"id": "cam-x", "url": "/nonexistent/cam-x.mp4"}  # posted events name a camera the center has


def test_kill_minus_nine_loses_no_acknowledged_event(db_url: str, tmp_path) -> None:
    from support.center_process import run_center

    acknowledged: list[str] = []
    stop = threading.Event()
    with run_center(tmp_path / "center", [CAM_X], db_url=db_url, workers=1) as center:
        client = center.login("admin", timeout=5)

        def post(k: int) -> None:
            n = 0
            while not stop.is_set():
                n += 1
                event_id = f"k9-{k}-{n:06d}"
                try:
                    r = client.post(
                        "/api/events", json={"id": event_id, "camera_id": "cam-x", "type": "intrusion"}
                    )
                except httpx.HTTPError:
                    return  # the server died mid-request: this write never returned
                if r.status_code == 201:
                    acknowledged.append(event_id)

        writers = [threading.Thread(target=post, args=(k,)) for k in range(4)]
        for w in writers:
            w.start()
        time.sleep(2.0)
        center.process.send_signal(signal.SIGKILL)
        center.process.wait(10)
        stop.set()
        for w in writers:
            w.join(10)
    assert len(acknowledged) > 20, "too few writes before the kill to mean anything"
    db = open_database(db_url)
    with db.sessions() as s:
        stored = set(repo.ids_present(s, acknowledged))
    db.close()
    assert stored == set(acknowledged)
    with run_center(tmp_path / "again", [CAM_X], db_url=db_url, workers=1) as center:
        assert len(center.login("admin").get("/api/events", params={"limit": 1000}).json()) >= len(
            acknowledged
        )
