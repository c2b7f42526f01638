"""The worker's messages to the center as bytes for a network transport (NATS): JSON, the
snapshot JPEG in base64; live frames travel as raw JPEG with their camera and time in headers.
The local transport passes the objects themselves (multiprocessing pickles them)."""

from __future__ import annotations

import base64
import json
from dataclasses import asdict
from datetime import datetime

from gwanje.domain import CameraState, CameraStatus, Event, EventType, Segment, Severity
from gwanje.workers.messages import EventOut, HealthOut, LiveFrame, SegmentOut

Message = EventOut | HealthOut | SegmentOut


def _time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def event_json(event: Event) -> dict:
    d = asdict(event)
    d["type"], d["severity"] = event.type.value, event.severity.value
    d["started_at"] = event.started_at.isoformat()
    d["observed_at"] = event.observed_at.isoformat() if event.observed_at else None
    d["snapshot_jpeg"] = base64.b64encode(event.snapshot_jpeg).decode() if event.snapshot_jpeg else None
    return d


def event_from(d: dict) -> Event:
    return Event(
        **{
            **d,
            "type": EventType(d["type"]),
            "severity": Severity(d["severity"]),
            "started_at": _time(d["started_at"]),
            "observed_at": _time(d.get("observed_at")),
            "track_ids": tuple(d["track_ids"]),
            "boxes": tuple(tuple(b) for b in d["boxes"]),
            "snapshot_jpeg": base64.b64decode(d["snapshot_jpeg"]) if d.get("snapshot_jpeg") else None,
        }
    )


def encode(msg: Message) -> bytes:
    if isinstance(msg, EventOut):
        body = {"kind": "event", "event": event_json(msg.event)}
    elif isinstance(msg, SegmentOut):
        seg = asdict(msg.segment)
        seg["start"], seg["end"] = msg.segment.start.isoformat(), msg.segment.end.isoformat()
        body = {"kind": "segment", "segment": seg}
    elif isinstance(msg, HealthOut):
        state = asdict(msg.state)
        state["status"] = msg.state.status.value
        state["last_frame_at"] = msg.state.last_frame_at.isoformat() if msg.state.last_frame_at else None
        body = {
            "kind": "health",
            "worker": msg.worker,
            "state": state,
            "detector_ms": msg.detector_ms,
            "methods": [list(m) for m in msg.methods],
            "recording": msg.recording,
        }
    else:
        raise TypeError(f"no wire form for {type(msg).__name__}")
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


def decode(data: bytes) -> Message:
    body = json.loads(data)
    kind = body.get("kind")
    if kind == "event":
        return EventOut(event_from(body["event"]))
    if kind == "segment":
        s = body["segment"]
        return SegmentOut(Segment(**{**s, "start": _time(s["start"]), "end": _time(s["end"])}))
    if kind == "health":
        st = body["state"]
        state = CameraState(
            **{**st, "status": CameraStatus(st["status"]), "last_frame_at": _time(st.get("last_frame_at"))}
        )
        methods = tuple(tuple(m) for m in body["methods"])
        return HealthOut(body["worker"], state, body["detector_ms"], methods, body["recording"])  # type: ignore[arg-type]
    raise ValueError(f"not a worker message: kind {kind!r}")


def camera_of(msg: Message | LiveFrame) -> str:
    """The camera a worker message speaks for."""
    if isinstance(msg, EventOut):
        return msg.event.camera_id
    if isinstance(msg, SegmentOut):
        return msg.segment.camera_id
    if isinstance(msg, HealthOut):
        return msg.state.camera_id
    return msg.camera_id


def message_id(msg: Message) -> str:
    """The stream's de-duplication id: the same fact resent is dropped by the broker."""
    if isinstance(msg, EventOut):
        return f"{msg.event.event_id}:{msg.event.phase}"
    if isinstance(msg, SegmentOut):
        return f"seg:{msg.segment.camera_id}:{msg.segment.path}"
    raise TypeError(f"{type(msg).__name__} is not persisted")
