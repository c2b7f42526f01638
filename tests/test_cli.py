"""The analyze command: a real run on vtest.avi, and one-line errors for bad input."""

import json
import socket
import subprocess
import sys
from pathlib import Path

import av
import pytest

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "configs" / "vtest.yaml"


def gwanje(*args, timeout=120):
    return subprocess.run(
        [sys.executable, "-m", "gwanje.cli", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
    )


def assert_clean_error(proc, *needles):
    assert proc.returncode == 2, proc
    assert "Traceback" not in proc.stderr and "Traceback" not in proc.stdout
    err = " ".join(proc.stderr.split())
    assert err.startswith("error: "), proc.stderr
    for n in needles:
        assert n in err, (n, proc.stderr)


@pytest.mark.slow
def test_analyze_writes_events_snapshots_and_video(vtest, tmp_path):
    proc = gwanje("analyze", vtest, "--config", CONFIG, "--out", tmp_path, "--duration", "12")
    assert proc.returncode == 0, proc.stderr
    assert "events.jsonl" in proc.stdout and "annotated.mp4" in proc.stdout
    rows = [json.loads(line) for line in (tmp_path / "events.jsonl").read_text().splitlines()]
    starts = [r for r in rows if r["phase"] == "start"]
    assert {"intrusion", "line_crossing", "loitering"} <= {r["type"] for r in starts}
    for r in starts:
        assert r["camera_id"] == "pets-walkway" and r["track_ids"] and len(r["boxes"]) == 1
        snap = tmp_path / r["snapshot"]
        assert snap.read_bytes()[:2] == b"\xff\xd8"
    with av.open(str(tmp_path / "annotated.mp4")) as c:
        s = c.streams.video[0]
        assert (s.width, s.height) == (768, 576)
        assert sum(1 for _ in c.decode(s)) >= 55  # 12 s at 5 fps


def test_missing_video(tmp_path):
    assert_clean_error(
        gwanje("analyze", tmp_path / "nope.mp4", "-c", CONFIG, "-o", tmp_path), "video file not found"
    )


def test_file_that_is_not_video(tmp_path):
    bad = tmp_path / "fake.mp4"
    bad.write_text("hello " * 1000)
    assert_clean_error(gwanje("analyze", bad, "-c", CONFIG, "-o", tmp_path / "o"), "not a readable video")


def test_refused_rtsp_url(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = gwanje("analyze", f"rtsp://127.0.0.1:{port}/cam", "-c", CONFIG, "-o", tmp_path, timeout=60)
    assert_clean_error(proc, f"rtsp://127.0.0.1:{port}/cam")


def test_silent_rtsp_server_is_bounded(tmp_path):
    cfg = tmp_path / "site.yaml"
    cfg.write_text(CONFIG.read_text().replace("analysis_fps: 5", "analysis_fps: 5\n    open_timeout_s: 2"))
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(5)
        port = listener.getsockname()[1]
        proc = gwanje("analyze", f"rtsp://127.0.0.1:{port}/cam", "-c", cfg, "-o", tmp_path / "o", timeout=30)
    assert_clean_error(proc, "timed out after 2 s")


@pytest.mark.parametrize(
    ("edit", "needles"),
    [
        (("analysis_fps: 5", "analysis_fps: 5\n    brightness: 3"), ["cameras.0.brightness", "unknown key"]),
        (
            ("[[250, 190], [620, 190], [620, 330], [250, 330]]", "[[250, 190], [620, 190]]"),
            ["cameras.0.zones.1.polygon", "at least 3 points"],
        ),
        (("loiter_seconds: 10", "loiter_seconds: soon"), ["cameras.0.zones.1.loiter_seconds"]),
    ],
)
def test_bad_config(tmp_path, vtest, edit, needles):
    cfg = tmp_path / "site.yaml"
    cfg.write_text(CONFIG.read_text().replace(*edit))
    assert_clean_error(gwanje("analyze", vtest, "-c", cfg, "-o", tmp_path / "o"), str(cfg), *needles)


def test_missing_config(tmp_path, vtest):
    assert_clean_error(
        gwanje("analyze", vtest, "-c", tmp_path / "none.yaml", "-o", tmp_path), "config file not found"
    )


def test_calibrate_prints_yaml_and_area():
    proc = gwanje(
        "calibrate",
        "--image-points",
        "0,0;100,0;100,100;0,100",
        "--ground-points",
        "0,0;10,0;10,10;0,10",
        "--zone",
        "0,0;50,0;50,50;0,50",
    )
    assert proc.returncode == 0, proc.stderr
    assert "image_points: [[0.0, 0.0]" in proc.stdout and "zone ground area: 25.0 m²" in proc.stdout


def test_calibrate_refuses_bad_points():
    assert_clean_error(
        gwanje("calibrate", "--image-points", "0,0;1,1;2,2;3,3", "--ground-points", "0,0;1,0;1,1;0,1"),
        "degenerate",
    )


def test_demo_without_its_clip_says_what_is_missing(tmp_path) -> None:
    from typer.testing import CliRunner

    from gwanje.cli.main import app

    config = tmp_path / "demo.yaml"
    config.write_text("cameras:\n  - id: cam-1\n    url: /nonexistent/vtest.avi\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["demo", "--config", str(config), "--data-dir", str(tmp_path / "d")])
    assert result.exit_code == 2
    assert "/nonexistent/vtest.avi" in result.output and "opencv-doc" in result.output


def test_api_keys_are_made_listed_and_revoked_from_the_cli(tmp_path) -> None:
    from typer.testing import CliRunner

    from gwanje.cli.main import app
    from gwanje.store import api_keys
    from gwanje.store.db import open_database

    d = ["--data-dir", str(tmp_path / "d")]
    run = CliRunner()
    made = run.invoke(app, ["key", "add", "bell-osan", "--scope", "alarms", "--camera", "pole-7", *d])
    assert made.exit_code == 0, made.output
    key = made.stdout.strip().splitlines()[0]
    db = open_database(f"sqlite:///{tmp_path / 'd' / 'gwanje.db'}")
    with db.sessions() as s:
        row = api_keys.find(s, key)
        assert row is not None and row.cameras == ["pole-7"] and api_keys.refusal(row, "alarms") is None
    for bad in (
        ["key", "add", "x", "--scope", "nope", *d],
        ["key", "add", "Bad Name", "--scope", "alarms", *d],
        ["key", "revoke", "9", *d],
    ):
        result = run.invoke(app, bad)
        assert result.exit_code == 2 and "error:" in result.output, bad
    assert run.invoke(app, ["key", "revoke", str(row.id), *d]).exit_code == 0
    with db.sessions() as s:
        assert api_keys.refusal(api_keys.find(s, key), "alarms") == (401, "this API key was revoked")
    listed = run.invoke(app, ["key", "list", *d], env={"COLUMNS": "200"}).stdout
    assert "bell-osan" in listed and "revoked" in listed
    db.close()


def test_node_says_what_it_lacks_in_one_line(tmp_path) -> None:
    assert_clean_error(gwanje("node"), "--nats")
    local = tmp_path / "site.yaml"
    local.write_text("site: osan\ncameras: [{id: cam-1, url: /x.mp4}]\n", encoding="utf-8")
    assert_clean_error(gwanje("node", "--config", local), "cluster.transport is not nats")
    assert_clean_error(
        gwanje("node", "--config", local, "--nats", "nats://127.0.0.1:1", "--camera", "cam-9"),
        "no such camera",
        "cam-9",
    )


def test_fit_reid_refuses_what_is_not_labelled_crops_in_one_line(tmp_path) -> None:
    from typer.testing import CliRunner

    from gwanje.cli.main import app

    out = tmp_path / "metric.npz"
    result = CliRunner().invoke(
        app, ["models", "fit-reid", "--data", str(tmp_path / "none"), "--out", str(out)]
    )
    assert result.exit_code == 2 and "not a folder" in result.output and not out.exists()
    (tmp_path / "empty").mkdir()
    result = CliRunner().invoke(
        app, ["models", "fit-reid", "--data", str(tmp_path / "empty"), "--out", str(out)]
    )
    assert result.exit_code == 2 and "no labelled crops" in result.output


def test_a_demo_crop_that_does_not_fit_the_picture_is_one_line(vtest, tmp_path) -> None:
    from typer.testing import CliRunner

    from gwanje.cli.main import app

    config = tmp_path / "demo.yaml"
    config.write_text(f"cameras:\n  - {{id: c, url: '{vtest}#crop=700,0,300,576'}}\n")
    result = CliRunner().invoke(app, ["demo", "--config", str(config), "--data-dir", str(tmp_path / "d")])
    assert result.exit_code == 2 and "does not fit" in result.output
