"""Alerts: what a person handles is an alert grouping the hits of one rule on one camera and zone;
the lifecycle, SOP steps and history move from the events (now the raw hits) to the alerts.
Shelves (a rule silenced on a camera for a while) and shifts (with the handover note).

Each event stored before this revision becomes an alert of its own, with the same id, status,
checklist and history; its hit has ended (no camera worker survives the upgrade).

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)
LIFECYCLE = (
    "acknowledged_by",
    "acknowledged_at",
    "dispatched_to",
    "dispatch_note",
    "dispatched_by",
    "dispatched_at",
    "closed_by",
    "closed_at",
    "closing_note",
    "escalated_at",
)


def upgrade() -> None:
    op.create_table(
        "alerts",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("camera_id", sa.String(64), nullable=False),
        sa.Column("type", sa.String(40), nullable=False),
        sa.Column("zone", sa.String(100)),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("severity", sa.String(16), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("first_at", TZ, nullable=False),
        sa.Column("last_hit_at", TZ, nullable=False),
        sa.Column("last_at", TZ, nullable=False),
        sa.Column("ended_at", TZ),
        sa.Column("open_hits", sa.Integer(), nullable=False),
        sa.Column("hit_count", sa.Integer(), nullable=False),
        sa.Column("track_ids", sa.JSON(), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("best_event_id", sa.String(40)),
        sa.Column("latest_event_id", sa.String(40)),
        sa.Column("received_at", TZ, nullable=False),
        sa.Column("raised_at", TZ, nullable=False),
        sa.Column("raise_count", sa.Integer(), nullable=False),
        sa.Column("acknowledged_by", sa.String(64)),
        sa.Column("acknowledged_at", TZ),
        sa.Column("dispatched_to", sa.String(40)),
        sa.Column("dispatch_note", sa.Text()),
        sa.Column("dispatched_by", sa.String(64)),
        sa.Column("dispatched_at", TZ),
        sa.Column("closed_by", sa.String(64)),
        sa.Column("closed_at", TZ),
        sa.Column("closing_note", sa.Text()),
        sa.Column("escalated_at", TZ),
    )
    for col in ("camera_id", "type", "status", "first_at", "raised_at", "dispatched_to"):
        op.create_index(f"ix_alerts_{col}", "alerts", [col])
    op.create_table(
        "alert_actions",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("alert_id", sa.String(40), sa.ForeignKey("alerts.id", ondelete="CASCADE"), nullable=False),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("from_status", sa.String(20), nullable=False),
        sa.Column("to_status", sa.String(20), nullable=False),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("at", TZ, nullable=False),
        sa.Column("note", sa.Text()),
    )
    op.create_index("ix_alert_actions_alert_id", "alert_actions", ["alert_id"])
    op.create_table(
        "alert_sop_steps",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("alert_id", sa.String(40), sa.ForeignKey("alerts.id", ondelete="CASCADE"), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("text", sa.String(300), nullable=False),
        sa.Column("text_en", sa.String(300)),
        sa.Column("done_by", sa.String(64)),
        sa.Column("done_at", TZ),
    )
    op.create_index("ix_alert_sop_steps_alert_id", "alert_sop_steps", ["alert_id"])
    op.create_table(
        "shelves",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("camera_id", sa.String(64), nullable=False),
        sa.Column("type", sa.String(40), nullable=False),
        sa.Column("zone", sa.String(100)),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("until", TZ, nullable=False),
        sa.Column("cleared_by", sa.String(64)),
        sa.Column("cleared_at", TZ),
        sa.Column("hits", sa.Integer(), nullable=False),
    )
    op.create_index("ix_shelves_camera_id", "shelves", ["camera_id"])
    op.create_index("ix_shelves_until", "shelves", ["until"])
    op.create_table(
        "shifts",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("started_at", TZ, nullable=False),
        sa.Column("ended_at", TZ),
        sa.Column("handover_note", sa.Text()),
    )
    op.create_index("ix_shifts_username", "shifts", ["username"])

    # every event so far becomes an alert of its own, keeping its lifecycle, checklist and history
    lifecycle = ", ".join(LIFECYCLE)
    op.execute(
        "INSERT INTO alerts (id, camera_id, type, zone, status, severity, confidence, first_at, "
        "last_hit_at, last_at, ended_at, open_hits, hit_count, track_ids, details, best_event_id, "
        f"latest_event_id, received_at, raised_at, raise_count, {lifecycle}) "
        "SELECT id, camera_id, type, zone, status, severity, confidence, started_at, started_at, "
        "COALESCE(ended_at, started_at), COALESCE(ended_at, started_at), 0, 1, track_ids, details, "
        "CASE WHEN snapshot_path IS NULL THEN NULL ELSE id END, "
        "CASE WHEN snapshot_path IS NULL THEN NULL ELSE id END, "
        f"received_at, received_at, 0, {lifecycle} FROM events"
    )
    op.execute(
        "INSERT INTO alert_actions (alert_id, action, from_status, to_status, username, at, note) "
        "SELECT event_id, action, from_status, to_status, username, at, note FROM event_actions ORDER BY id"
    )
    op.execute(
        "INSERT INTO alert_sop_steps (alert_id, position, text, done_by, done_at) "
        "SELECT event_id, position, text, done_by, done_at FROM sop_steps ORDER BY id"
    )
    op.drop_table("event_actions")
    op.drop_table("sop_steps")
    with op.batch_alter_table("events") as batch:
        batch.add_column(sa.Column("alert_id", sa.String(40)))
        batch.add_column(sa.Column("shelf_id", sa.Integer()))
    op.execute("UPDATE events SET alert_id = id")
    with op.batch_alter_table("events") as batch:
        batch.drop_index("ix_events_status")
        batch.drop_index("ix_events_dispatched_to")
        for col in ("status", *LIFECYCLE):
            batch.drop_column(col)
        batch.create_index("ix_events_alert_id", ["alert_id"])


def downgrade() -> None:
    raise NotImplementedError("alerts cannot be folded back into events; restore a backup instead")
