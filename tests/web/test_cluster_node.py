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
            node = subprocess.Popen(
                [*GWANJE, "node", "--config", str(tmp_path / "center" / "site.yaml"), "--name", "node-1"],
                env={**os.environ},
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
            )
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
            node.send_signal(signal.SIGINT)
            out = node.communicate(timeout=30)[0].decode(errors="replace")
            assert node.returncode == 0, out
            assert "node stopped (1 cameras)" in out
    finally:
        if node is not None and node.poll() is None:
            node.kill()
        broker.kill()
