"""Tables of the center's store (SQLAlchemy 2 declarative, typed).

Times are timezone-aware UTC; SQLite hands them back naive, so read them through ``utc()``.
Changing a table here needs a new Alembic revision in ``migrations/versions`` (a test compares
the migrated schema with these models).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, DateTime, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def now_utc() -> datetime:
    return datetime.now(UTC)


def utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def iso(value: datetime | None) -> str | None:
    """A stored time as UTC ISO text (None stays None)."""
    return utc(value).isoformat() if value is not None else None  # type: ignore[union-attr]


class Base(DeclarativeBase):
    type_annotation_map = {datetime: DateTime(timezone=True), dict[str, Any]: JSON, list[Any]: JSON}


class CameraRow(Base):
    __tablename__ = "cameras"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    config: Mapped[dict[str, Any]] = mapped_column(JSON)  # CameraConfig as JSON
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=now_utc)
    updated_at: Mapped[datetime] = mapped_column(default=now_utc)
    zones: Mapped[list[ZoneRow]] = relationship(
        back_populates="camera", cascade="all, delete-orphan", order_by="ZoneRow.id"
    )


class ZoneRow(Base):
    __tablename__ = "zones"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    camera_id: Mapped[str] = mapped_column(ForeignKey("cameras.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    polygon: Mapped[list[Any]] = mapped_column(JSON)
    rules: Mapped[list[Any]] = mapped_column(JSON)
    camera: Mapped[CameraRow] = relationship(back_populates="zones")


class EventRow(Base):
    """One rule hit as the camera reported it (start, then its end): stored, never lost. What a
    person handles is the alert it belongs to (``alert_id``); a hit of a shelved rule, or below
    the alerting severity, belongs to none."""

    __tablename__ = "events"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    camera_id: Mapped[str] = mapped_column(String(64), index=True)  # kept when the camera goes
    type: Mapped[str] = mapped_column(String(40), index=True)
    severity: Mapped[str] = mapped_column(String(16))
    zone: Mapped[str | None] = mapped_column(String(100))
    started_at: Mapped[datetime] = mapped_column(index=True)
    ended_at: Mapped[datetime | None]
    start_s: Mapped[float] = mapped_column(Float, default=0.0)
    end_s: Mapped[float] = mapped_column(Float, default=0.0)
    confidence: Mapped[float] = mapped_column(Float, default=1.0)
    track_ids: Mapped[list[Any]] = mapped_column(JSON, default=list)
    boxes: Mapped[list[Any]] = mapped_column(JSON, default=list)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    snapshot_path: Mapped[str | None] = mapped_column(String(300))
    received_at: Mapped[datetime] = mapped_column(default=now_utc)
    alert_id: Mapped[str | None] = mapped_column(String(40), index=True)
    shelf_id: Mapped[int | None] = mapped_column(Integer)  # the shelf that silenced it


class AlertRow(Base):
    """What a person handles: the hits of one rule on one camera and zone (or line) while the
    activity goes on, and where it stands in its lifecycle (the actions table keeps its history)."""

    __tablename__ = "alerts"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    camera_id: Mapped[str] = mapped_column(String(64), index=True)
    type: Mapped[str] = mapped_column(String(40), index=True)
    zone: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(20), index=True, default="new")
    severity: Mapped[str] = mapped_column(String(16))  # the highest of its hits
    confidence: Mapped[float] = mapped_column(Float, default=1.0)  # the highest of its hits
    first_at: Mapped[datetime] = mapped_column(index=True)  # the first hit's start
    last_hit_at: Mapped[datetime]  # the latest hit's start
    last_at: Mapped[datetime]  # the latest moment of activity (a hit's start or end)
    ended_at: Mapped[datetime | None]  # when the activity stopped (no hit still going on)
    open_hits: Mapped[int] = mapped_column(Integer, default=0)
    hit_count: Mapped[int] = mapped_column(Integer, default=0)
    track_ids: Mapped[list[Any]] = mapped_column(JSON, default=list)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # the latest hit's
    best_event_id: Mapped[str | None] = mapped_column(String(40))  # most confident hit with a snapshot
    latest_event_id: Mapped[str | None] = mapped_column(String(40))  # latest hit with a snapshot
    received_at: Mapped[datetime] = mapped_column(default=now_utc)  # when it opened
    raised_at: Mapped[datetime] = mapped_column(default=now_utc, index=True)  # opened or re-raised
    raise_count: Mapped[int] = mapped_column(Integer, default=0)
    acknowledged_by: Mapped[str | None] = mapped_column(String(64))
    acknowledged_at: Mapped[datetime | None]
    dispatched_to: Mapped[str | None] = mapped_column(String(40), index=True)
    dispatch_note: Mapped[str | None] = mapped_column(Text)
    dispatched_by: Mapped[str | None] = mapped_column(String(64))
    dispatched_at: Mapped[datetime | None]
    closed_by: Mapped[str | None] = mapped_column(String(64))
    closed_at: Mapped[datetime | None]
    closing_note: Mapped[str | None] = mapped_column(Text)
    escalated_at: Mapped[datetime | None]
    actions: Mapped[list[AlertActionRow]] = relationship(
        back_populates="alert", cascade="all, delete-orphan", order_by="AlertActionRow.id"
    )
    sop_steps: Mapped[list[AlertSopStepRow]] = relationship(
        back_populates="alert", cascade="all, delete-orphan", order_by="AlertSopStepRow.position"
    )


class AlertActionRow(Base):
    """Who moved an alert from which state to which, and when (a re-raise is one too)."""

    __tablename__ = "alert_actions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    alert_id: Mapped[str] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"), index=True)
    action: Mapped[str] = mapped_column(String(40))
    from_status: Mapped[str] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    username: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(default=now_utc)
    note: Mapped[str | None] = mapped_column(Text)
    alert: Mapped[AlertRow] = relationship(back_populates="actions")


class AlertSopStepRow(Base):
    """One standard step of an alert type's checklist, copied onto the alert when it opens."""

    __tablename__ = "alert_sop_steps"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    alert_id: Mapped[str] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(String(300))  # Korean
    text_en: Mapped[str | None] = mapped_column(String(300))
    done_by: Mapped[str | None] = mapped_column(String(64))
    done_at: Mapped[datetime | None]
    alert: Mapped[AlertRow] = relationship(back_populates="sop_steps")


