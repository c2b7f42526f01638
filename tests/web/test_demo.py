"""`make demo`'s command: the whole center on SQLite with the demo cameras, events within the
first minute, recordings, demo accounts, and a clean stop on Ctrl-C (no worker left behind)."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import psutil
import pytest
from support.center_process import free_port

pytestmark = pytest.mark.slow


def test_demo_center_starts_raises_events_and_stops_on_ctrl_c(tmp_path, vtest) -> None:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "gwanje", "demo", "--port", str(port), "--data-dir", str(tmp_path / "center")],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, proc.stdout.read().decode(errors="replace")
            try:
                if httpx.get(base + "/api/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "the demo did not answer within 60 s"
            time.sleep(0.5)
        started = time.monotonic()
        c = httpx.Client(base_url=base, timeout=10)
        assert (
            c.post(
                "/api/auth/login", json={"username": "operator", "password": "gwanje-operator"}
            ).status_code
            == 200
        )
        cameras = c.get("/api/cameras").json()
        # the demo plays an H.264 copy of the clip (made once), as a real camera sends; the follow
        # mode's pair plays copies of the clip's two sides
        copies = {cam["id"]: Path(cam["url"]).name for cam in cameras}
        assert len(cameras) >= 3 and all(
            name == "vtest-h264.mp4" or re.fullmatch(r"vtest(-\d+){4}\.mp4", name) for name in copies.values()
        ), copies
        assert copies.get("cam-05") == "vtest-468-0-300-576.mp4"
        events = []
        while not events and time.monotonic() - started < 60:
            events = c.get("/api/events").json()
            time.sleep(1)
        assert events, "no event within the first minute"
        # ... and records its cameras: a closed segment within the first 10-s segment and a bit
        now = datetime.now(UTC)
        window = {
            "start": (now - timedelta(minutes=5)).isoformat(),
            "end": (now + timedelta(minutes=1)).isoformat(),
        }
        recorded = []
        while not recorded and time.monotonic() - started < 90:
            recorded = c.get(f"/api/recordings/{cameras[0]['id']}/timeline", params=window).json()["recorded"]
            time.sleep(1)
        assert recorded, "the demo recorded nothing"
        workers = [c for c in psutil.Process(proc.pid).children() if "spawn_main" in " ".join(c.cmdline())]
        assert len(workers) == 2  # the two camera workers (beside multiprocessing's resource tracker)
        children = psutil.Process(proc.pid).children(recursive=True)
    finally:
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=30)
    text = out.decode(errors="replace")
    assert proc.returncode == 0, text
    assert "http://127.0.0.1:" in text and "gwanje-operator" in text and "stopped" in text
    time.sleep(1)
    assert not [p for p in children if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
