"""Alarms from other systems (another vendor's analytics, an IoT sensor, a CCTV pole's emergency
bell), however they arrive (HTTP ``POST /api/ingest/alarms``, an MQTT topic): the sender's API key
checked (known, not revoked or expired, its scope, its cameras, its rate), the alarm validated,
and each named camera given a Gwanje event that enters alerts and triage like any other, stored
with the audit record of who sent it in one transaction. Every refusal is counted by reason.

An alarm's event id is derived from (source, reference, camera): the same alarm sent twice is
stored once, and its end (``phase: end``) finds its start.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import threading
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

from gwanje.domain import Event, EventType, Severity
from gwanje.store import api_keys
from gwanje.store import cameras as camera_repo
from gwanje.store.db import Database

MAX_SNAPSHOT = 512 * 1024  # within the server's 1 MB body limit once in base64
# what the bell system carries: Gwanje does not carry the pole's audio (yet); the operator talks
# to the caller through the bell system's own console
BELL_CALL = {
    "status": "not_connected",
    "note": "양방향 통화는 비상벨 시스템 콘솔에서 연결 (Gwanje 미지원) / two-way call through the bell system's console",
}


class InboundError(Exception):
    """A refusal: the HTTP status that says it, and the reason in one line."""

    def __init__(self, status: int, reason: str, counter: str, retry_after: int | None = None) -> None:
        super().__init__(reason)
        self.status, self.reason, self.counter, self.retry_after = status, reason, counter, retry_after


class AlarmIn(BaseModel):
    """One alarm from another system."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    camera_ids: list[str] = Field(
        ...,
        min_length=1,
        max_length=16,
        description="The cameras that see the place (a pole's cameras for a bell)",
    )
    type: Literal[
        "emergency_bell",
        "external_alarm",
        "intrusion",
        "loitering",
        "fire",
        "fall",
        "fight",
        "crowd",
        "abandoned_object",
        "tamper",
    ]
    reference: str = Field(
        ...,
        min_length=1,
        max_length=100,
        pattern=r"^[\x21-\x7e]+$",
        description="The sender's own id of this alarm",
    )
    phase: Literal["start", "end"] = Field("start", description="end: the sender cleared the alarm")
    severity: Literal["low", "medium", "high", "critical"] | None = Field(
        None, description="Default: critical for an emergency bell, high otherwise"
    )
    occurred_at: AwareDatetime | None = Field(None, description="When it happened (default: on arrival)")
    label: str | None = Field(None, max_length=200, description="The sender's words, e.g. 수위 센서 3번 경보")
    zone: str | None = Field(None, max_length=100)
    snapshot_jpeg: str | None = Field(None, description="A JPEG, base64, at most 512 KiB")

    @field_validator("camera_ids")
    @classmethod
    def _ids(cls, v: list[str]) -> list[str]:
        for c in v:
            if not 1 <= len(c) <= 64:
                raise ValueError("a camera id has 1 to 64 characters")
        return list(dict.fromkeys(v))

    @field_validator("occurred_at")
    @classmethod
    def _plausible(cls, v: datetime | None) -> datetime | None:
        if v is not None and abs((v - datetime.now(UTC)).total_seconds()) > 86400:
            raise ValueError("occurred_at must be within a day of now")
        return v

    def snapshot(self) -> bytes | None:
        if self.snapshot_jpeg is None:
            return None
        if len(self.snapshot_jpeg) > MAX_SNAPSHOT * 4 // 3 + 4:
            raise InboundError(413, "snapshot_jpeg is larger than 512 KiB", "too_large")
        try:
            data = base64.b64decode(self.snapshot_jpeg, validate=True)
        except (binascii.Error, ValueError):
            raise InboundError(422, "snapshot_jpeg is not base64", "malformed") from None
        if not data.startswith(b"\xff\xd8\xff"):
            raise InboundError(422, "snapshot_jpeg is not a JPEG", "malformed")
        return data


class _Bucket:
    """A token bucket: ``per_min`` a minute, bursts up to a tenth of it (at least 5)."""

    def __init__(self, per_min: int) -> None:
        self.per_min, self.rate = per_min, per_min / 60.0
        self.size = max(5.0, per_min / 10.0)
        self.tokens, self.at = self.size, time.monotonic()

    def take(self) -> float:
        """0 when a token was taken; else the seconds until there is one."""
        now = time.monotonic()
        self.tokens = min(self.size, self.tokens + (now - self.at) * self.rate)
        self.at = now
        if self.tokens >= 1:
            self.tokens -= 1
            return 0.0
        return (1 - self.tokens) / self.rate


