"""A worker killed under its cameras: they show offline within 5 s (not "online" with a frozen
frame count), the hits that were going on get their end with the reason, and a new worker brings
the frames back."""

from __future__ import annotations

import os
import signal
import time

import pytest
from web.conftest import vtest_camera

pytestmark = pytest.mark.slow


def test_a_killed_worker_shows_offline_ends_its_hits_and_comes_back(tmp_path, vtest_h264) -> None:
    from support.center_process import run_center

    with run_center(tmp_path / "center", [vtest_camera("cam-a", vtest_h264)], workers=1) as center:
        admin = center.login("admin")

        def camera() -> dict:
            return admin.get("/api/cameras/cam-a").json()["health"]

        deadline = time.monotonic() + 90
        while True:  # running, with a hit going on (people walk onto the lawn within seconds)
            open_hits = [
                e for e in admin.get("/api/events", params={"camera": "cam-a"}).json() if not e["ended_at"]
            ]
            if camera()["status"] == "online" and open_hits:
                break
            assert time.monotonic() < deadline, "no open hit on the camera"
            time.sleep(0.5)
        pid = admin.get("/api/system").json()["workers"][0]["pid"]
        os.kill(pid, signal.SIGKILL)
        killed = time.monotonic()
        while camera()["status"] == "online":
            assert time.monotonic() - killed < 5, "still shown online 5 s after its worker died"
            time.sleep(0.1)
        offline_after = time.monotonic() - killed
        ids = {e["id"] for e in open_hits}
        ended = {
            e["id"]: e for e in admin.get("/api/events", params={"camera": "cam-a", "limit": 500}).json()
        }
        for i in ids:
            assert ended[i]["ended_at"] and ended[i]["details"].get("ended_by") == "worker restarted", ended[
                i
            ]
        frames_before = camera()["frames"]
        while not (camera()["status"] == "online" and camera()["frames"] > 0):
            assert time.monotonic() - killed < 10, "frames did not come back within 10 s"
            time.sleep(0.1)
        back_after = time.monotonic() - killed
        print(
            f"offline after {offline_after:.1f} s, frames back after {back_after:.1f} s (before: {frames_before})"
        )
        assert offline_after < 5
