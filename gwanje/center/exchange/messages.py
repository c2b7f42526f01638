"""The JSON other systems get about events, alerts and camera state, whatever carries it (MQTT,
webhooks): one shape, described by docs/exchange-schema.json."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from gwanje.domain import CameraState, Event

SCHEMA = "https://gwanje.example/schemas/exchange-v1.json"


def _iso(at: datetime | None) -> str | None:
    return at.astimezone(UTC).isoformat() if at is not None else None


def event_message(site: str, event: Event, alert_id: str | None) -> dict[str, Any]:
    d = event.to_json()  # the shape the API gives, of which other systems get the public part
    keep = ("event_id", "phase", "camera_id", "type", "severity", "zone", "started_at", "confidence")
    return {
        "schema": SCHEMA,
        "kind": "event",
        "site": site,
        **{k: d[k] for k in keep},
        "ended_at": _iso(event.ended_at) if event.phase == "end" else None,
        "observed_at": _iso(event.observed_at) if event.phase == "start" else None,
        "boxes": d["boxes"],
        "track_ids": d["track_ids"],
        "alert_id": alert_id,
    }


def alert_message(site: str, alert: dict[str, Any]) -> dict[str, Any]:
    keep = ("id", "camera_id", "type", "zone", "status", "severity", "first_at", "last_at", "ended_at")
    return {
        "schema": SCHEMA,
        "kind": "alert",
        "site": site,
        **{k: alert.get(k) for k in keep},
        "acknowledged_by": alert.get("acknowledged_by"),
    }


def state_message(site: str, state: CameraState, at: datetime | None = None) -> dict[str, Any]:
    return {
        "schema": SCHEMA,
        "kind": "camera_state",
        "site": site,
        "camera_id": state.camera_id,
        "status": state.status.value,
        "measured_fps": round(state.measured_fps, 2),
        "lag_s": round(state.lag_s, 2),
        "reconnects": state.reconnects,
        "last_frame_at": _iso(state.last_frame_at),
        "last_error": state.last_error,
        "at": (at or datetime.now(UTC)).isoformat(),
    }


# ONVIF-style event topics: the ONVIF rule-engine topics where one fits Gwanje's rule, else a
# Gwanje-specific topic under the rule engine (a receiver filters on the topic either way)
ONVIF_TOPIC = {
    "intrusion": ("tns1:RuleEngine/FieldDetector/ObjectsInside", "IsInside"),
    "line_crossing": ("tns1:RuleEngine/LineDetector/Crossed", "State"),
    "tamper": ("tns1:VideoSource/GlobalSceneChange/AnalyticsService", "State"),
}


def onvif_topic(event_type: str) -> tuple[str, str]:
    """(topic, name of its boolean data item) for an event type."""
    if event_type in ONVIF_TOPIC:
        return ONVIF_TOPIC[event_type]
    camel = "".join(part.capitalize() for part in event_type.split("_"))
    return f"tns1:RuleEngine/Gwanje/{camel}", "State"


def onvif_message(event: Event) -> dict[str, Any]:
    """An event as an ONVIF-style notification (the NotificationMessage's topic, time, source and
    data items, in JSON): ``true`` at its start, ``false`` at its end."""
    topic, item = onvif_topic(event.type.value)
    at = event.ended_at if event.phase == "end" else event.started_at
    return {
        "Topic": topic,
        "UtcTime": at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        "PropertyOperation": "Changed",
        "Source": {"VideoSourceConfigurationToken": event.camera_id, "Rule": event.zone or event.type.value},
        "Data": {
            item: event.phase == "start",
            "EventId": event.event_id,
            "Severity": event.severity.value,
            "Confidence": round(float(event.confidence), 3),
            "ObjectId": [int(t) for t in event.track_ids],
        },
    }
