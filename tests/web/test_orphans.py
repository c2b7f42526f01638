"""Camera workers do not outlive their center: after kill -9 of the server every worker process
is gone within 5 s (before, they logged "the center is gone" and hung for good, one blocked
writing into the dead pipe, holding about 1 GB between them)."""

from __future__ import annotations

import signal
import time

import psutil
import pytest
from web.conftest import vtest_camera

pytestmark = pytest.mark.slow


def _running(p: psutil.Process) -> bool:
    """Still running (an exited worker whose parent died stays a zombie until init reaps it)."""
    try:
        return p.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def test_workers_exit_within_5_s_of_a_killed_server(tmp_path, vtest_h264) -> None:
    from support.center_process import run_center

    cameras = [vtest_camera("cam-a", vtest_h264), vtest_camera("cam-b", vtest_h264)]
    with run_center(tmp_path / "center", cameras, workers=2) as center:
        kim = center.login("kim")
        deadline = time.monotonic() + 60
        while {c["health"]["status"] for c in kim.get("/api/cameras").json()} != {"online"}:
            assert time.monotonic() < deadline, "the cameras never came online"
            time.sleep(0.5)
        time.sleep(3)  # events, live frames and segments flowing into the queues
        server = psutil.Process(center.process.pid)
        workers = [p for p in server.children(recursive=True) if "multiprocessing" in " ".join(p.cmdline())]
        assert len(workers) >= 2, [p.cmdline() for p in server.children(recursive=True)]
        center.process.send_signal(signal.SIGKILL)
        center.process.wait(10)
        killed = time.monotonic()
        while time.monotonic() - killed < 5 and any(_running(p) for p in workers):
            time.sleep(0.1)
        waited = time.monotonic() - killed
        alive = [p for p in workers if _running(p)]
        for p in alive:
            p.kill()
        assert not alive, f"{len(alive)} worker(s) still running {waited:.1f} s after the server died"
