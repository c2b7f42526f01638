"""Alarms from other systems over MQTT (``exchange.mqtt.alarms_in``; docs/exchange.md).

The center subscribes (QoS 1) to ``<prefix>/<site>/ingest/alarms/<source>``. A message is JSON:
``{"api_key": "gwk_...", "alarm": {...}}`` with the alarm exactly as ``POST /api/ingest/alarms``
takes it; MQTT 3.1.1 has no headers, so the key rides in the payload (use TLS where the broker is
not on the center's own network). It goes through the same checks as over HTTP (the key, its
scope, cameras and rate, the alarm's schema), and the answer is published to
``<prefix>/<site>/ingest/results/<source>``: ``{"reference", "status", "detail", "event_ids"}``
with the HTTP status the same alarm would have got.
"""

from __future__ import annotations

import json
import logging
import os
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from gwanje.center.exchange.inbound import AlarmIn, InboundError
from gwanje.center.exchange.mqtt_out import level
from gwanje.config import MqttConfig

if TYPE_CHECKING:
    from gwanje.center.exchange.inbound import Inbound

log = logging.getLogger(__name__)
MAX_PAYLOAD = 1_000_000


class MqttIn:
    def __init__(self, config: MqttConfig, site: str, inbound: Inbound) -> None:
        import paho.mqtt.client as mqtt

        self.config, self.inbound = config, inbound
        self.base = f"{config.topic_prefix}/{level(site)}/ingest"
        client = mqtt.Client(
            mqtt.CallbackAPIVersion.VERSION2,
            client_id=f"{config.client_id or 'gwanje-' + level(site)}-in",
            clean_session=False,  # QoS 1 messages sent while the center was away are kept for it
        )
        if config.username:
            client.username_pw_set(config.username, os.environ.get("GWANJE_MQTT_PASSWORD", config.password))
        if config.tls:
            client.tls_set()
        client.reconnect_delay_set(1, 30)
        client.on_connect = self._connected
        client.on_message = self._message
        self.client = client

    def start(self) -> None:
        self.client.connect_async(self.config.host, self.config.port, self.config.keepalive_s)
        self.client.loop_start()

    def stop(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()

    def _connected(self, client, _userdata, _flags, reason, _properties) -> None:
        if reason.is_failure:
            log.warning("MQTT (alarms in): the broker refused the connection: %s", reason)
            return
        client.subscribe(f"{self.base}/alarms/+", qos=1)

    def _message(self, _client, _userdata, message) -> None:
        source = message.topic.rsplit("/", 1)[-1]
        reply: dict[str, Any] = {"reference": None, "status": 201, "detail": "stored", "event_ids": []}
        try:
            reply |= self._handle(message.payload, reply, source)
        except InboundError as exc:
            reply |= {"status": exc.status, "detail": exc.reason}
        except Exception:
            log.exception("MQTT (alarms in): handling a message on %s failed", message.topic)
            reply |= {"status": 500, "detail": "the center could not store it; send it again"}
        self.client.publish(f"{self.base}/results/{source}", json.dumps(reply, ensure_ascii=False), qos=1)

    def _handle(self, payload: bytes, reply: dict[str, Any], topic_source: str) -> dict[str, Any]:
        if len(payload) > MAX_PAYLOAD:
            raise self.inbound.refuse_input(413, "the message is larger than 1 MB", "too_large")
        try:
            data = json.loads(payload)
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise self.inbound.refuse_input(400, "the message is not JSON", "malformed") from None
        if not isinstance(data, dict):
            raise self.inbound.refuse_input(
                400, 'the message must be {"api_key": ..., "alarm": {...}}', "malformed"
            )
        alarm_data = data.get("alarm")
        if isinstance(alarm_data, dict):
            reply["reference"] = alarm_data.get("reference")
        key = self.inbound.authenticate(
            data.get("api_key") if isinstance(data.get("api_key"), str) else None, "alarms"
        )
        if level(key.source) != topic_source:  # a key speaks for its own source's topic only
            raise self.inbound.refuse_key(
                key,
                403,
                f"this key is source {key.source}'s: publish on .../alarms/{level(key.source)}",
                "scope",
            )
        try:
            alarm = AlarmIn.model_validate(alarm_data)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"]) or "alarm"
            raise self.inbound.refuse_input(422, f"{where}: {first['msg']}", "invalid") from None
        out = self.inbound.alarm(key, alarm, via="mqtt")
        return {"event_ids": out["event_ids"], "detail": "duplicate" if out["duplicate"] else "stored"}
