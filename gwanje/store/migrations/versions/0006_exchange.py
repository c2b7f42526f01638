"""Exchange with other systems: the webhook outbox (one row per message and receiver, unique by
idempotency key) and the API keys of machines sending alarms and incidents in.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)
BIG = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "webhook_outbox",
        sa.Column("id", BIG, primary_key=True),
        sa.Column("webhook", sa.String(64), nullable=False),
        sa.Column("key", sa.String(160), nullable=False),
        sa.Column("type", sa.String(80), nullable=False),
        sa.Column("camera_id", sa.String(64)),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("state", sa.String(12), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("next_at", TZ, nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_status", sa.Integer()),
        sa.Column("last_error", sa.String(300)),
        sa.Column("last_at", TZ),
        sa.Column("delivered_at", TZ),
        sa.UniqueConstraint("webhook", "key", name="uq_webhook_outbox_key"),
    )
    op.create_index("ix_webhook_outbox_due", "webhook_outbox", ["state", "next_at"])
    op.create_table(
        "api_keys",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("prefix", sa.String(16), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False, unique=True),
        sa.Column("scopes", sa.JSON(), nullable=False),
        sa.Column("cameras", sa.JSON(), nullable=False),
        sa.Column("rate_per_min", sa.Integer(), nullable=False),
        sa.Column("note", sa.String(300)),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("expires_at", TZ),
        sa.Column("revoked_at", TZ),
        sa.Column("revoked_by", sa.String(64)),
        sa.Column("last_used_at", TZ),
        sa.Column("used", BIG, nullable=False),
        sa.Column("refused", BIG, nullable=False),
    )
    op.create_index("ix_api_keys_source", "api_keys", ["source"])


def downgrade() -> None:
    op.drop_table("api_keys")
    op.drop_table("webhook_outbox")
