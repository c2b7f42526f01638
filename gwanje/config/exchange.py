"""``exchange:`` in the site YAML: what Gwanje tells other systems (docs/exchange.md). Today: events,
alert lifecycle and camera state over MQTT; nothing is sent unless configured."""

from __future__ import annotations

from pydantic import Field

from gwanje.config.base import Strict


class MqttConfig(Strict):
    """A broker the center publishes to (QoS 1; camera state retained)."""

    enabled: bool = False
    host: str = Field("127.0.0.1", min_length=1)
    port: int = Field(1883, ge=1, le=65535)
    username: str | None = None
    password: str | None = Field(None, description="Better given as GWANJE_MQTT_PASSWORD in the environment")
    tls: bool = Field(False, description="TLS to the broker, verified against the system's CAs")
    topic_prefix: str = Field(
        "gwanje", min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_\-]+(/[A-Za-z0-9_\-]+)*$"
    )
    client_id: str | None = Field(None, max_length=64, description="Default: gwanje-<site>")
    keepalive_s: int = Field(30, ge=5, le=3600)
    queue_limit: int = Field(
        10000, ge=100, description="Messages kept while the broker is away; the oldest go first past this"
    )


class ExchangeConfig(Strict):
    mqtt: MqttConfig = MqttConfig()
