"""Track records from the cameras, the operators' follow chains with their steps, and live-view links
that follow a chain.

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "track_records",
        sa.Column("id", sa.String(120), primary_key=True),
        sa.Column("camera_id", sa.String(64), nullable=False),
        sa.Column("track_id", sa.Integer(), nullable=False),
        sa.Column("part", sa.Integer(), nullable=False),
        sa.Column("final", sa.Boolean(), nullable=False),
        sa.Column("class_name", sa.String(20), nullable=False),
        sa.Column("started_at", TZ, nullable=False),
        sa.Column("ended_at", TZ, nullable=False),
        sa.Column("track_started_at", TZ, nullable=False),
        sa.Column("frame_w", sa.Integer(), nullable=False),
        sa.Column("frame_h", sa.Integer(), nullable=False),
        sa.Column("path", sa.JSON(), nullable=False),
        sa.Column("ground_path", sa.JSON()),
        sa.Column("entry_edge", sa.String(8)),
        sa.Column("exit_edge", sa.String(8)),
        sa.Column("heading_deg", sa.Float()),
        sa.Column("box_w", sa.Float(), nullable=False),
        sa.Column("box_h", sa.Float(), nullable=False),
        sa.Column("upper_colour", sa.String(16)),
        sa.Column("lower_colour", sa.String(16)),
        sa.Column("colour_hist", sa.LargeBinary(), nullable=False),
        sa.Column("appearance", sa.LargeBinary()),
        sa.Column("appearance_model", sa.String(40)),
        sa.Column("crop_path", sa.String(200)),
        sa.Column("crop_at", TZ),
        sa.Column("crop_box", sa.JSON()),
        sa.Column("received_at", TZ, nullable=False),
    )
    op.create_index("ix_track_records_started_at", "track_records", ["started_at"])
    op.create_index("ix_track_records_camera_time", "track_records", ["camera_id", "started_at"])
    op.create_index("ix_track_records_colour_time", "track_records", ["upper_colour", "started_at"])
    op.create_index("ix_track_records_track", "track_records", ["camera_id", "track_started_at", "track_id"])
    op.create_table(
        "follow_chains",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("operator", sa.String(64), nullable=False),
        sa.Column("purpose", sa.String(300), nullable=False),
        sa.Column("alert_id", sa.String(40)),
        sa.Column("state", sa.String(12), nullable=False),
        sa.Column("camera_id", sa.String(64), nullable=False),
        sa.Column("track_id", sa.Integer(), nullable=False),
        sa.Column("track_started_at", TZ, nullable=False),
        sa.Column("last_seen_at", TZ, nullable=False),
        sa.Column("exit_edge", sa.String(8)),
        sa.Column("appearance", sa.LargeBinary()),
        sa.Column("appearance_model", sa.String(40)),
        sa.Column("colour_hist", sa.LargeBinary()),
        sa.Column("not_seen", sa.JSON(), nullable=False),
        sa.Column("live_link_id", sa.String(40)),
        sa.Column("started_at", TZ, nullable=False),
        sa.Column("ended_at", TZ),
        sa.Column("ended_by", sa.String(64)),
    )
    op.create_index("ix_follow_chains_operator", "follow_chains", ["operator"])
    op.create_index("ix_follow_chains_state", "follow_chains", ["state"])
    op.create_table(
        "follow_steps",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "chain_id", sa.String(40), sa.ForeignKey("follow_chains.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(12), nullable=False),
        sa.Column("camera_id", sa.String(64), nullable=False),
        sa.Column("track_id", sa.Integer()),
        sa.Column("track_started_at", TZ),
        sa.Column("record_id", sa.String(120)),
        sa.Column("seen_at", TZ, nullable=False),
        sa.Column("score", sa.Float()),
        sa.Column("rank", sa.Integer()),
        sa.Column("by", sa.String(64), nullable=False),
        sa.Column("at", TZ, nullable=False),
        sa.Column("crop_path", sa.String(200)),
        sa.Column("note", sa.Text()),
    )
    op.create_index("ix_follow_steps_chain_id", "follow_steps", ["chain_id"])
    with op.batch_alter_table("live_links") as batch:
        batch.add_column(sa.Column("follow_id", sa.String(40)))


def downgrade() -> None:
    with op.batch_alter_table("live_links") as batch:
        batch.drop_column("follow_id")
    op.drop_table("follow_steps")
    op.drop_table("follow_chains")
    op.drop_table("track_records")
