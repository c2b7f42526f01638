"""Tables of the follow mode and the search: track records from the cameras, and the operators'
follow chains with their confirmed steps. Registered on the same metadata as the rest."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gwanje.store.models import Base, now_utc


class TrackRecordRow(Base):
    """What one camera saw of one tracked person or vehicle over a stretch of time (a part of its
    track). Colour histograms are stored as bytes (share × 255 per name); the appearance vector as
    float16 bytes of its model. The crop is a file under the center's data folder."""

    __tablename__ = "track_records"
    __table_args__ = (
        Index("ix_track_records_camera_time", "camera_id", "started_at"),
        Index("ix_track_records_colour_time", "upper_colour", "started_at"),
        Index("ix_track_records_track", "camera_id", "track_started_at", "track_id"),
    )

    id: Mapped[str] = mapped_column(String(120), primary_key=True)
    camera_id: Mapped[str] = mapped_column(String(64))
    track_id: Mapped[int] = mapped_column(Integer)
    part: Mapped[int] = mapped_column(Integer)
    final: Mapped[bool] = mapped_column(Boolean)
    class_name: Mapped[str] = mapped_column(String(20))
    started_at: Mapped[datetime] = mapped_column(index=True)
    ended_at: Mapped[datetime]
    track_started_at: Mapped[datetime]
    frame_w: Mapped[int] = mapped_column(Integer)
    frame_h: Mapped[int] = mapped_column(Integer)
    path: Mapped[list[Any]] = mapped_column(JSON)
    ground_path: Mapped[list[Any] | None] = mapped_column(JSON)
    entry_edge: Mapped[str | None] = mapped_column(String(8))
    exit_edge: Mapped[str | None] = mapped_column(String(8))
    heading_deg: Mapped[float | None] = mapped_column(Float)
    box_w: Mapped[float] = mapped_column(Float)
    box_h: Mapped[float] = mapped_column(Float)
    upper_colour: Mapped[str | None] = mapped_column(String(16))
    lower_colour: Mapped[str | None] = mapped_column(String(16))
    colour_hist: Mapped[bytes] = mapped_column(LargeBinary)
    appearance: Mapped[bytes | None] = mapped_column(LargeBinary)
    appearance_model: Mapped[str | None] = mapped_column(String(40))
    crop_path: Mapped[str | None] = mapped_column(String(200))
    crop_at: Mapped[datetime | None]
    crop_box: Mapped[list[Any] | None] = mapped_column(JSON)
    received_at: Mapped[datetime] = mapped_column(default=now_utc)


class FollowChainRow(Base):
    """An operator following one person from camera to camera: the chain of confirmed sightings.
    ``state`` says where it stands: ``watching`` (the person is in view on the current camera),
    ``searching`` (the person left it; candidates are offered on the neighbours), ``ended``."""

    __tablename__ = "follow_chains"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    operator: Mapped[str] = mapped_column(String(64), index=True)
    purpose: Mapped[str] = mapped_column(String(300))
    alert_id: Mapped[str | None] = mapped_column(String(40))
    state: Mapped[str] = mapped_column(String(12), index=True)
    camera_id: Mapped[str] = mapped_column(String(64))  # the current (last confirmed) camera
    track_id: Mapped[int] = mapped_column(Integer)
    track_started_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]  # the current track's last sighting
    exit_edge: Mapped[str | None] = mapped_column(String(8))
    appearance: Mapped[bytes | None] = mapped_column(LargeBinary)  # the person's vector so far
    appearance_model: Mapped[str | None] = mapped_column(String(40))
    colour_hist: Mapped[bytes | None] = mapped_column(LargeBinary)
    not_seen: Mapped[list[Any]] = mapped_column(JSON, default=list)  # cameras said "not seen" this step
    live_link_id: Mapped[str | None] = mapped_column(String(40))  # shared with police through it
    started_at: Mapped[datetime] = mapped_column(default=now_utc)
    ended_at: Mapped[datetime | None]
    ended_by: Mapped[str | None] = mapped_column(String(64))
    steps: Mapped[list[FollowStepRow]] = relationship(
        back_populates="chain", cascade="all, delete-orphan", order_by="FollowStepRow.seq"
    )


class FollowStepRow(Base):
    """One confirmed sighting of the chain (the first is where the follow began), or the
    operator's "not seen" on a camera."""

    __tablename__ = "follow_steps"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    chain_id: Mapped[str] = mapped_column(ForeignKey("follow_chains.id", ondelete="CASCADE"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(12))  # start, confirmed, not_seen
    camera_id: Mapped[str] = mapped_column(String(64))
    track_id: Mapped[int | None] = mapped_column(Integer)
    track_started_at: Mapped[datetime | None]
    record_id: Mapped[str | None] = mapped_column(String(120))
    seen_at: Mapped[datetime]  # when the person was seen there (the record's time)
    score: Mapped[float | None] = mapped_column(Float)  # the candidate's match when confirmed
    rank: Mapped[int | None] = mapped_column(Integer)  # its place among the candidates shown
    by: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(default=now_utc)
    crop_path: Mapped[str | None] = mapped_column(String(200))  # kept with the chain
    note: Mapped[str | None] = mapped_column(Text)
    chain: Mapped[FollowChainRow] = relationship(back_populates="steps")
