"""Incidents: from the emergency services' systems (the smart-city linkage services) and the
center's own reports, with their lifecycle, their camera set and a moving locator's track.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "incidents",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("kind", sa.String(24), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("radius_m", sa.Float(), nullable=False),
        sa.Column("occurred_at", TZ, nullable=False),
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("reference", sa.String(100), nullable=False),
        sa.Column("note", sa.String(300), nullable=False),
        sa.Column("cameras", sa.JSON(), nullable=False),
        sa.Column("track", sa.JSON(), nullable=False),
        sa.Column("until", TZ),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
        sa.Column("handled_by", sa.String(64)),
        sa.Column("handled_at", TZ),
        sa.Column("closed_by", sa.String(64)),
        sa.Column("closed_at", TZ),
        sa.UniqueConstraint("source", "reference", name="uq_incidents_source_reference"),
    )
    op.create_index("ix_incidents_kind", "incidents", ["kind"])
    op.create_index("ix_incidents_status", "incidents", ["status"])


def downgrade() -> None:
    op.drop_table("incidents")
