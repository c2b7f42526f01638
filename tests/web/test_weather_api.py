"""The weather panel against a fake KMA on loopback that answers with KMA's real replies, then
refuses the key, then fails, then says nothing: the panel's states follow and every request to
the center is answered (``GET /api/weather`` is never a 5xx)."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient
from support.shared import SHARED

from gwanje.config import SiteConfig
from gwanje.store.db import open_database
from gwanje.store.users import Role, create_user
from gwanje.web.app import create_app

DATA = SHARED / "weather_kma"
NCST = DATA / "ultrasrtncst_20230626_0900_nx55_ny127_raw.xml"
FCST = DATA / "ultrasrtfcst_20250915_1730_nx60_ny123.json"
REFUSED = DATA / "error_gateway_service_key_not_registered.xml"


class FakeKma:
    """``mode``: ok (the real replies), refused (the gateway's key error), error (HTTP 500),
    silent (no answer before the client's timeout)."""

    def __init__(self) -> None:
        self.mode = "ok"
        self.asked: list[tuple[str, str, str, str]] = []  # operation, nx, ny, base_time
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                url = urlsplit(self.path)
                q = {k: v[0] for k, v in parse_qs(url.query).items()}
                operation = url.path.rsplit("/", 1)[-1]
                fake.asked.append((operation, q.get("nx"), q.get("ny"), q.get("base_time")))
                if fake.mode == "silent":
                    time.sleep(1.5)
                    return
                if fake.mode == "error":
                    self.send_response(500)
                    self.end_headers()
                    return
                body = (
                    REFUSED.read_bytes()
                    if fake.mode == "refused"
                    else NCST.read_bytes()
                    if operation == "getUltraSrtNcst"
                    else FCST.read_bytes()
                )
                self.send_response(200)
                self.send_header(
                    "Content-Type", "application/xml" if body.startswith(b"<") else "application/json"
                )
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:  # noqa: ANN002
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/VilageFcstInfoService_2.0"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()


@pytest.fixture
def kma():
    if not NCST.exists():
        pytest.skip(f"{DATA} missing")
    fake = FakeKma()
    yield fake
    fake.close()


def _app(tmp_path: Path, weather: dict) -> TestClient:
    url = f"sqlite:///{tmp_path / 'gwanje.db'}"
    db = open_database(url)
    with db.sessions.begin() as s:
        create_user(s, username="kim", password="correct horse battery", role=Role.OPERATOR)
    db.close()
    cams = [
        {
            "id": f"cam-{i}",
            "url": "/nonexistent.mp4",
            "location": {"lat": 37.1498 + i * 1e-4, "lon": 127.0775, "tags": tags},
        }
        for i, tags in enumerate([["underpass"], [], ["riverside"]])
    ]
    site = SiteConfig.model_validate(
        {
            "cameras": cams,
            "server": {"data_dir": str(tmp_path / "data"), "allowed_hosts": ["testserver"]},
            "weather": {
                "stations": [{"name": "오산", "lat": 37.1498, "lon": 127.0775}],
                "poll_s": 3600,
                **weather,
            },
        }
    )
    client = TestClient(create_app(site, db_url=url, start_workers=False))
    client.__enter__()
    r = client.post("/api/auth/login", json={"username": "kim", "password": "correct horse battery"})
    assert r.status_code == 200
    return client


def test_panel_follows_kma(kma: FakeKma, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("GWANJE_TEST_KMA_KEY", "test-key")
    client = _app(
        tmp_path, {"base_url": kma.url, "key_env": "GWANJE_TEST_KMA_KEY", "timeout_s": 0.5, "retries": 1}
    )
    service = client.app.state.weather
    # 10:45 KST: observation 10:00, forecast 10:30; a day the center's own first poll (at the real
    # time) cannot share its KMA hour with
    now = datetime(2025, 6, 1, 1, 45, tzinfo=UTC)
    try:
        deadline = time.monotonic() + 10
        while len(kma.asked) < 2 and time.monotonic() < deadline:  # the center's own first poll, at start
            time.sleep(0.05)
        assert client.get("/api/weather").json()["state"] == "live"
        kma.asked.clear()
        service.poll(now)
        w = client.get("/api/weather").json()
        assert w["state"] == "live" and w["credit"] == "기상청 제공"
        station = w["stations"][0]
        assert (station["name"], station["t1h"], station["reh"], station["rn1"]) == ("오산", 23.6, 89.0, 0.5)
        assert station["word"] in ("맑음", "구름많음", "흐림")  # the sky from the forecast reply
        # three cameras and the station share one cell: one observation and one forecast request
        assert sorted(a[0] for a in kma.asked) == ["getUltraSrtFcst", "getUltraSrtNcst"]
        assert ("getUltraSrtNcst", "62", "118", "1000") in kma.asked
        service.poll(now.replace(minute=59))  # the same KMA hour: nothing asked again
        assert len(kma.asked) == 2

        kma.mode = "refused"
        service.poll(now.replace(hour=2))
        w = client.get("/api/weather").json()
        assert w["state"] == "key_refused" and "SERVICE_KEY_IS_NOT_REGISTERED" in w["detail"]
        assert w["stations"][0]["t1h"] == 23.6  # what was known stays shown

        kma.mode = "error"
        later = now.replace(hour=3)
        service.poll(later)
        w = client.get("/api/weather").json()
        assert w["state"] == "unreachable" and w["unreachable_since"].startswith("2025-06-01T12:45")

        kma.mode = "silent"
        service.poll(now.replace(hour=4))
        r = client.get("/api/weather")
        assert r.status_code == 200 and r.json()["state"] == "unreachable"
        assert r.json()["unreachable_since"].startswith("2025-06-01T12:45")  # since the first failure

        kma.mode = "ok"
        service.poll(now.replace(hour=5))
        assert client.get("/api/weather").json()["state"] == "live"
    finally:
        client.__exit__(None, None, None)


def test_no_key_and_the_recorded_sample(tmp_path: Path, monkeypatch) -> None:
    if not NCST.exists():
        pytest.skip(f"{DATA} missing")
    monkeypatch.delenv("KMA_SERVICE_KEY", raising=False)
    client = _app(tmp_path / "a", {})
    try:
        w = client.get("/api/weather").json()
        assert w["state"] == "no_key" and w["stations"][0]["word"] is None
    finally:
        client.__exit__(None, None, None)
    client = _app(tmp_path / "b", {"sample_file": str(NCST)})
    try:
        w = client.get("/api/weather").json()
        assert w["state"] == "sample" and w["sample"]["observed_at"] == "2023-06-26T09:00:00+09:00"
        assert w["stations"][0]["t1h"] == 23.6 and w["raised"] == []  # 0.5 mm/h raises nothing
    finally:
        client.__exit__(None, None, None)


def test_heavy_rain_reaches_triage(tmp_path: Path, monkeypatch) -> None:
    """A recorded reply with heavy rain (the real 2023-06-26 reply, RN1 set to 23 mm: the saved
    replies hold no heavy-rain hour): the underpass and riverside cameras get a weather priority
    with the reason their tiles show; the untagged camera does not."""
    if not NCST.exists():
        pytest.skip(f"{DATA} missing")
    monkeypatch.delenv("KMA_SERVICE_KEY", raising=False)
    rain = tmp_path / "heavy-rain.xml"
    text = NCST.read_text(encoding="utf-8").replace(
        "<category>RN1</category><nx>55</nx><ny>127</ny><obsrValue>0.5<",
        "<category>RN1</category><nx>55</nx><ny>127</ny><obsrValue>23<",
    )
    rain.write_text(text, encoding="utf-8")
    client = _app(tmp_path / "c", {"sample_file": str(rain)})
    try:
        w = client.get("/api/weather").json()
        assert {r["camera_id"]: r["caption"] for r in w["raised"]} == {
            "cam-0": "강수 23mm/h · 지하차도",
            "cam-2": "강수 23mm/h · 하천변",
        }
        triage = client.app.state.triage
        deadline = time.monotonic() + 10
        while "cam-0" not in triage.priorities and time.monotonic() < deadline:
            time.sleep(0.2)
        reasons = {cam: (p.reason.kind, p.reason.detail) for cam, p in triage.priorities.items()}
        assert reasons == {
            "cam-0": ("weather", "강수 23mm/h · 지하차도"),
            "cam-2": ("weather", "강수 23mm/h · 하천변"),
        }
    finally:
        client.__exit__(None, None, None)
