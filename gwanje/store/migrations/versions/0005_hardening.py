"""Hardening: sessions remember when they were last used (idle timeout); failed logins are
counted in the store (the throttle survives a restart).

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("sessions") as batch:
        batch.add_column(sa.Column("last_seen_at", TZ))
    op.create_table(
        "login_failures",
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("first_at", TZ, nullable=False),
        sa.Column("last_at", TZ, nullable=False),
        sa.Column("locked_until", TZ),
    )


def downgrade() -> None:
    op.drop_table("login_failures")
    with op.batch_alter_table("sessions") as batch:
        batch.drop_column("last_seen_at")
