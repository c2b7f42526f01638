"""Tables of the exchange with other systems: the webhook outbox and the API keys of the machines
that send alarms and incidents in. Registered on the same metadata as the rest (the
migrations' environment and the schema test import this module beside models.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Float, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from gwanje.store.models import Base, now_utc


class OutboxRow(Base):
    """One message for one webhook receiver, written in the same transaction as the facts it
    reports, so a crash between the two cannot lose it. ``key`` is the idempotency key the
    receiver de-duplicates on (also the CloudEvent's id); the (webhook, key) pair is unique, so
    telling the same thing twice queues it once."""

    __tablename__ = "webhook_outbox"
    __table_args__ = (
        UniqueConstraint("webhook", "key", name="uq_webhook_outbox_key"),
        Index("ix_webhook_outbox_due", "state", "next_at"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    webhook: Mapped[str] = mapped_column(String(64))
    key: Mapped[str] = mapped_column(String(160))
    type: Mapped[str] = mapped_column(String(80))
    camera_id: Mapped[str | None] = mapped_column(String(64))
    body: Mapped[str] = mapped_column(Text)  # the CloudEvent exactly as sent (structured JSON)
    state: Mapped[str] = mapped_column(String(12), default="pending")  # pending, delivered, dead
    created_at: Mapped[datetime] = mapped_column(default=now_utc)
    next_at: Mapped[datetime] = mapped_column(default=now_utc)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_status: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(String(300))
    last_at: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]


class ApiKeyRow(Base):
    """A machine's key to send alarms or incidents in, or read the status summary. Only the
    SHA-256 of the key is kept (keys are 32 random bytes: no dictionary to try); ``prefix`` (its
    first characters) lets a person tell keys apart in lists and logs."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    source: Mapped[str] = mapped_column(String(64), index=True)  # the sending system, in events
    prefix: Mapped[str] = mapped_column(String(16))
    hash: Mapped[str] = mapped_column(String(64), unique=True)
    scopes: Mapped[list[Any]] = mapped_column(JSON)  # alarms, incidents, status
    cameras: Mapped[list[Any]] = mapped_column(JSON)  # camera ids it may name; ["*"] for all
    rate_per_min: Mapped[int] = mapped_column(Integer, default=120)
    note: Mapped[str | None] = mapped_column(String(300))
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=now_utc)
    expires_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    revoked_by: Mapped[str | None] = mapped_column(String(64))
    last_used_at: Mapped[datetime | None]
    used: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), default=0)
    refused: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), default=0)


class IncidentRow(Base):
    """An incident at a place: from the emergency services' systems (112 video support, 112 and
    119 dispatch, disaster, a vulnerable person's locator) or reported in the center. While open,
    the cameras within its radius rise in triage; ``cameras`` is the set at the latest position,
    ``track`` the positions a moving locator reported."""

    __tablename__ = "incidents"
    __table_args__ = (UniqueConstraint("source", "reference", name="uq_incidents_source_reference"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    kind: Mapped[str] = mapped_column(String(24), index=True)
    status: Mapped[str] = mapped_column(String(12), default="open", index=True)  # open, handled, closed
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    radius_m: Mapped[float] = mapped_column(Float)
    occurred_at: Mapped[datetime] = mapped_column(default=now_utc)
    source: Mapped[str] = mapped_column(String(64))  # the sending system, or "center"
    reference: Mapped[str] = mapped_column(String(100))  # the sender's own case number
    note: Mapped[str] = mapped_column(String(300), default="")
    cameras: Mapped[list[Any]] = mapped_column(JSON, default=list)
    track: Mapped[list[Any]] = mapped_column(JSON, default=list)  # [lat, lon, iso time]
    until: Mapped[datetime | None]  # a center report ends by itself then
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=now_utc)
    updated_at: Mapped[datetime] = mapped_column(default=now_utc)
    handled_by: Mapped[str | None] = mapped_column(String(64))
    handled_at: Mapped[datetime | None]
    closed_by: Mapped[str | None] = mapped_column(String(64))
    closed_at: Mapped[datetime | None]


class LiveLinkRow(Base):
    """A time-limited live view of some cameras for an agency, issued by a supervisor from an
    incident or an alert: for one agency account, or by a one-time code (a patrol officer's phone),
    which is exchanged once for a viewer token kept in that browser. Only hashes are stored."""

    __tablename__ = "live_links"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    agency: Mapped[str] = mapped_column(String(40))
    username: Mapped[str | None] = mapped_column(String(64))  # the agency account, or None: by code
    code_hash: Mapped[str | None] = mapped_column(String(64))
    viewer_hash: Mapped[str | None] = mapped_column(String(64))  # the browser the code was used in
    code_used_at: Mapped[datetime | None]
    code_failures: Mapped[int] = mapped_column(Integer, default=0)
    cameras: Mapped[list[Any]] = mapped_column(JSON)
    incident_id: Mapped[str | None] = mapped_column(String(40))
    alert_id: Mapped[str | None] = mapped_column(String(40))
    follow_id: Mapped[str | None] = mapped_column(String(40))  # a follow it follows (its current camera)
    purpose: Mapped[str] = mapped_column(String(300))
    legal_basis: Mapped[str] = mapped_column(String(200))
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=now_utc)
    expires_at: Mapped[datetime] = mapped_column(index=True)
    revoked_at: Mapped[datetime | None]
    revoked_by: Mapped[str | None] = mapped_column(String(64))
    opened: Mapped[int] = mapped_column(Integer, default=0)
