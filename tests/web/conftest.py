"""A center app on a throw-away database (no camera workers), with one user per role."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

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
        {"cameras": [CAMERA], "server": {"data_dir": str(tmp_path / "data"), "max_body_bytes": 64_000}}
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
