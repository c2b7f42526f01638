"""Evidence provision: requests for footage and the personal-video ledger (append-only).

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "provisions",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("number", sa.String(20), nullable=False, unique=True),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("agency", sa.String(40), nullable=False),
        sa.Column("officer", sa.String(200), nullable=False),
        sa.Column("contact", sa.String(200), nullable=False),
        sa.Column("case_number", sa.String(100), nullable=False),
        sa.Column("legal_basis", sa.String(20), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("camera_ids", sa.JSON(), nullable=False),
        sa.Column("start_at", TZ, nullable=False),
        sa.Column("end_at", TZ, nullable=False),
        sa.Column("persons", sa.Text(), nullable=False),
        sa.Column("period_days", sa.Float(), nullable=False),
        sa.Column("requested_by", sa.String(64), nullable=False),
        sa.Column("requested_at", TZ, nullable=False),
        sa.Column("due_at", TZ),
        sa.Column("decided_by", sa.String(64)),
        sa.Column("decided_at", TZ),
        sa.Column("reject_reason", sa.Text()),
        sa.Column("subjects", sa.JSON(), nullable=False),
        sa.Column("job", sa.String(20)),
        sa.Column("job_progress", sa.Float(), nullable=False),
        sa.Column("job_error", sa.Text()),
        sa.Column("found_at", TZ),
        sa.Column("preview_subjects", sa.JSON()),
        sa.Column("preview_made_at", TZ),
        sa.Column("exported_at", TZ),
        sa.Column("package_name", sa.String(200)),
        sa.Column("package_sha256", sa.String(64)),
        sa.Column("package_bytes", sa.BigInteger()),
        sa.Column("hold_id", sa.Integer()),
        sa.Column("link_hash", sa.String(64)),
        sa.Column("link_expires_at", TZ),
        sa.Column("handed_over_at", TZ),
        sa.Column("downloads", sa.Integer(), nullable=False),
        sa.Column("destroy_at", TZ),
        sa.Column("destroyed_at", TZ),
        sa.Column("destroyed_by", sa.String(64)),
        sa.Column("outcome", sa.String(40)),
        sa.Column("outcome_note", sa.Text()),
    )
    op.create_index("ix_provisions_state", "provisions", ["state"])
    op.create_index("ix_provisions_destroy_at", "provisions", ["destroy_at"])
    op.create_table(
        "video_ledger",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("at", TZ, nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("file_name", sa.String(300), nullable=False),
        sa.Column("file_form", sa.String(100), nullable=False),
        sa.Column("handler", sa.String(64), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("recipient", sa.String(300), nullable=False),
        sa.Column("agency", sa.String(40)),
        sa.Column("legal_basis", sa.String(200), nullable=False),
        sa.Column("period", sa.String(100), nullable=False),
        sa.Column("provision_form", sa.String(100), nullable=False),
        sa.Column("destroyed_at", TZ),
        sa.Column("destroyed_by", sa.String(64)),
        sa.Column("provision_id", sa.Integer()),
        sa.Column("camera_ids", sa.JSON(), nullable=False),
        sa.Column("range_start", TZ),
        sa.Column("range_end", TZ),
        sa.Column("corrects_id", sa.Integer()),
        sa.Column("note", sa.Text(), nullable=False),
    )
    op.create_index("ix_video_ledger_at", "video_ledger", ["at"])
    op.create_index("ix_video_ledger_agency", "video_ledger", ["agency"])
    op.create_index("ix_video_ledger_provision_id", "video_ledger", ["provision_id"])
    _append_only()


def _append_only() -> None:
    """The database itself refuses to change or delete a ledger row."""
    if op.get_bind().dialect.name == "sqlite":
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER video_ledger_no_{verb.lower()} BEFORE {verb} ON video_ledger "
                "BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END"
            )
        return
    op.execute(
        "CREATE FUNCTION gwanje_ledger_append_only() RETURNS trigger AS $$ "
        "BEGIN RAISE EXCEPTION 'the ledger is append-only'; END $$ LANGUAGE plpgsql"
    )
    op.execute(
        "CREATE TRIGGER video_ledger_append_only BEFORE UPDATE OR DELETE ON video_ledger "
        "FOR EACH ROW EXECUTE FUNCTION gwanje_ledger_append_only()"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        op.execute("DROP TRIGGER IF EXISTS video_ledger_append_only ON video_ledger")
        op.execute("DROP FUNCTION IF EXISTS gwanje_ledger_append_only()")
    op.drop_table("video_ledger")
    op.drop_table("provisions")
