"""``exchange:`` in the site YAML: what Gwanje tells other systems and what it takes from them
(docs/exchange.md): events, alert lifecycle and camera state over MQTT and as signed webhooks;
alarms from other systems over MQTT. Nothing is sent or subscribed unless configured."""

from __future__ import annotations

import os
from typing import Literal

from pydantic import Field, HttpUrl, model_validator

from gwanje.config.base import Strict

Kind = Literal["event", "alert", "camera_state"]
_NAME = r"^[a-z0-9][a-z0-9_\-]{0,63}$"
_TOPIC = r"^[A-Za-z0-9_\-]+(/[A-Za-z0-9_\-]+)*$"


class MqttConfig(Strict):
    """A broker the center publishes to (QoS 1; camera state retained) and, when ``alarms_in``,
    takes alarms from (docs/exchange.md)."""

    enabled: bool = False
    host: str = Field("127.0.0.1", min_length=1)
    port: int = Field(1883, ge=1, le=65535)
    username: str | None = None
    password: str | None = Field(None, description="Better given as GWANJE_MQTT_PASSWORD in the environment")
    tls: bool = Field(False, description="TLS to the broker, verified against the system's CAs")
    topic_prefix: str = Field("gwanje", min_length=1, max_length=64, pattern=_TOPIC)
    client_id: str | None = Field(None, max_length=64, description="Default: gwanje-<site>")
    keepalive_s: int = Field(30, ge=5, le=3600)
    queue_limit: int = Field(
        10000, ge=100, description="Messages kept while the broker is away; the oldest go first past this"
    )
    onvif: bool = Field(
        False,
        description="Also publish each event ONVIF-style (rule-engine topics, NotificationMessage layout in "
        "JSON) under <prefix>/<site>/onvif/<camera>/<topic>",
    )
    alarms_in: bool = Field(
        False,
        description="Subscribe to <prefix>/<site>/ingest/alarms/<source>: alarms from other systems, each "
        "carrying the source's API key",
    )


class WebhookConfig(Strict):
    """One receiver of signed CloudEvents over HTTP(S), fed from the store's outbox."""

    name: str = Field(pattern=_NAME, description="Names the receiver in the outbox and the console")
    url: HttpUrl
    secret: str | None = Field(None, min_length=16, description="HMAC-SHA256 key; better given by secret_env")
    secret_env: str | None = Field(
        None, pattern=r"^[A-Z_][A-Z0-9_]*$", description="Environment variable holding the secret"
    )
    kinds: tuple[Kind, ...] = ("event", "alert", "camera_state")
    cameras: tuple[str, ...] = Field((), description="Only these cameras (empty: all)")
    timeout_s: float = Field(5.0, gt=0, le=60)
    concurrency: int = Field(4, ge=1, le=32, description="Deliveries in flight at once")
    max_attempts: int = Field(12, ge=1, le=100, description="Then the delivery is a dead letter")
    backoff_s: float = Field(1.0, gt=0, le=60, description="First retry after this; doubling")
    backoff_cap_s: float = Field(300.0, gt=0, le=86400)

    @model_validator(mode="after")
    def _one_secret(self) -> WebhookConfig:
        if (self.secret is None) == (self.secret_env is None):
            raise ValueError(f"webhook {self.name!r}: give exactly one of secret and secret_env")
        return self

    def signing_key(self) -> bytes:
        """The secret, read from the environment when ``secret_env`` names it (checked at start)."""
        if self.secret_env is None:
            return (self.secret or "").encode()
        value = os.environ.get(self.secret_env, "")
        if len(value) < 16:
            raise ValueError(
                f"webhook {self.name!r}: the environment variable {self.secret_env} must hold a secret "
                "of at least 16 characters"
            )
        return value.encode()

    def wants(self, kind: str, camera_id: str) -> bool:
        return kind in self.kinds and (not self.cameras or camera_id in self.cameras)


IncidentKind = Literal[
    "police_video", "police_dispatch", "fire_dispatch", "disaster", "vulnerable_person", "report"
]
RADIUS_M = {
    "police_video": 300.0,  # 112 긴급영상 지원: the situation room sees the cameras around the call
    "police_dispatch": 300.0,  # 112 긴급출동 지원
    "fire_dispatch": 300.0,  # 119 긴급출동 지원
    "disaster": 1000.0,  # 재난 긴급대응 지원
    "vulnerable_person": 200.0,  # 사회적 약자 지원: around the locator, following it
    "report": 300.0,  # a report taken in the center (the wall's 신고 접수)
}


class IncidentsConfig(Strict):
    """Incidents from the emergency services' systems (the smart-city linkage services) and the
    center's own reports: the cameras within the radius rise in triage while the incident is open."""

    radius_m: dict[IncidentKind, float] = Field(
        default_factory=lambda: dict(RADIUS_M), description="Default radius per kind"
    )
    edge_share: float = Field(
        0.5,
        ge=0,
        le=1,
        description="A camera at the radius's edge still gets this share of the incident's weight (so every "
        "camera within it clears the wall's threshold)",
    )

    def radius_for(self, kind: str) -> float:
        return self.radius_m.get(kind, RADIUS_M.get(kind, 300.0))  # type: ignore[call-overload]


class ExchangeConfig(Strict):
    mqtt: MqttConfig = MqttConfig()
    incidents: IncidentsConfig = IncidentsConfig()
    webhooks: tuple[WebhookConfig, ...] = ()
    keep_delivered_h: float = Field(
        24.0, gt=0, description="Delivered webhook messages are forgotten after this"
    )

    @model_validator(mode="after")
    def _unique_names(self) -> ExchangeConfig:
        names = [w.name for w in self.webhooks]
        if len(names) != len(set(names)):
            raise ValueError(f"webhook names must be unique: {names}")
        return self
