"""`gwanje serve` as an administrator sees it start: a second one on a running center's data
folder refuses at once, in one line naming the running center, before it reads or changes
anything (the running center keeps its open events and the segment being written); the banner
counts the cameras the center has, and the log names a configured camera removed through the API
(both stores)."""

from __future__ import annotations

import os
import subprocess
import time

import pytest

pytestmark = pytest.mark.slow
CAM_X = {"id": "cam-x", "url": "/nonexistent/cam-x.mp4"}


def test_a_second_center_on_the_same_folder_refuses_and_touches_nothing(db_url: str, tmp_path) -> None:
    from support.center_process import GWANJE, PASSWORD, run_center

    with run_center(tmp_path / "center", [CAM_X], db_url=db_url, workers=1) as center:
        admin = center.login("admin")
        r = admin.post("/api/events", json={"id": "open-1", "camera_id": "cam-x", "type": "intrusion"})
        assert r.status_code == 201, r.text
        # the segment a worker is writing now (the running center's own reconciliation is behind it)
        part = center.data_dir / "recordings" / "cam-x" / "2026-12-08" / "cam-x-100000.mp4.part"
        part.parent.mkdir(parents=True, exist_ok=True)
        part.write_bytes(b"\0" * 4096)
        env = {**os.environ, "GWANJE_PASSWORD": PASSWORD}
        env.pop("GWANJE_DATABASE_URL", None)
        if db_url:
            env["GWANJE_DATABASE_URL"] = db_url
        started = time.monotonic()
        second = subprocess.run(
            [*GWANJE, "serve", "--config", str(center.data_dir.parent / "site.yaml")],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        took = time.monotonic() - started
        said = [line for line in (second.stdout + second.stderr).splitlines() if line.strip()]
        assert second.returncode == 2, said
        assert len(said) == 1 and "in use by a running center" in said[0], said
        assert f"pid {center.process.pid}" in said[0] and center.base.rsplit(":", 1)[1] in said[0]
        assert took < 15, took  # a process start, no server start
        # the running center lost nothing and still answers
        assert part.is_file() and part.stat().st_size == 4096
        event = admin.get("/api/events", params={"limit": 10}).json()
        assert [(e["id"], e["ended_at"]) for e in event] == [("open-1", None)]
        assert admin.get("/api/health").status_code == 200


def test_the_banner_counts_the_cameras_and_the_log_names_one_removed_through_the_api(
    db_url: str, tmp_path
) -> None:
    from support.center_process import run_center

    cameras = [CAM_X, {"id": "cam-y", "url": "/nonexistent/cam-y.mp4"}]
    with run_center(tmp_path / "c", cameras, db_url=db_url, workers=1) as center:
        assert center.login("admin").delete("/api/cameras/cam-y").status_code == 200
    with run_center(tmp_path / "c", cameras, db_url=db_url, workers=1) as center:
        pass
    said = center.log.read_text(encoding="utf-8", errors="replace")
    assert "(1 cameras;" in said, said
    assert "camera cam-y is in the site YAML but was removed through the API: not started" in said, said