class ShelfRow(Base):
    """A rule shelved on a camera for a while (ISA-18.2): its hits are stored and counted but
    raise nothing until ``until`` or until someone takes it off the shelf."""

    __tablename__ = "shelves"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    camera_id: Mapped[str] = mapped_column(String(64), index=True)
    type: Mapped[str] = mapped_column(String(40))
    zone: Mapped[str | None] = mapped_column(String(100))  # None: every zone of the camera
    reason: Mapped[str] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=now_utc)
    until: Mapped[datetime] = mapped_column(index=True)
    cleared_by: Mapped[str | None] = mapped_column(String(64))
    cleared_at: Mapped[datetime | None]
    hits: Mapped[int] = mapped_column(Integer, default=0)


class ShiftRow(Base):
    """An operator's or supervisor's shift: started at sign-in or by hand, ended with a handover
    note (인수인계) that the next shift reads."""

    __tablename__ = "shifts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(64), index=True)
    role: Mapped[str] = mapped_column(String(20))
    started_at: Mapped[datetime] = mapped_column(default=now_utc)
    ended_at: Mapped[datetime | None]
    handover_note: Mapped[str | None] = mapped_column(Text)


class FalseAlarmRow(Base):
    """False-alarm marks of alerts per camera and rule (triage weighs cameras by them)."""

    __tablename__ = "false_alarms"

    camera_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    rule: Mapped[str] = mapped_column(String(40), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)
    last_at: Mapped[datetime] = mapped_column(default=now_utc)


class UserRow(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))  # operator, supervisor, agency, admin
    agency: Mapped[str | None] = mapped_column(String(40))  # agency liaisons: police, fire, ...
    display_name: Mapped[str] = mapped_column(String(100), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=now_utc)


class SessionRow(Base):
    """A signed-in browser: the cookie carries the token, the table only its SHA-256."""

    __tablename__ = "sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=now_utc)
    expires_at: Mapped[datetime]
    last_seen_at: Mapped[datetime | None]  # the last request (idle timeout)


