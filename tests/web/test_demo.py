"""`make demo`'s command: the whole center on SQLite with the demo cameras, events within the
first minute, demo accounts, and a clean stop on Ctrl-C (no worker left behind)."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

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
        assert len(cameras) >= 3 and all(cam["url"].endswith("vtest.avi") for cam in cameras)
        events = []
        while not events and time.monotonic() - started < 60:
            events = c.get("/api/events").json()
            time.sleep(1)
        assert events, "no event within the first minute"
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
