"""Cameras on `gwanje node`s over NATS JetStream (issue 19): the center (on PostgreSQL) starts no
local worker; the broker runs the users `gwanje cluster auth` writes, each node connecting as its
own user held to its own subjects; the assigner places two cameras (on the real clip) on three
nodes; their hits, recordings, health and live views reach the center; a node killed with SIGKILL
has its camera moved to another within 10 s, and every event it logged as published is stored; a
node paused with SIGSTOP is fenced, its camera moved, and after SIGCONT it does not resume it; a
clean stop gives the lease back at once."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from conftest import vtest_camera
from sqlalchemy import select
from support.center_process import GWANJE, run_center
from support.databases import postgres_database
from support.nats_broker import Broker

from gwanje.config.cluster import NatsConfig
from gwanje.store.db import open_database
from gwanje.store.models import EventRow
from gwanje.workers.nats_auth import write_auth

NODES = ("node-a", "node-b", "node-c")
CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "cluster"

pytestmark = pytest.mark.slow


def _until(check, timeout: float, what: str, step: float = 0.25):  # noqa: ANN001, ANN202
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        value = check()
        if value:
            return time.monotonic() - t0, value
        time.sleep(step)
    raise AssertionError(f"not within {timeout:g} s: {what}")


def _published(log: str) -> tuple[set[str], set[str]]:
    """(event ids, ended event ids) a node logged as taken by the stream."""
    ids = re.findall(r"published (\S+)$", log, flags=re.M)
    return {i[: -len(":start")] for i in ids if i.endswith(":start")}, {
        i[: -len(":end")] for i in ids if i.endswith(":end")
    }


def _admin_drains_and_restores_an_idle_node_in_the_console(base: str, idle: str, state) -> None:  # noqa: ANN001
    """The nodes page in headless Chromium: the three nodes listed; the admin drains the idle
    one with a reason and ends the drain, each taken by the assigner; no page error."""
    if not CHROMIUM.exists():
        pytest.fail("Debian's chromium is missing (make test installs it)")
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1500, "height": 800}, locale="ko-KR", bypass_csp=True)
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(f"{base}/#nodes")
        page.fill("input[name=username]", "admin")
        page.fill("input[name=password]", "correct horse battery")
        page.click("#login-form button[type=submit]")
        for n in NODES:
            page.wait_for_selector(f"#nodes-body tr[data-node='{n}']", timeout=15000)
        page.fill("#nodes-reason", "서버 점검")
        page.click(f"[data-drain='{idle}']")
        _until(lambda: idle in state()["assigner"]["drained"], 10, f"{idle} drained from the console")
        page.wait_for_function(
            f"document.querySelector(\"#nodes-body tr[data-node='{idle}']\").textContent.includes('비움')",
            timeout=10000,
        )
        page.screenshot(path=ARTIFACTS / "nodes-drained.png", full_page=True)
        page.click(f"[data-drain='{idle}']")
        _until(
            lambda: idle not in state()["assigner"]["drained"], 10, f"{idle}'s drain ended from the console"
        )
        browser.close()
    assert errors == [], errors


def test_nodes_run_the_cameras_and_a_dead_or_paused_nodes_camera_moves(
    tmp_path, vtest_h264, monkeypatch
) -> None:
    nats_cfg = NatsConfig(user="gwanje-center", node_user="{name}")
    write_auth(nats_cfg, "test", list(NODES), tmp_path / "auth", rounds=4)
    password = {
        u: (tmp_path / "auth" / f"{u}.password").read_text().strip() for u in ("gwanje-center", *NODES)
    }
    monkeypatch.setenv("GWANJE_NATS_PASSWORD", password["gwanje-center"])  # the center's
    broker = Broker(tmp_path / "nats", include=tmp_path / "auth" / "nats-auth.conf")
    broker.start()
    cluster = {
        "transport": "nats",
        "nats": {
            "servers": [broker.url],
            "stream": "GWANJE_TEST",
            "user": "gwanje-center",
            "node_user": "{name}",
        },
    }
    cameras = [
        vtest_camera("cam-1", vtest_h264, recording={"segment_s": 2}),
        vtest_camera("cam-2", vtest_h264, recording={"segment_s": 2}),
    ]
    nodes: dict[str, subprocess.Popen] = {}
    logs = {n: tmp_path / f"{n}.log" for n in NODES}
    try:
        with (
            postgres_database() as db_url,
            run_center(
                tmp_path / "center", cameras, db_url=db_url, site_extra={"cluster": cluster}
            ) as center,
        ):
            admin = center.login("admin")

            def start(name: str) -> None:
                if name == "node-c":  # the YAML-less form: the site and volume on the command line
                    where = ["--nats", broker.url, "--site", "test", "--user", name]
                    where += ["--recordings", str(tmp_path / "center" / "data" / "recordings")]
                else:
                    where = ["--config", str(tmp_path / "center" / "site.yaml")]
                with logs[name].open("ab") as out:
                    nodes[name] = subprocess.Popen(
                        [*GWANJE, "node", *where, "--name", name],
                        env={**os.environ, "GWANJE_NATS_PASSWORD": password[name]},
                        stdout=out,
                        stderr=subprocess.STDOUT,
                    )

            def log_of(name: str) -> str:
                return logs[name].read_text(encoding="utf-8", errors="replace")

            def state() -> dict:
                return admin.get("/api/cluster/nodes").json()

            def running() -> dict[str, set[str]]:
                """node → the cameras it reports online in its lease."""
                return {
                    n["name"]: {c["id"] for c in n["cameras"] if c["status"] == "online"}
                    for n in state()["nodes"]
                }

            def runs(cam: str) -> list[str]:
                return [n for n, cams in running().items() if cam in cams]

            for name in NODES:
                start(name)
            _until(lambda: runs("cam-1") and runs("cam-2"), 90, "both cameras running on nodes")
            first = state()
            assert first["transport"] == "nats" and first["assigner"]["leader"]
            placement = first["assigner"]["placement"]  # (spread or not: the nodes come one by one)
            _until(lambda: admin.get("/api/alerts?limit=5").json()["items"], 60, "a hit from a node stored")
            with admin.stream("GET", "/api/cameras/cam-1/live.mjpg", timeout=30) as r:
                assert b"Content-Type: image/jpeg" in next(r.iter_bytes())  # the live view, from its node
            health = {c["id"]: c["health"]["status"] for c in admin.get("/api/cameras").json()}
            assert health == {"cam-1": "online", "cam-2": "online"}

            _admin_drains_and_restores_an_idle_node_in_the_console(
                center.base, next(n for n in NODES if n not in placement.values()), state
            )

            # recordings: the node records into the volume, the index comes through the stream,
            # playback reads the path it names
            kim = center.login("kim")
            now = datetime.now(UTC)
            span = {
                "start": (now - timedelta(minutes=5)).isoformat(),
                "end": (now + timedelta(minutes=1)).isoformat(),
            }
            _, recorded = _until(
                lambda: kim.get("/api/recordings/cam-2/timeline", params=span).json()["recorded"],
                30,
                "cam-2's segments indexed",
            )
            clip = kim.get(
                "/api/recordings/cam-2/clip",
                params={
                    "start": recorded[0]["start"],
                    "end": recorded[-1]["end"],
                    "purpose": "분산 녹화 확인",
                },
            )
            assert clip.status_code == 200, clip.text
            played = kim.get(clip.json()["url"])
            assert played.status_code == 200 and played.headers["content-type"] == "video/mp4"

            # SIGKILL: the lease expires, the camera is placed on a live node and runs there; every
            # event the dead node logged as published is stored
            dead = placement["cam-1"]
            _until(lambda: _published(log_of(dead))[0], 30, f"{dead} publishing an event")
            nodes[dead].kill()
            nodes[dead].wait(10)
            started, ended = _published(log_of(dead))
            db = open_database(db_url)
            try:

                def stored() -> tuple[set[str], set[str]]:
                    with db.sessions() as s:
                        rows = s.execute(
                            select(EventRow.id, EventRow.ended_at).where(EventRow.id.in_(started | ended))
                        ).all()
                    return {r.id for r in rows}, {r.id for r in rows if r.ended_at is not None}

                _until(lambda: stored() == (started, ended), 20, "the dead node's published events stored")
            finally:
                db.close()
            print(f"SIGKILL: {len(started)} events and {len(ended)} ends the dead node published, all stored")
            placed_s, _ = _until(
                lambda: state()["assigner"]["placement"].get("cam-1") not in (None, dead),
                15,
                "cam-1 placed again",
            )
            running_s, where = _until(lambda: runs("cam-1"), 30, "cam-1 running on another node")
            print(
                f"SIGKILL: cam-1 placed on another node after {placed_s:.1f} s, running after {placed_s + running_s:.1f} s"
            )
            assert placed_s <= 10 and dead not in where

            # SIGSTOP: fenced (publishes nothing), moved; SIGCONT: it does not resume it
            paused = state()["assigner"]["placement"]["cam-2"]
            nodes[paused].send_signal(signal.SIGSTOP)
            moved_s, _ = _until(
                lambda: state()["assigner"]["placement"].get("cam-2") not in (None, paused),
                15,
                "cam-2 placed again",
            )
            _until(lambda: [n for n in runs("cam-2") if n != paused], 30, "cam-2 running on another node")
            nodes[paused].send_signal(signal.SIGCONT)
            _until(lambda: paused in running(), 15, "the paused node back with a lease")
            time.sleep(4)
            if paused not in running():  # say why: the node's own account
                raise AssertionError(
                    f"the paused node lost its lease after coming back:\n{log_of(paused)[-3000:]}"
                )
            assert running()[paused] == set() and runs("cam-2") != [paused], running()
            assert sorted(state()["assigner"]["placement"].values()).count(paused) == 0
            print(
                f"SIGSTOP: cam-2 placed on another node after {moved_s:.1f} s; the paused node came back empty"
            )

            # a clean stop gives the lease back at once
            for proc in nodes.values():
                if proc.poll() is None:
                    proc.send_signal(signal.SIGINT)
            for name, proc in nodes.items():
                if name == dead:
                    continue
                proc.wait(30)
                assert proc.returncode == 0 and "node stopped" in log_of(name), log_of(name)[-3000:]
            _until(lambda: not state()["nodes"], 4, "the stopped nodes' leases given back")
    finally:
        for proc in nodes.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGCONT)
                proc.kill()
        broker.kill()
