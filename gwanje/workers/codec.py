"""The worker's messages to the center as bytes for a network transport (NATS): JSON, the
snapshot JPEG in base64; live frames travel as raw JPEG with their camera and time in headers.
The local transport passes the objects themselves (multiprocessing pickles them)."""

from __future__ import annotations

import base64
import json
from dataclasses import asdict
from datetime import datetime

from gwanje.domain import CameraState, CameraStatus, Event, EventType, Segment, Severity, TrackRecord
from gwanje.workers.messages import EventOut, HealthOut, LiveFrame, SegmentOut, TrackOut

Message = EventOut | HealthOut | SegmentOut | TrackOut
_RECORD_TIMES = ("started_at", "ended_at", "track_started_at", "crop_at")


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


def record_json(rec: TrackRecord) -> dict:
    d = asdict(rec)
    for key in _RECORD_TIMES:
        d[key] = d[key].isoformat() if d[key] is not None else None
    d["crop_jpeg"] = base64.b64encode(rec.crop_jpeg).decode() if rec.crop_jpeg else None
    return d


def record_from(d: dict) -> TrackRecord:
    def tuples(v):  # noqa: ANN001, ANN202
        return None if v is None else tuple(tuple(p) for p in v)

    return TrackRecord(
        **{
            **d,
            **{key: _time(d.get(key)) for key in _RECORD_TIMES},
            "frame_size": tuple(d["frame_size"]),
            "path": tuples(d["path"]),
            "ground_path": tuples(d.get("ground_path")),
            "box_size": tuple(d["box_size"]),
            "colour_hist": tuple(d["colour_hist"]),
            "appearance": tuple(d["appearance"]) if d.get("appearance") is not None else None,
            "crop_box": tuple(d["crop_box"]) if d.get("crop_box") is not None else None,
            "crop_jpeg": base64.b64decode(d["crop_jpeg"]) if d.get("crop_jpeg") else None,
        }
    )


def encode(msg: Message) -> bytes:
    if isinstance(msg, TrackOut):
        body = {"kind": "track", "record": record_json(msg.record)}
    elif isinstance(msg, EventOut):
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
    if kind == "track":
        return TrackOut(record_from(body["record"]))
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


def live_headers(frame: LiveFrame) -> dict[str, str]:
    """A live frame's camera, time and tracked boxes as NATS headers (the JPEG is the body)."""
    headers = {"camera": frame.camera_id, "pts": f"{frame.pts_s:.3f}"}
    if frame.tracks:
        headers["tracks"] = json.dumps([list(t) for t in frame.tracks], separators=(",", ":"))
    return headers


def live_from(headers: dict[str, str], jpeg: bytes) -> LiveFrame:
    tracks = tuple(
        (int(t[0]), str(t[1]), *(float(v) for v in t[2:6])) for t in json.loads(headers.get("tracks") or "[]")
    )
    return LiveFrame(headers["camera"], jpeg, float(headers.get("pts", 0)), tracks)  # type: ignore[arg-type]


def camera_of(msg: Message | LiveFrame) -> str:
    """The camera a worker message speaks for."""
    if isinstance(msg, EventOut):
        return msg.event.camera_id
    if isinstance(msg, SegmentOut):
        return msg.segment.camera_id
    if isinstance(msg, TrackOut):
        return msg.record.camera_id
    if isinstance(msg, HealthOut):
        return msg.state.camera_id
    return msg.camera_id


def message_id(msg: Message) -> str:
    """The stream's de-duplication id: the same fact resent is dropped by the broker."""
    if isinstance(msg, EventOut):
        return f"{msg.event.event_id}:{msg.event.phase}"
    if isinstance(msg, SegmentOut):
        return f"seg:{msg.segment.camera_id}:{msg.segment.path}"
    if isinstance(msg, TrackOut):
        return f"track:{msg.record.record_id}"
    raise TypeError(f"{type(msg).__name__} is not persisted")
