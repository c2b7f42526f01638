"""What the alert services (triage, escalation) need of the running center, as a protocol: the
center (``gwanje.center.core.Center``) provides it, so this package never imports the center that
imports it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from gwanje.bus import Bus
from gwanje.center.alerts.presence import Presence
from gwanje.center.state import Health
from gwanje.config import ServerConfig, SiteConfig
from gwanje.store.db import Database


class AlertHost(Protocol):
    site: SiteConfig
    settings: ServerConfig
    db: Database
    bus: Bus
    presence: Presence
    health: dict[str, Health]
    # (alert summaries, ids of those opened, hits that went to alerts)
    on_alerts_changed: Callable[..., None]

    def counts_changed(self) -> None: ...
