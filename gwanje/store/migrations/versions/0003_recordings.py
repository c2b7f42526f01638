"""Recordings: the index of recorded segments, the gaps between them, and legal holds.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "segments",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True, autoincrement=True
        ),
        sa.Column("camera_id", sa.String(64), nullable=False),
        sa.Column("start_at", TZ, nullable=False),
        sa.Column("end_at", TZ, nullable=False),
        sa.Column("path", sa.String(300), nullable=False, unique=True),
        sa.Column("bytes", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("codec", sa.String(20), nullable=False),
        sa.Column("indexed_at", TZ, nullable=False),
        sa.Column("missing_at", TZ),
    )
    op.create_index("ix_segments_camera_start", "segments", ["camera_id", "start_at"])
    op.create_index("ix_segments_start_at", "segments", ["start_at"])
    op.create_table(
        "recording_gaps",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("camera_id", sa.String(64), nullable=False),
        sa.Column("start_at", TZ, nullable=False),
        sa.Column("end_at", TZ, nullable=False),
        sa.Column("reason", sa.String(200), nullable=False),
    )
    op.create_index("ix_recording_gaps_camera_start", "recording_gaps", ["camera_id", "start_at"])
    op.create_table(
        "legal_holds",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("camera_ids", sa.JSON(), nullable=False),
        sa.Column("start_at", TZ, nullable=False),
        sa.Column("end_at", TZ, nullable=False),
        sa.Column("case_number", sa.String(100), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("released_by", sa.String(64)),
        sa.Column("released_at", TZ),
        sa.Column("release_reason", sa.Text()),
    )


def downgrade() -> None:
    op.drop_table("legal_holds")
    op.drop_table("recording_gaps")
    op.drop_table("segments")
