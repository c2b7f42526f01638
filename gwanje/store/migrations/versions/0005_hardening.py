"""Hardening: sessions remember when they were last used (idle timeout); failed logins are
counted in the store (the throttle survives a restart); the audit becomes a hash chain (sequence,
previous hash, hash; rows already there are chained in id order) with signed checkpoints, and
PostgreSQL refuses TRUNCATE of the audit and the ledger; cameras removed through the API are
remembered so the YAML does not bring them back.

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

    with op.batch_alter_table("audit") as batch:
        batch.add_column(sa.Column("seq", sa.BigInteger()))
        batch.add_column(sa.Column("prev_hash", sa.String(64)))
        batch.add_column(sa.Column("hash", sa.String(64)))
    _chain_existing_rows()
    op.create_index("uq_audit_seq", "audit", ["seq"], unique=True)
    op.create_table(
        "removed_cameras",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("removed_at", TZ, nullable=False),
        sa.Column("removed_by", sa.String(64), nullable=False),
    )
    op.create_table(
        "audit_checkpoints",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("at", TZ, nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.Column("key_fingerprint", sa.String(100), nullable=False),
        sa.Column("signature", sa.String(200), nullable=False),
    )
    if op.get_bind().dialect.name == "postgresql":
        for table, fn in (
            ("audit", "gwanje_audit_append_only"),
            ("video_ledger", "gwanje_ledger_append_only"),
        ):
            op.execute(
                f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION {fn}()"
            )


def _chain_existing_rows() -> None:
    """Rows written before the chain are chained in the order they were written (their ids); the
    append-only trigger is set aside for that one pass (SQLite's batch mode rebuilt the table)."""
    from gwanje.store.audit import GENESIS, content_hash

    bind = op.get_bind()
    sqlite = bind.dialect.name == "sqlite"
    if sqlite:
        op.execute("DROP TRIGGER IF EXISTS audit_no_update")
        op.execute("DROP TRIGGER IF EXISTS audit_no_delete")
    else:
        op.execute("ALTER TABLE audit DISABLE TRIGGER audit_append_only")
    audit = sa.table(
        "audit",
        sa.column("id"),
        sa.column("seq"),
        sa.column("prev_hash"),
        sa.column("hash"),
        sa.column("at", TZ),
        sa.column("username"),
        sa.column("action"),
        sa.column("target"),
        sa.column("detail", sa.JSON()),
        sa.column("ip"),
    )
    prev = GENESIS
    rows = bind.execute(sa.select(audit).order_by(audit.c.id)).mappings().all()
    for seq, r in enumerate(rows, start=1):
        digest = content_hash(
            prev, seq, r["at"], r["username"], r["action"], r["target"], r["detail"], r["ip"]
        )
        bind.execute(audit.update().where(audit.c.id == r["id"]).values(seq=seq, prev_hash=prev, hash=digest))
        prev = digest
    if sqlite:
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER audit_no_{verb.lower()} BEFORE {verb} ON audit "
                "BEGIN SELECT RAISE(ABORT, 'audit records are append-only'); END"
            )
    else:
        op.execute("ALTER TABLE audit ENABLE TRIGGER audit_append_only")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_no_truncate ON audit")
        op.execute("DROP TRIGGER IF EXISTS video_ledger_no_truncate ON video_ledger")
    op.drop_table("audit_checkpoints")
    op.drop_table("removed_cameras")
    op.drop_table("login_failures")
    with op.batch_alter_table("sessions") as batch:
        batch.drop_column("last_seen_at")
