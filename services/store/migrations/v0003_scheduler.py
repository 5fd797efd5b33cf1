"""Scheduler: one claim row per (scheduled operation, occurrence) for exactly-once runs, and the
times from which a trigger's rule and a scheduled operation's enablement count."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision: str | None = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "scheduled_operation_claims",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("scheduled_operation_id", sa.String(36), nullable=False),
        sa.Column("occurrence_time", sa.DateTime(), nullable=False, index=True),
        sa.Column("trigger_id", sa.String(36), nullable=False),
        sa.Column("replica", sa.String(255), nullable=False),
        sa.Column("state", sa.Integer(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("claim_time", sa.DateTime(), nullable=False),
        sa.Column("heartbeat_time", sa.DateTime(), nullable=False, index=True),
        sa.Column("end_time", sa.DateTime(), nullable=True),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("checkpoint_id", sa.String(36), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.UniqueConstraint(
            "scheduled_operation_id", "occurrence_time", name="uq_claims_operation_occurrence"
        ),
    )
    op.add_column("triggers", sa.Column("rule_time", sa.DateTime(), nullable=True))
    op.add_column("scheduled_operations", sa.Column("enabled_time", sa.DateTime(), nullable=True))


def downgrade() -> None:
    op.drop_column("scheduled_operations", "enabled_time")
    op.drop_column("triggers", "rule_time")
    op.drop_table("scheduled_operation_claims")