class AuditRow(Base):
    """Append-only (database triggers refuse UPDATE, DELETE and, on PostgreSQL, TRUNCATE): logins,
    video views, changes. Each row carries a sequence number without gaps and the SHA-256 chain
    (``hash`` of this row's content and the previous row's ``hash``), so an edited, removed,
    inserted or reordered row shows (``gwanje audit verify``)."""

    __tablename__ = "audit"
    __table_args__ = (Index("uq_audit_seq", "seq", unique=True),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    seq: Mapped[int | None] = mapped_column(BigInteger)
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    hash: Mapped[str | None] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(default=now_utc, index=True)
    username: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(60))
    target: Mapped[str | None] = mapped_column(String(200))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    ip: Mapped[str | None] = mapped_column(String(64))


class SegmentRow(Base):
    """A closed recording segment (a self-contained video file of a few seconds) of a camera.
    ``path`` is relative to the recordings volume; ``missing_at`` marks a row whose file was gone."""

    __tablename__ = "segments"
    __table_args__ = (Index("ix_segments_camera_start", "camera_id", "start_at"),)

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    camera_id: Mapped[str] = mapped_column(String(64))
    start_at: Mapped[datetime] = mapped_column(index=True)
    end_at: Mapped[datetime]
    path: Mapped[str] = mapped_column(String(300), unique=True)
    bytes: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    codec: Mapped[str] = mapped_column(String(20), default="")
    indexed_at: Mapped[datetime] = mapped_column(default=now_utc)
    missing_at: Mapped[datetime | None]


