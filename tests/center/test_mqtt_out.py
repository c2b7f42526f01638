"""Events, alert lifecycle and camera state published to the real Mosquitto broker on this machine
(127.0.0.1:1883), read back by a subscriber and checked against the documented JSON Schema."""

from __future__ import annotations

import json
import queue
import socket
import time
import uuid
from pathlib import Path

import jsonschema_rs
import paho.mqtt.client as mqtt
import pytest
from fastapi.testclient import TestClient
from support.events import make_event

from gwanje.center.exchange.mqtt_out import MqttOut
from gwanje.config import MqttConfig, SiteConfig
from gwanje.domain import CameraState, CameraStatus, EventType
from gwanje.store.db import open_database
from gwanje.store.users import Role, create_user
from gwanje.web.app import create_app

BROKER = ("127.0.0.1", 1883)
SCHEMA = json.loads((Path(__file__).resolve().parents[2] / "docs" / "exchange-schema.json").read_text())
VALIDATOR = jsonschema_rs.validator_for(SCHEMA)


class Listener:
    """A subscriber to everything under ``prefix``: (topic, payload, retained) as they come."""

    def __init__(self, prefix: str) -> None:
        self.got: queue.Queue[tuple[str, str, bool]] = queue.Queue()
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"t-{uuid.uuid4().hex[:8]}")
        self.client.on_message = lambda _c, _u, m: self.got.put((m.topic, m.payload.decode(), m.retain))
        self.client.connect(*BROKER)
        self.client.subscribe(f"{prefix}/#", qos=1)
        self.client.loop_start()
        time.sleep(0.3)  # the subscription is in place before anything is published

    def next(self, topic_end: str, timeout: float = 5.0) -> tuple[str, str, bool]:
        """The next message whose topic ends with ``topic_end`` (others before it are dropped)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                topic, payload, retained = self.got.get(timeout=max(0.01, deadline - time.monotonic()))
            except queue.Empty:
                break
            if topic.endswith(topic_end):
                return topic, payload, retained
        raise AssertionError(f"no message on …{topic_end} within {timeout} s")

    def close(self) -> None:
        self.client.loop_stop()
        self.client.disconnect()


def _valid(payload: str) -> dict:
    message = json.loads(payload)
    VALIDATOR.validate(message)  # raises with the reason when the document and the code disagree
    return message


def _forget_retained(prefix: str, topics: list[str]) -> None:
    c = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2)
    c.connect(*BROKER)
    c.loop_start()
    for t in topics:
        c.publish(f"{prefix}/{t}", b"", qos=1, retain=True).wait_for_publish(2)
    c.loop_stop()
    c.disconnect()


@pytest.fixture
def prefix():
    with socket.create_connection(BROKER, timeout=2):  # the broker this machine runs (CI's too)
        pass
    return f"gwanje-test-{uuid.uuid4().hex[:8]}"


def test_the_center_tells_the_broker_events_alert_lifecycle_and_camera_state(prefix, tmp_path):
    db_url = f"sqlite:///{tmp_path / 'g.db'}"
    db = open_database(db_url)
    with db.sessions.begin() as s:
        create_user(s, username="kim", password="correct horse battery", role=Role.OPERATOR)
    db.close()
    site = SiteConfig.model_validate(
        {
            "site": "osan",
            "cameras": [{"id": "cam-1", "name": "정문", "url": "/nonexistent.mp4"}],
            "server": {"data_dir": str(tmp_path / "data"), "allowed_hosts": ["testserver"]},
            "exchange": {"mqtt": {"enabled": True, "topic_prefix": prefix}},
        }
    )
    listener = Listener(prefix)
    base = f"{prefix}/osan"
    try:
        with TestClient(create_app(site, db_url=db_url, start_workers=False)) as client:
            # (a live subscriber sees the retain flag unset: MQTT sets it only on what a new
            # subscription is handed, checked below)
            assert listener.next("/center/state")[1] == "online"
            assert _valid(listener.next("/cameras/cam-1/state")[1])["status"] == "connecting"

            center = client.app.state.center
            fire = make_event("cam-1", EventType.FIRE)
            center.ingest([fire])
            topic, payload, retained = listener.next("/events/fire")
            event = _valid(payload)
            assert topic == f"{base}/cameras/cam-1/events/fire" and not retained
            assert (event["event_id"], event["phase"], event["alert_id"]) == (
                fire.event_id,
                "start",
                fire.event_id,
            )
            assert event["ended_at"] is None and event["boxes"] == [[10.0, 20.0, 50.0, 120.0]]
            topic, payload, _ = listener.next("/alerts/fire")
            alert = _valid(payload)
            assert topic == f"{base}/cameras/cam-1/alerts/fire" and (alert["id"], alert["status"]) == (
                fire.event_id,
                "new",
            )

            r = client.post("/api/auth/login", json={"username": "kim", "password": "correct horse battery"})
            client.headers["X-CSRF-Token"] = r.json()["csrf"]
            assert client.post(f"/api/alerts/{fire.event_id}/acknowledge", json={}).status_code == 200
            alert = _valid(listener.next("/alerts/fire")[1])
            assert (alert["status"], alert["acknowledged_by"]) == ("acknowledged", "kim")

            end = make_event("cam-1", EventType.FIRE, event_id=fire.event_id, phase="end", end_s=25.0)
            center.ingest([end])
            event = _valid(listener.next("/events/fire")[1])
            assert event["phase"] == "end" and event["ended_at"] == "2026-11-25T09:00:25+00:00"

            # a system that subscribes later learns the camera's and the center's state at once
            late = Listener(base)
            try:
                _, payload, retained = late.next("/cameras/cam-1/state")
                assert retained and _valid(payload)["status"] == "connecting"
            finally:
                late.close()
            late = Listener(f"{base}/center")
            try:
                assert late.next("/center/state")[1:] == ("online", True)
            finally:
                late.close()
        assert listener.next("/center/state")[1] == "offline"  # said on the way out
    finally:
        listener.close()
        _forget_retained(base, ["center/state", "cameras/cam-1/state"])


def test_state_is_sent_on_change_only_and_ids_never_become_wildcards(prefix):
    out = MqttOut(MqttConfig(enabled=True, topic_prefix=prefix), "site/#1")
    listener = Listener(prefix)
    out.start()
    try:
        listener.next("/center/state")
        odd = "gate/#+east"
        for status in (CameraStatus.ONLINE, CameraStatus.ONLINE, CameraStatus.RECONNECTING):
            out.camera_state(CameraState(odd, status, measured_fps=4.9))
        first = listener.next("/state")
        assert first[0] == f"{prefix}/site__1/cameras/gate___east/state"
        assert _valid(first[1])["camera_id"] == odd  # the payload keeps the real id
        assert _valid(listener.next("/state")[1])["status"] == "reconnecting"  # the repeat was not sent
        with pytest.raises(AssertionError):
            listener.next("/state", timeout=0.5)
    finally:
        out.stop()
        listener.close()
        _forget_retained(f"{prefix}/site__1", ["center/state", "cameras/gate___east/state"])


def test_a_broker_that_is_away_never_stops_the_center(prefix):
    with socket.socket() as s:  # a port where nothing listens
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    out = MqttOut(MqttConfig(enabled=True, port=port, topic_prefix=prefix), "osan")
    out.start()
    t0 = time.monotonic()
    out.events([make_event("cam-1", EventType.FALL)], {})
    out.camera_state(CameraState("cam-1", CameraStatus.ONLINE))
    out.stop()
    assert not out.connected and out.published == 2 and time.monotonic() - t0 < 3


def test_an_alarm_published_to_the_inbound_topic_becomes_an_event_on_the_wall(prefix, tmp_path):
    """A bell system publishes to the broker; the center stores the alarm, answers on the results
    topic, and the pole's camera comes onto the operator's wall; a bad key is answered 401."""
    from gwanje.store import api_keys

    db_url = f"sqlite:///{tmp_path / 'g.db'}"
    db = open_database(db_url)
    with db.sessions.begin() as s:
        create_user(s, username="kim", password="correct horse battery", role=Role.OPERATOR)
        _, key = api_keys.create(
            s, source="bell-osan", scopes=["alarms"], cameras=["cam-1"], created_by="test"
        )
    db.close()
    site = SiteConfig.model_validate(
        {
            "site": "osan",
            "cameras": [{"id": "cam-1", "name": "정문", "url": "/nonexistent.mp4"}],
            "server": {"data_dir": str(tmp_path / "data"), "allowed_hosts": ["testserver"]},
            "exchange": {"mqtt": {"enabled": True, "topic_prefix": prefix, "alarms_in": True}},
        }
    )
    base = f"{prefix}/osan"
    listener = Listener(f"{base}/ingest/results")
    try:
        with TestClient(create_app(site, db_url=db_url, start_workers=False)) as client:
            r = client.post("/api/auth/login", json={"username": "kim", "password": "correct horse battery"})
            client.headers["X-CSRF-Token"] = r.json()["csrf"]
            assert client.post("/api/duty/heartbeat").status_code == 200
            time.sleep(0.5)  # the center's subscription is in place
            sender = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2)
            sender.connect(*BROKER)
            sender.loop_start()
            alarm = {"camera_ids": ["cam-1"], "type": "emergency_bell", "reference": "B-7"}
            t0 = time.monotonic()
            sender.publish(
                f"{base}/ingest/alarms/bell-osan", json.dumps({"api_key": key, "alarm": alarm}), qos=1
            )
            reply = json.loads(listener.next("/ingest/results/bell-osan")[1])
            assert (reply["status"], reply["reference"], len(reply["event_ids"])) == (201, "B-7", 1)
            deadline = time.monotonic() + 2.0  # the triage loop runs every second
            tiles: list = []
            while time.monotonic() < deadline and not tiles:
                tiles = [t for t in client.get("/api/walls/me").json()["tiles"] if t]
                time.sleep(0.05)
            assert [t["camera_id"] for t in tiles] == ["cam-1"], (
                f"not on the wall {time.monotonic() - t0:.1f} s after"
            )
            sender.publish(
                f"{base}/ingest/alarms/bell-osan", json.dumps({"api_key": "gwk_wrong", "alarm": alarm}), qos=1
            )
            assert json.loads(listener.next("/ingest/results/bell-osan")[1])["status"] == 401
            sender.publish(f"{base}/ingest/alarms/bell-osan", b"{broken", qos=1)
            assert json.loads(listener.next("/ingest/results/bell-osan")[1])["status"] == 400
            # bell-osan's valid key on another source's topic: refused there, nothing stored
            other = {**alarm, "reference": "B-8"}
            sender.publish(
                f"{base}/ingest/alarms/bell-hwaseong", json.dumps({"api_key": key, "alarm": other}), qos=1
            )
            reply = json.loads(listener.next("/ingest/results/bell-hwaseong")[1])
            assert reply["status"] == 403 and "bell-osan" in reply["detail"], reply
            sender.loop_stop()
            sender.disconnect()
            assert client.app.state.center.inbound.refused == {"bad_key": 1, "malformed": 1, "scope": 1}
            events = client.app.state.center.db
            with events.sessions() as s:
                assert [r["reference"] for r in _references(s)] == ["B-7"]
    finally:
        listener.close()


def test_events_also_go_out_onvif_style_when_asked(prefix):
    out = MqttOut(MqttConfig(enabled=True, topic_prefix=prefix, onvif=True), "osan")
    listener = Listener(f"{prefix}/osan/onvif")
    out.start()
    try:
        intrusion = make_event("cam-1", EventType.INTRUSION)
        out.events([intrusion, make_event("cam-1", EventType.FALL)], {})
        topic, payload, _ = listener.next("/ObjectsInside")
        msg = json.loads(payload)
        assert topic == f"{prefix}/osan/onvif/cam-1/tns1:RuleEngine/FieldDetector/ObjectsInside"
        assert msg["Data"]["IsInside"] is True and msg["Data"]["EventId"] == intrusion.event_id
        assert msg["Source"] == {"VideoSourceConfigurationToken": "cam-1", "Rule": "lawn"}
        assert msg["UtcTime"].endswith("Z")
        assert listener.next("/tns1:RuleEngine/Gwanje/Fall")[0].endswith("cam-1/tns1:RuleEngine/Gwanje/Fall")
        end = make_event("cam-1", EventType.INTRUSION, event_id=intrusion.event_id, phase="end", end_s=20.0)
        out.events([end], {})
        assert json.loads(listener.next("/ObjectsInside")[1])["Data"]["IsInside"] is False
    finally:
        out.stop()
        listener.close()


def _references(session) -> list[dict]:  # noqa: ANN001 - a session
    from sqlalchemy import select

    from gwanje.store.models import EventRow

    return [r.details for r in session.scalars(select(EventRow))]