class Inbound:
    def __init__(self, db: Database, ingest: Callable[..., list[str]]) -> None:
        """``ingest``: the center's (events, audit_entry=) → stored hit ids."""
        self.db, self.ingest = db, ingest
        self.refused: Counter[str] = Counter()  # reason → count, since start
        self.accepted = 0
        self._buckets: dict[int, _Bucket] = {}
        self._lock = threading.Lock()

    def _refuse(
        self,
        status: int,
        reason: str,
        counter: str,
        key_id: int | None = None,
        retry_after: int | None = None,
    ) -> InboundError:
        with self._lock:
            self.refused[counter] += 1
        if key_id is not None:
            with self.db.sessions.begin() as s:
                api_keys.count(s, key_id, refused=1)
        return InboundError(status, reason, counter, retry_after)

    def refuse_input(self, status: int, reason: str, counter: str) -> InboundError:
        """A refusal before any key was looked at (malformed JSON, an oversized body)."""
        return self._refuse(status, reason, counter)

    def refuse_key(self, row: api_keys.ApiKeyRow, status: int, reason: str, counter: str) -> InboundError:
        """A refusal of what a valid key sent (counted against that key)."""
        return self._refuse(status, reason, counter, row.id)

    def authenticate(self, key: str | None, scope: str) -> api_keys.ApiKeyRow:
        if not key:
            raise self._refuse(401, "an API key is needed (Authorization: Bearer gwk_...)", "no_key")
        with self.db.sessions() as s:
            row = api_keys.find(s, key)
        why = api_keys.refusal(row, scope)
        if why is not None:
            raise self._refuse(*why, "bad_key" if why[0] == 401 else "scope", row.id if row else None)
        with self._lock:
            bucket = self._buckets.get(row.id)
            if bucket is None or bucket.per_min != row.rate_per_min:
                bucket = self._buckets[row.id] = _Bucket(row.rate_per_min)
            wait = bucket.take()
        if wait:
            why = f"more than {row.rate_per_min} a minute from {row.source}"
            raise self._refuse(429, why, "rate", row.id, retry_after=max(1, int(wait + 0.999)))
        return row

    def alarm(self, key: api_keys.ApiKeyRow, alarm: AlarmIn, via: str) -> dict:
        """Store the alarm's events (audited); returns their ids and whether they were new."""
        for cid in alarm.camera_ids:
            if not api_keys.allows_camera(key, cid):
                raise self._refuse(
                    403, f"this API key may not raise alarms on camera {cid!r}", "scope", key.id
                )
        with self.db.sessions() as s:
            known = camera_repo.existing(s, alarm.camera_ids)
        unknown = [c for c in alarm.camera_ids if c not in known]
        if unknown:
            raise self._refuse(404, f"no such camera: {', '.join(unknown)}", "unknown_camera", key.id)
        try:
            snapshot = alarm.snapshot()
        except InboundError as exc:
            raise self._refuse(exc.status, exc.reason, exc.counter, key.id) from None
        events = to_events(alarm, key.source, snapshot)
        ids = self.ingest(
            events,
            audit_entry={
                "username": f"key:{key.source}",
                "action": "alarm_in",
                "target": ",".join(alarm.camera_ids),
                "ip": via,
            },
        )
        with self.db.sessions.begin() as s:
            api_keys.count(s, key.id, used=1)
        with self._lock:
            self.accepted += 1
        return {
            "event_ids": [e.event_id for e in events],
            "stored": len(ids) if alarm.phase == "start" else len(events),
            "duplicate": alarm.phase == "start" and not ids,
        }


def event_id(source: str, reference: str, camera_id: str) -> str:
    return "x" + hashlib.sha256(f"{source}\0{reference}\0{camera_id}".encode()).hexdigest()[:23]


def to_events(alarm: AlarmIn, source: str, snapshot: bytes | None) -> list[Event]:
    # an end's event carries the end's time (start_s = end_s: its ended_at is that time)
    at = alarm.occurred_at.astimezone(UTC) if alarm.occurred_at else datetime.now(UTC)
    severity = alarm.severity or ("critical" if alarm.type == "emergency_bell" else "high")
    details: dict = {"source": source, "reference": alarm.reference}
    if alarm.label:
        details["label"] = alarm.label
    if alarm.type == "emergency_bell":
        details["call"] = dict(BELL_CALL)
    return [
        Event(
            event_id=event_id(source, alarm.reference, cid),
            phase=alarm.phase,
            camera_id=cid,
            type=EventType(alarm.type),
            severity=Severity(severity),
            start_s=0.0,
            end_s=0.0,
            started_at=at,
            track_ids=(),
            boxes=(),
            confidence=1.0,
            zone=alarm.zone,
            details=details,
            snapshot_jpeg=snapshot,
        )
        for cid in alarm.camera_ids
    ]
