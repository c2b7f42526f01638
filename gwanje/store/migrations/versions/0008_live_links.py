"""Live-view links for agencies: time-limited, for an account or by a one-time code, revocable.

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "live_links",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("agency", sa.String(40), nullable=False),
        sa.Column("username", sa.String(64)),
        sa.Column("code_hash", sa.String(64)),
        sa.Column("viewer_hash", sa.String(64)),
        sa.Column("code_used_at", TZ),
        sa.Column("code_failures", sa.Integer(), nullable=False),
        sa.Column("cameras", sa.JSON(), nullable=False),
        sa.Column("incident_id", sa.String(40)),
        sa.Column("alert_id", sa.String(40)),
        sa.Column("purpose", sa.String(300), nullable=False),
        sa.Column("legal_basis", sa.String(200), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("expires_at", TZ, nullable=False),
        sa.Column("revoked_at", TZ),
        sa.Column("revoked_by", sa.String(64)),
        sa.Column("opened", sa.Integer(), nullable=False),
    )
    op.create_index("ix_live_links_expires_at", "live_links", ["expires_at"])


def downgrade() -> None:
    op.drop_table("live_links")
