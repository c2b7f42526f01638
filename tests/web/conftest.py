"""A center app on a throw-away database (no camera workers), with one user per role."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from support.shared import SHARED

from gwanje.config import SiteConfig
from gwanje.store.db import open_database
from gwanje.store.users import Role, create_user
from gwanje.web.app import create_app

USERS = {
    "admin": (Role.ADMIN, None),
    "kim": (Role.OPERATOR, None),
    "park": (Role.SUPERVISOR, None),
    "police": (Role.AGENCY, "police"),
    "fire": (Role.AGENCY, "fire"),
}
PASSWORD = "correct horse battery"
CAMERA = {
    "id": "cam-1",
    "name": "정문",
    "url": "/nonexistent/cam-1.mp4",
    "zones": [{"name": "lawn", "polygon": [[0, 0], [100, 0], [100, 100]], "rules": ["intrusion"]}],
}


@dataclass
class Center:
    app: object
    url: str
    data_dir: Path

    def client(self, username: str | None = None) -> TestClient:
        c = TestClient(self.app)
        c.__enter__()
        if username is not None:
            r = c.post("/api/auth/login", json={"username": username, "password": PASSWORD})
            assert r.status_code == 200, r.text
            c.headers["X-CSRF-Token"] = r.json()["csrf"]
        return c


@pytest.fixture
def center(db_url: str, tmp_path: Path):
    db = open_database(db_url)
    with db.sessions.begin() as s:
        for name, (role, agency) in USERS.items():
            create_user(s, username=name, password=PASSWORD, role=role, agency=agency)
    db.close()
    site = SiteConfig.model_validate(
        {
            "cameras": [CAMERA],
            "server": {
                "data_dir": str(tmp_path / "data"),
                "max_body_bytes": 64_000,
                "allowed_hosts": ["testserver", "127.0.0.1", "localhost"],  # TestClient's host name
                # the tests' hits carry fixed dates: the upkeep each client starts must not
                # forget them as the calendar moves on (test_event_retention moves its clock)
                "keep_events_days": 3650,
            },
        }
    )
    app = create_app(site, db_url=db_url, start_workers=False)
    made: list[TestClient] = []
    c = Center(app, db_url, tmp_path / "data")
    original = c.client

    def client(username: str | None = None) -> TestClient:
        made.append(original(username))
        return made[-1]

    c.client = client  # type: ignore[method-assign]
    c.client()  # runs the app's lifespan: store opened, cameras seeded
    yield c
    for tc in made:
        tc.__exit__(None, None, None)


def vtest_camera(camera_id: str, vtest: Path, **extra) -> dict:
    """A demo-style camera on the real clip: looped, played at its own speed, a fast small
    detector input, and a lawn zone people walk onto within seconds (intrusion)."""
    return {
        "id": camera_id,
        "name": f"테스트 {camera_id}",
        "url": str(vtest),
        "loop": True,
        "analysis_fps": 3,
        "detector": {"input_width": 416, "input_height": 320},
        "location": {"lat": 37.15, "lon": 127.07},
        "zones": [
            {
                "name": "lawn",
                "polygon": [[0, 250], [330, 250], [520, 420], [768, 500], [768, 576], [0, 576]],
                "rules": ["intrusion"],
                "severity": "high",
            }
        ],
        **extra,
    }


PRESENCE_S = 10.0


@pytest.fixture(scope="session")
def live_center(tmp_path_factory, vtest_h264: Path):
    """One real center process (SQLite) with a camera on the real clip, shared by the end-to-end
    tests of the session."""
    from support.center_process import run_center

    folder = tmp_path_factory.mktemp("live-center")
    escalation = {"escalate_by_type": {"intrusion": 4.0}}  # so the escalation test need not wait minutes
    camera = vtest_camera("cam-a", vtest_h264, recording={"segment_s": 4})
    camera["location"] = {**camera["location"], "tags": ["riverside"]}
    kma = SHARED / "weather_kma"
    weather = {  # the demo's weather: a recorded real KMA reply, the site's places and KMA's 94
        "stations": [
            {"name": "오산", "lat": 37.1498, "lon": 127.0775},
            {"name": "수원", "lat": 37.2574, "lon": 126.983},
        ],
        "sample_file": str(kma / "ultrasrtncst_20230626_0900_nx55_ny127_raw.xml"),
        "stations_file": str(kma / "widget_94_stations.csv"),
    }
    # its events also go to the Mosquitto broker this machine runs (tests/web/test_live_center.py)
    prefix = f"gwanje-live-{uuid.uuid4().hex[:8]}"
    exchange = {"mqtt": {"enabled": True, "topic_prefix": prefix}}
    triage = {"presence_s": PRESENCE_S}  # so the closed-tab test need not wait out the default 30 s
    with run_center(
        folder,
        [camera],
        workers=1,
        site_extra={"weather": weather, "exchange": exchange, "triage": triage},
        **escalation,
    ) as running:
        running.mqtt_prefix = prefix  # type: ignore[attr-defined]
        yield running
