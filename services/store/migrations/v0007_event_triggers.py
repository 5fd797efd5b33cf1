"""Event triggers: a trigger's event rule, the events recorded on triggers (unique per trigger
and event key, so a redelivered notification or retried call counts once), the firings that
coalesce them, the firing a scheduled-operation claim and run belong to, the destination of
copy operations, and an index for finding a plan's new checkpoints in the operation logs."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision: str | None = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("triggers", sa.Column("event", sa.JSON(), nullable=True))
    op.create_table(
        "trigger_firings",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("trigger_id", sa.String(36), nullable=False, index=True),
        sa.Column("project_id", sa.String(255), nullable=False),
        sa.Column("state", sa.Integer(), nullable=False),
        sa.Column("first_event_time", sa.DateTime(), nullable=False),
        sa.Column("last_event_time", sa.DateTime(), nullable=False),
        sa.Column("fire_time", sa.DateTime(), nullable=False),
        sa.Column("fired_time", sa.DateTime(), nullable=True),
        sa.Column("event_count", sa.Integer(), nullable=False),
        sa.Index("ix_trigger_firings_state_fire_time", "state", "fire_time"),
    )
    op.create_table(
        "trigger_events",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("trigger_id", sa.String(36), nullable=False),
        sa.Column("event_key", sa.String(300), nullable=False),
        sa.Column("firing_id", sa.String(36), nullable=False, index=True),
        sa.Column("source", sa.Integer(), nullable=False),
        sa.Column("event_type", sa.String(255), nullable=False),
        sa.Column("receive_time", sa.DateTime(), nullable=False, index=True),
        sa.Column("event_time", sa.DateTime(), nullable=False),
        sa.Column("project_id", sa.String(255), nullable=False),
        sa.Column("resource_type", sa.String(255), nullable=False),
        sa.Column("resource_id", sa.String(255), nullable=False),
        sa.Column("user_id", sa.String(255), nullable=False),
        sa.Column("publisher_id", sa.String(255), nullable=False),
        sa.Column("description", sa.String(255), nullable=False),
        sa.UniqueConstraint("trigger_id", "event_key", name="uq_trigger_events_key"),
    )
    op.add_column(
        "scheduled_operation_claims",
        sa.Column("firing_id", sa.String(36), nullable=True),
    )
    op.create_index(
        "ix_scheduled_operation_claims_firing_id", "scheduled_operation_claims", ["firing_id"]
    )
    op.add_column(
        "scheduled_operation_claims", sa.Column("checkpoint_ids", sa.JSON(), nullable=True)
    )
    op.add_column(
        "scheduled_operation_runs",
        sa.Column("firing_id", sa.String(36), nullable=False, server_default=""),
    )
    op.add_column(
        "scheduled_operations",
        sa.Column("destination_provider_id", sa.String(255), nullable=False, server_default=""),
    )
    op.create_index("ix_operation_logs_plan_id", "operation_logs", ["plan_id"])


def downgrade() -> None:
    op.drop_index("ix_operation_logs_plan_id", "operation_logs")
    op.drop_column("scheduled_operations", "destination_provider_id")
    op.drop_column("scheduled_operation_runs", "firing_id")
    op.drop_column("scheduled_operation_claims", "checkpoint_ids")
    op.drop_index("ix_scheduled_operation_claims_firing_id", "scheduled_operation_claims")
    op.drop_column("scheduled_operation_claims", "firing_id")
    op.drop_table("trigger_events")
    op.drop_table("trigger_firings")
    op.drop_column("triggers", "event")
