"""The center with its camera on a `gwanje node` over NATS JetStream (issue 19, first part): the
center starts no local worker; the node runs the camera on the real clip; its hits reach the
center's store and alert queue through the stream, its health and live view over plain subjects."""

from __future__ import annotations

import os
import signal
import subprocess
import time

import pytest
from conftest import vtest_camera
from support.center_process import GWANJE, run_center
from support.nats_broker import Broker

pytestmark = pytest.mark.slow


def test_a_node_runs_the_camera_and_the_center_takes_its_events_from_the_stream(tmp_path, vtest_h264) -> None:
    broker = Broker(tmp_path / "nats")
    broker.start()
    cluster = {"transport": "nats", "nats": {"servers": [broker.url], "stream": "GWANJE_TEST"}}
    camera = vtest_camera("cam-n", vtest_h264)
    node = None
    try:
        with run_center(tmp_path / "center", [camera], site_extra={"cluster": cluster}) as center:
            admin = center.login("admin")
            assert "worker" not in center.log.read_text()  # no local worker in this mode

            def start(name: str) -> subprocess.Popen:
                return subprocess.Popen(
                    [*GWANJE, "node", "--config", str(tmp_path / "center" / "site.yaml"), "--name", name],
                    env={**os.environ},
                    stdout=subprocess.PIPE,
                    stderr=subprocess.STDOUT,
                )

            def listed() -> dict:
                return {n["name"]: n for n in admin.get("/api/cluster/nodes").json()["nodes"]}

            node = start("node-1")
            deadline = time.monotonic() + 90
            status, alerts = None, []
            while time.monotonic() < deadline and not (status == "online" and alerts):
                status = admin.get("/api/cameras/cam-n").json()["health"]["status"]
                alerts = admin.get("/api/alerts?limit=5").json()["items"]
                time.sleep(1)
            assert status == "online", f"the node's health did not reach the center ({status})"
            assert alerts and alerts[0]["camera_id"] == "cam-n" and alerts[0]["type"] == "intrusion"
            with admin.stream("GET", "/api/cameras/cam-n/live.mjpg", timeout=30) as r:
                first = next(r.iter_bytes())
            assert b"Content-Type: image/jpeg" in first  # the live view, from the node
            # its lease: listed with its camera and what that costs
            deadline = time.monotonic() + 30
            while (one := listed()["node-1"])["cameras"][0]["ms_per_frame"] <= 0:  # measured once it ran
                assert time.monotonic() < deadline, one
                time.sleep(0.5)
            assert one["lease_age_s"] <= 6 and [c["id"] for c in one["cameras"]] == ["cam-n"]
            assert one["capacity"] == 1.0 and one["load_ms"] > 0
            # killed: it stops renewing, and is gone once its lease expires
            node.kill()
            node.wait(10)
            killed = time.monotonic()
            while "node-1" in listed():
                assert time.monotonic() - killed < 12, "a dead node's lease outlived 6 s (+ the 2-s read)"
                time.sleep(0.5)
            # a clean stop gives its lease back at once
            node = start("node-2")
            deadline = time.monotonic() + 60
            while "node-2" not in listed():
                assert time.monotonic() < deadline, "node-2 never took a lease"
                time.sleep(0.5)
            node.send_signal(signal.SIGINT)
            out = node.communicate(timeout=30)[0].decode(errors="replace")
            assert node.returncode == 0, out
            assert "node stopped (1 cameras)" in out
            stopped = time.monotonic()
            while "node-2" in listed():
                assert time.monotonic() - stopped < 4, "a stopped node's lease was not given back"
                time.sleep(0.25)
    finally:
        if node is not None and node.poll() is None:
            node.kill()
        broker.kill()
