"""``cluster:`` in the site YAML: how camera workers and the center exchange messages. ``local``
(the default: worker processes on this machine over multiprocessing queues) or ``nats``
(NATS JetStream: events and segment notices in a persisted stream, health and live frames on
plain subjects; docs/cluster.md)."""

from __future__ import annotations

import os
from typing import Literal

from pydantic import Field

from gwanje.config.base import Strict


class NatsConfig(Strict):
    servers: tuple[str, ...] = Field(("nats://127.0.0.1:4222",), min_length=1)
    user: str | None = Field(None, description="The center's NATS user (None: no authentication)")
    node_user: str | None = Field(
        None,
        pattern=r"\{name\}",
        description="Each node's own NATS user, '{name}' standing for the node's name (e.g. 'node-{name}');"
        " None: nodes connect as `user`",
    )
    password_env: str = Field(
        "GWANJE_NATS_PASSWORD", description="The environment variable holding the password"
    )
    tls_ca: str | None = Field(None, description="A CA file to verify the servers' certificates (tls://)")
    stream: str = Field("GWANJE_EVENTS", pattern=r"^[A-Za-z0-9_\-]{1,64}$")
    replicas: int = Field(1, ge=1, le=5, description="Copies of the stream (3 in a three-server cluster)")
    max_age_h: float = Field(72.0, gt=0, description="Messages the center has not taken are kept this long")
    duplicate_window_s: float = Field(
        120.0, gt=0, description="A message id seen again within this is dropped by the stream (a resend)"
    )
    durable: str = Field("center", pattern=r"^[A-Za-z0-9_\-]{1,64}$", description="The center's consumer")
    ack_wait_s: float = Field(30.0, gt=0, description="Taken and not acknowledged this long: delivered again")
    batch: int = Field(100, ge=1, le=1000, description="Messages the center takes at once")

    def password(self) -> str | None:
        """The password of whoever runs here (the center, or this machine's node)."""
        return os.environ.get(self.password_env)

    def user_of(self, node: str | None) -> str | None:
        """The NATS user of node ``node`` (None: the center's)."""
        if node is not None and self.node_user:
            return self.node_user.replace("{name}", node)
        return self.user


class ClusterConfig(Strict):
    transport: Literal["local", "nats"] = "local"
    nats: NatsConfig = NatsConfig()