class GapRow(Base):
    """A span a camera has no recording of, and why (signal lost, worker restarted, disk trouble)."""

    __tablename__ = "recording_gaps"
    __table_args__ = (Index("ix_recording_gaps_camera_start", "camera_id", "start_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    camera_id: Mapped[str] = mapped_column(String(64))
    start_at: Mapped[datetime]
    end_at: Mapped[datetime]
    reason: Mapped[str] = mapped_column(String(200))


class HoldRow(Base):
    """A legal hold: the segments of these cameras in [start_at, end_at) are kept past retention
    (and from the disk guard) until a supervisor releases it."""

    __tablename__ = "legal_holds"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    camera_ids: Mapped[list[Any]] = mapped_column(JSON)
    start_at: Mapped[datetime]
    end_at: Mapped[datetime]
    case_number: Mapped[str] = mapped_column(String(100))
    reason: Mapped[str] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=now_utc)
    released_by: Mapped[str | None] = mapped_column(String(64))
    released_at: Mapped[datetime | None]
    release_reason: Mapped[str | None] = mapped_column(Text)


class ProvisionRow(Base):
    """A request for recorded footage (police, fire, or a data subject's own) and where it stands:
    requested → approved / rejected → exported → handed_over → destroyed. The export's work (finding
    people, the preview, the package) runs in the background; ``job`` says which is running."""

    __tablename__ = "provisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)  # 2026-0001
    kind: Mapped[str] = mapped_column(String(10))  # agency, subject
    state: Mapped[str] = mapped_column(String(20), index=True)
    agency: Mapped[str] = mapped_column(String(40))  # police, fire, ... ("subject" for a data subject)
    officer: Mapped[str] = mapped_column(String(200))  # the officer, or the data subject's name
    contact: Mapped[str] = mapped_column(String(200), default="")
    case_number: Mapped[str] = mapped_column(String(100), default="")
    legal_basis: Mapped[str] = mapped_column(String(20))
    purpose: Mapped[str] = mapped_column(Text)
    camera_ids: Mapped[list[Any]] = mapped_column(JSON)
    start_at: Mapped[datetime]
    end_at: Mapped[datetime]
    persons: Mapped[str] = mapped_column(Text, default="")  # who the request is about, in words
    period_days: Mapped[float] = mapped_column(Float)
    requested_by: Mapped[str] = mapped_column(String(64))
    requested_at: Mapped[datetime] = mapped_column(default=now_utc)
    due_at: Mapped[datetime | None]  # a data subject's request: answered by then
    decided_by: Mapped[str | None] = mapped_column(String(64))
    decided_at: Mapped[datetime | None]
    reject_reason: Mapped[str | None] = mapped_column(Text)
    subjects: Mapped[list[Any]] = mapped_column(JSON, default=list)  # [camera id, track id] left unmasked
    job: Mapped[str | None] = mapped_column(String(20))  # finding, preview, export
    job_progress: Mapped[float] = mapped_column(Float, default=0.0)
    job_error: Mapped[str | None] = mapped_column(Text)
    found_at: Mapped[datetime | None]  # people found on every frame (the preview can be made)
    preview_subjects: Mapped[list[Any] | None] = mapped_column(JSON)  # what the preview was made with
    preview_made_at: Mapped[datetime | None]
    exported_at: Mapped[datetime | None]
    package_name: Mapped[str | None] = mapped_column(String(200))
    package_sha256: Mapped[str | None] = mapped_column(String(64))
    package_bytes: Mapped[int | None] = mapped_column(BigInteger)
    hold_id: Mapped[int | None] = mapped_column(Integer)
    link_hash: Mapped[str | None] = mapped_column(String(64))
    link_expires_at: Mapped[datetime | None]
    handed_over_at: Mapped[datetime | None]
    downloads: Mapped[int] = mapped_column(Integer, default=0)
    destroy_at: Mapped[datetime | None] = mapped_column(index=True)  # the period of use ends
    destroyed_at: Mapped[datetime | None]
    destroyed_by: Mapped[str | None] = mapped_column(String(64))
    outcome: Mapped[str | None] = mapped_column(String(40))
    outcome_note: Mapped[str | None] = mapped_column(Text)


class LedgerRow(Base):
    """개인영상정보 관리대장: one row per viewing (열람), provision (제공) and destruction (파기), with
    the standard form's fields. Append-only (database triggers refuse UPDATE and DELETE): a
    correction is a new row (kind ``correct``) naming the row it corrects."""

    __tablename__ = "video_ledger"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(default=now_utc, index=True)
    kind: Mapped[str] = mapped_column(String(10))  # view, provide, destroy, correct
    file_name: Mapped[str] = mapped_column(String(300))
    file_form: Mapped[str] = mapped_column(String(100))  # MP4 (H.264) ...
    handler: Mapped[str] = mapped_column(String(64))  # the person in charge
    purpose: Mapped[str] = mapped_column(Text, default="")
    recipient: Mapped[str] = mapped_column(String(300), default="")  # who received or asked
    agency: Mapped[str | None] = mapped_column(String(40), index=True)
    legal_basis: Mapped[str] = mapped_column(String(200), default="")
    period: Mapped[str] = mapped_column(String(100), default="")  # period of use
    provision_form: Mapped[str] = mapped_column(String(100), default="")  # download, on screen ...
    destroyed_at: Mapped[datetime | None]
    destroyed_by: Mapped[str | None] = mapped_column(String(64))
    provision_id: Mapped[int | None] = mapped_column(Integer, index=True)
    camera_ids: Mapped[list[Any]] = mapped_column(JSON, default=list)
    range_start: Mapped[datetime | None]
    range_end: Mapped[datetime | None]
    corrects_id: Mapped[int | None] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(Text, default="")


class LoginFailureRow(Base):
    """Failed logins of one account (``user:NAME``) or from one address (``ip:ADDR``): how many
    in the current run, and until when the next try waits (kept across restarts)."""

    __tablename__ = "login_failures"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)
    first_at: Mapped[datetime] = mapped_column(default=now_utc)
    last_at: Mapped[datetime] = mapped_column(default=now_utc)
    locked_until: Mapped[datetime | None]


class AuditCheckpointRow(Base):
    """The audit chain's head at a moment, signed with the center's Ed25519 key: rows cut off the
    end of the chain after it (or the chain rewritten before it) show against it."""

    __tablename__ = "audit_checkpoints"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(default=now_utc)
    seq: Mapped[int] = mapped_column(BigInteger)
    hash: Mapped[str] = mapped_column(String(64))
    key_fingerprint: Mapped[str] = mapped_column(String(100))
    signature: Mapped[str] = mapped_column(String(200))


class RemovedCameraRow(Base):
    """A camera removed through the API: the site YAML does not bring it back at the next start
    (the store wins over the YAML after the first start); a PUT of the camera does."""

    __tablename__ = "removed_cameras"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    removed_at: Mapped[datetime] = mapped_column(default=now_utc)
    removed_by: Mapped[str] = mapped_column(String(64))
