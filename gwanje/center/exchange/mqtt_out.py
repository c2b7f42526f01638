"""Events, alert lifecycle and camera state published to an MQTT broker for other systems
(``exchange.mqtt`` in the site YAML; docs/exchange.md has the topics and the JSON Schema).

Topics, under ``<prefix>/<site>/``:

- ``cameras/<camera>/events/<type>``: an event's start and its end (QoS 1);
- ``cameras/<camera>/alerts/<type>``: an alert opened or changed: joined, acknowledged, dispatched,
  resolved (QoS 1);
- ``cameras/<camera>/state``: the camera's health when its status changes (QoS 1, **retained**, so a
  system that subscribes later learns it at once);
- ``center/state``: ``online``, or ``offline`` left with the broker as the connection's last will;
- ``onvif/<camera>/<ONVIF topic>`` (``onvif: true``): each event also ONVIF-style (QoS 1).

paho-mqtt runs the connection on its own thread, reconnects with a capped backoff and keeps what
was published while the broker was away (up to ``queue_limit`` messages); publishing never blocks
the center. A restart of the center loses what was queued and not yet sent.
"""

from __future__ import annotations

import json
import logging
import os
import re
from typing import Any

from gwanje.center.exchange.messages import alert_message, event_message, onvif_message, state_message
from gwanje.config import MqttConfig
from gwanje.domain import CameraState, Event

log = logging.getLogger(__name__)

_UNSAFE = re.compile(r"[^A-Za-z0-9_\-.]")


def level(value: str) -> str:
    """One topic level from an id: MQTT's wildcards and separators never leak into a topic."""
    return _UNSAFE.sub("_", value) or "_"


class MqttOut:
    def __init__(self, config: MqttConfig, site: str) -> None:
        import paho.mqtt.client as mqtt

        self.config, self.site = config, site
        self.base = f"{config.topic_prefix}/{level(site)}"
        self.published = 0
        self._status: dict[str, str] = {}  # camera → last status sent
        client = mqtt.Client(
            mqtt.CallbackAPIVersion.VERSION2,
            client_id=config.client_id or f"gwanje-{level(site)}",
            clean_session=True,
        )
        password = os.environ.get("GWANJE_MQTT_PASSWORD", config.password)
        if config.username:
            client.username_pw_set(config.username, password)
        if config.tls:
            client.tls_set()
        client.max_queued_messages_set(config.queue_limit)
        client.reconnect_delay_set(1, 30)
        client.will_set(f"{self.base}/center/state", "offline", qos=1, retain=True)
        client.on_connect = self._connected
        client.on_disconnect = self._disconnected
        self.client = client
        self.connected = False

    def start(self) -> None:
        self.client.connect_async(self.config.host, self.config.port, self.config.keepalive_s)
        self.client.loop_start()

    def stop(self) -> None:
        if self.connected:  # a clean goodbye (the will is only for a connection that dies)
            info = self._publish(f"{self.base}/center/state", "offline", retain=True)
            try:
                info.wait_for_publish(2)
            except (RuntimeError, ValueError) as exc:
                log.warning("MQTT: the center's offline notice was not sent: %s", exc)
        self.client.disconnect()
        self.client.loop_stop()

    def _connected(self, client, _userdata, _flags, reason, _properties) -> None:
        self.connected = not reason.is_failure
        if reason.is_failure:
            log.warning(
                "MQTT broker %s:%s refused the connection: %s", self.config.host, self.config.port, reason
            )
            return
        log.info("MQTT: connected to %s:%s", self.config.host, self.config.port)
        self._publish(f"{self.base}/center/state", "online", retain=True)

    def _disconnected(self, _client, _userdata, _flags, reason, _properties) -> None:
        self.connected = False
        if reason.is_failure:
            log.warning(
                "MQTT: lost the broker %s:%s (%s); reconnecting", self.config.host, self.config.port, reason
            )

    def _publish(self, topic: str, payload: dict[str, Any] | str, retain: bool = False):
        body = payload if isinstance(payload, str) else json.dumps(payload, ensure_ascii=False)
        info = self.client.publish(topic, body, qos=1, retain=retain)
        self.published += 1
        return info

    # -- what the center reports -------------------------------------------------------------
    def events(self, events: list[Event], alert_of: dict[str, str]) -> None:
        for e in events:
            topic = f"{self.base}/cameras/{level(e.camera_id)}/events/{level(e.type.value)}"
            self._publish(topic, event_message(self.site, e, alert_of.get(e.event_id)))
            if self.config.onvif:
                onvif = onvif_message(e)
                self._publish(f"{self.base}/onvif/{level(e.camera_id)}/{onvif['Topic']}", onvif)

    def alert(self, alert: dict[str, Any]) -> None:
        topic = f"{self.base}/cameras/{level(str(alert['camera_id']))}/alerts/{level(str(alert['type']))}"
        self._publish(topic, alert_message(self.site, alert))

    def camera_state(self, state: CameraState) -> None:
        """Sent when the camera's status changes, not on every health report."""
        if self._status.get(state.camera_id) == state.status.value:
            return
        self._status[state.camera_id] = state.status.value
        self._publish(
            f"{self.base}/cameras/{level(state.camera_id)}/state",
            state_message(self.site, state),
            retain=True,
        )
