"""Against a real RTSP server (GStreamer's, on loopback) serving vtest.avi as H.264."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import threading
import time
from itertools import islice
from pathlib import Path

import pytest

from gwanje.domain import CameraStatus
from gwanje.video.source import SourceError, VideoSource

SERVER = Path(__file__).resolve().parent.parent / "support" / "rtsp_server.py"
pytestmark = pytest.mark.rtsp


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def gst_available() -> bool:
    probe = subprocess.run(
        ["/usr/bin/python3", "-c", "import gi; gi.require_version('GstRtspServer', '1.0')"],
        capture_output=True,
    )
    return probe.returncode == 0


class RtspServer:
    def __init__(self, video: Path, port: int) -> None:
        self.video, self.port = video, port
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"rtsp://127.0.0.1:{self.port}/cam"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            ["/usr/bin/python3", str(SERVER), str(self.video), str(self.port)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        line = self.proc.stdout.readline()
        if line.strip() != "ready":
            raise RuntimeError(f"RTSP server did not start: {line} {self.proc.stderr.read()}")

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(5)


@pytest.fixture
def rtsp(vtest):
    if not gst_available():
        pytest.skip(
            "GStreamer RTSP server missing: python3-gi and gir1.2-gst-rtsp-server-1.0 (make test installs)"
        )
    server = RtspServer(vtest, free_port())
    server.start()
    yield server
    server.kill()


@pytest.mark.parametrize("transport", ["tcp", "udp"])
def test_reads_paced_frames(rtsp, transport):
    src = VideoSource("live", rtsp.url, analysis_fps=5, transport=transport, open_timeout_s=5)
    frames = list(islice(src.frames(), 10))
    src.stop()
    assert frames[0].image.shape == (576, 768, 3)
    gaps = [b.pts_s - a.pts_s for a, b in zip(frames, frames[1:], strict=False)]
    assert all(0.15 < g < 0.35 for g in gaps), gaps
    assert src.state.status == CameraStatus.ONLINE
    assert src.state.measured_fps > 0


@pytest.mark.parametrize("transport", ["tcp", "udp"])
def test_reconnects_after_server_killed_and_restarted(rtsp, transport):
    src = VideoSource(
        "live",
        rtsp.url,
        analysis_fps=5,
        transport=transport,
        open_timeout_s=2,
        reconnect_initial_s=0.2,
        reconnect_max_s=1.0,
    )
    frames: list = []
    errors: list[BaseException] = []
    statuses: set[CameraStatus] = set()

    def consume() -> None:
        try:
            for f in src.frames():
                frames.append(f)
        except BaseException as exc:  # the test fails below if anything escapes
            errors.append(exc)

    worker = threading.Thread(target=consume, daemon=True)
    worker.start()
    deadline = time.monotonic() + 20
    while len(frames) < 10 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(frames) >= 10, "no frames before the kill"
    rtsp.kill()
    deadline = time.monotonic() + 15
    while src.state.status != CameraStatus.RECONNECTING and time.monotonic() < deadline:
        time.sleep(0.05)
    statuses.add(src.state.status)
    assert src.state.status == CameraStatus.RECONNECTING
    time.sleep(1.5)  # a few failed attempts against a dead port
    before = len(frames)
    rtsp.start()
    deadline = time.monotonic() + 25
    while len(frames) < before + 10 and time.monotonic() < deadline:
        time.sleep(0.05)
    src.stop()
    worker.join(10)
    assert not errors, errors
    assert len(frames) >= before + 10, "no frames after the server came back"
    assert src.state.reconnects >= 1
    times = [f.pts_s for f in frames]
    assert times == sorted(times), "stream time must keep increasing across a reconnect"


def test_refused_url_fails_fast_with_clear_error():
    port = free_port()  # nothing listens there
    src = VideoSource("x", f"rtsp://127.0.0.1:{port}/cam", open_timeout_s=3, fail_on_first_open=True)
    t0 = time.monotonic()
    with pytest.raises(SourceError, match="cannot open|refused"):
        next(src.frames())
    assert time.monotonic() - t0 < 3


def test_silent_server_times_out_within_bound():
    """A port that accepts but never answers (a hung camera): the open is bounded by the timeout."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(5)
    port = listener.getsockname()[1]
    try:
        src = VideoSource("x", f"rtsp://127.0.0.1:{port}/cam", open_timeout_s=2, fail_on_first_open=True)
        t0 = time.monotonic()
        with pytest.raises(SourceError, match="timed out|cannot open"):
            next(src.frames())
        assert time.monotonic() - t0 < 8
    finally:
        listener.close()


def test_analyze_reports_signal_loss_while_the_stream_is_down(rtsp, tmp_path):
    """The CLI on a live stream: the server dies for a while; signal loss starts and ends as events."""
    import json
    import sys

    root = Path(__file__).resolve().parents[2]
    cfg = tmp_path / "site.yaml"
    text = (root / "configs" / "vtest.yaml").read_text()
    cfg.write_text(
        text.replace(
            "analysis_fps: 5",
            "analysis_fps: 5\n    open_timeout_s: 5\n"
            "    reconnect_initial_s: 0.2\n    reconnect_max_s: 1\n"
            "    tamper: {signal_lost_s: 1.0}",
        )
    )
    out = tmp_path / "out"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gwanje.cli",
            "--verbose",
            "analyze",
            rtsp.url,
            "-c",
            str(cfg),
            "-o",
            str(out),
            "--no-video",
            "--duration",
            "25",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        events = out / "events.jsonl"
        while time.monotonic() < deadline and not (events.exists() and events.stat().st_size > 0):
            time.sleep(0.2)  # the model has loaded and frames flow once events appear
        time.sleep(2)
        rtsp.kill()
        time.sleep(5)
        rtsp.start()
        _, stderr = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, stderr
    rows = [json.loads(line) for line in (out / "events.jsonl").read_text().splitlines()]
    lost = [
        (r["phase"], r["start_s"], r["end_s"])
        for r in rows
        if r["type"] == "tamper" and r["details"].get("kind") == "signal_lost"
    ]
    reconnects = [line for line in stderr.splitlines() if "reconnecting" in line]
    # every loss that starts also ends, and the outage we caused is one of them; a loaded machine
    # may add a brief loss before the kill (seen once in CI: 1.8 s, cause not found), reported too
    starts = [(s, e) for p, s, e in lost if p == "start"]
    ends = {s: e for p, s, e in lost if p == "end"}
    assert starts and all(s in ends for s, _ in starts), (lost, reconnects)
    outages = [ends[s] - s for s, _ in starts]
    assert max(outages) >= 3.0, (lost, reconnects)  # the server was down 5 s
    assert max(outages) <= 15.0, (lost, reconnects)
    assert sum(d >= 3.0 for d in outages) == 1, (lost, reconnects)
