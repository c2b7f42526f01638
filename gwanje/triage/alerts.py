"""Alarm management (ISA-18.2 / EEMUA 191) as pure rules: which alert a rule hit joins, when a
new one opens, and which hits bring an acknowledged alert back before a person.

    key      = (camera, rule type, zone or line); smoke counts as fire (FAMILY): smoke and then
               flames on one camera are one alert, which becomes a fire alert and, more severe,
               comes back before a person if it was acknowledged
    joins    = an open alert of the same key whose activity is still going on, or ended no longer
               than the type's quiet period before the hit
    re-raise = the joined alert is acknowledged and the hit is more severe than it, of a
               life-safety type (fire, fight, fall), or crowd danger
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gwanje.config import SEVERITY_RANK, AlertsConfig


@dataclass(frozen=True)
class OpenAlert:
    """What the rules need of an open alert."""

    status: str
    severity: str
    open_hits: int  # hits still going on
    last_at: float  # epoch seconds: the latest moment of activity


@dataclass(frozen=True)
class Hit:
    type: str
    severity: str
    started_at: float  # epoch seconds
    details: dict[str, Any]


FAMILY = {"smoke": "fire"}  # hits of a type join the open alert of the type it maps to


def key_of(camera_id: str, type_: str, zone: str | None) -> tuple[str, str, str | None]:
    return (camera_id, FAMILY.get(type_, type_), zone)


def family_types(type_: str) -> set[str]:
    """The types whose open alerts a hit of ``type_`` may join."""
    head = FAMILY.get(type_, type_)
    return {head} | {t for t, h in FAMILY.items() if h == head}


def alert_type_after(alert_type: str, hit_type: str) -> str:
    """An alert's type once the hit joined it: smoke becomes fire when flames are seen."""
    return hit_type if FAMILY.get(alert_type) == hit_type else alert_type


def joins(alert: OpenAlert, hit: Hit, cfg: AlertsConfig) -> bool:
    """The hit belongs to this alert: its activity goes on, or is quiet for less than the period."""
    return alert.open_hits > 0 or hit.started_at - alert.last_at <= cfg.quiet_for(hit.type)


def reraises(alert: OpenAlert, hit: Hit, cfg: AlertsConfig) -> str | None:
    """Why this hit brings the acknowledged alert back to new, or None."""
    if alert.status != "acknowledged":
        return None
    if SEVERITY_RANK.get(hit.severity, 0) > SEVERITY_RANK.get(alert.severity, 0):
        return f"severity {alert.severity} → {hit.severity}"
    if hit.type in cfg.life_safety_types:
        return f"new {hit.type}"
    if hit.type == "crowd" and hit.details.get("level") == "danger":
        return "crowd danger"
    return None
