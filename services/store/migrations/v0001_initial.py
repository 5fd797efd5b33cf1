"""Initial schema: plans, triggers, scheduled operations, restores, verifications, operation
logs, quotas and the service registry."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision: str | None = None
branch_labels = None
depends_on = None


def _times() -> list[sa.Column[object]]:
    return [
        sa.Column("create_time", sa.DateTime(), nullable=False),
        sa.Column("update_time", sa.DateTime(), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "plans",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("project_id", sa.String(255), nullable=False, index=True),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("description", sa.String(255), nullable=False),
        sa.Column("provider_id", sa.String(255), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("resources", sa.JSON(), nullable=False),
        sa.Column("parameters", sa.JSON(), nullable=False),
        *_times(),
    )
    op.create_table(
        "triggers",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("project_id", sa.String(255), nullable=False, index=True),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("type", sa.Integer(), nullable=False),
        sa.Column("format", sa.Integer(), nullable=False),
        sa.Column("pattern", sa.Text(), nullable=False),
        sa.Column("start_time", sa.DateTime(), nullable=False),
        sa.Column("end_time", sa.DateTime(), nullable=True),
        sa.Column("window_seconds", sa.Integer(), nullable=False),
        sa.Column("next_fire_time", sa.DateTime(), nullable=True),
        *_times(),
    )
    op.create_table(
        "scheduled_operations",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("project_id", sa.String(255), nullable=False, index=True),
        sa.Column("user_id", sa.String(255), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("description", sa.String(255), nullable=False),
        sa.Column("operation_type", sa.Integer(), nullable=False),
        sa.Column("trigger_id", sa.String(36), nullable=False, index=True),
        sa.Column("provider_id", sa.String(255), nullable=False),
        sa.Column("plan_id", sa.String(36), nullable=False),
        sa.Column("max_backups", sa.Integer(), nullable=False),
        sa.Column("retention_duration_days", sa.Integer(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        *_times(),
    )
    op.create_table(
        "scheduled_operation_runs",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("scheduled_operation_id", sa.String(36), nullable=False, index=True),
        sa.Column("expected_time", sa.DateTime(), nullable=False),
        sa.Column("triggered_time", sa.DateTime(), nullable=True),
        sa.Column("start_time", sa.DateTime(), nullable=True),
        sa.Column("end_time", sa.DateTime(), nullable=True),
        sa.Column("state", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("checkpoint_id", sa.String(36), nullable=False),
    )
    for table, extra in (
        ("restores", [sa.Column("restore_target", sa.Text(), nullable=False)]),
        ("verifications", []),
    ):
        op.create_table(
            table,
            sa.Column("id", sa.String(36), primary_key=True),
            sa.Column("project_id", sa.String(255), nullable=False, index=True),
            sa.Column("provider_id", sa.String(255), nullable=False),
            sa.Column("checkpoint_id", sa.String(255), nullable=False),
            *extra,
            sa.Column("parameters", sa.JSON(), nullable=False),
            sa.Column("status", sa.Integer(), nullable=False),
            sa.Column("status_reason", sa.Text(), nullable=False),
            sa.Column("resource_states", sa.JSON(), nullable=False),
            sa.Column("progress", sa.JSON(), nullable=False),
            *_times(),
            sa.Column("end_time", sa.DateTime(), nullable=True),
        )
    op.create_table(
        "operation_logs",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("project_id", sa.String(255), nullable=False, index=True),
        sa.Column("operation_type", sa.Integer(), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("checkpoint_id", sa.String(255), nullable=False),
        sa.Column("plan_id", sa.String(36), nullable=False),
        sa.Column("provider_id", sa.String(255), nullable=False),
        sa.Column("restore_id", sa.String(36), nullable=False),
        sa.Column("verification_id", sa.String(36), nullable=False),
        sa.Column("scheduled_operation_id", sa.String(36), nullable=False),
        sa.Column("start_time", sa.DateTime(), nullable=False),
        sa.Column("end_time", sa.DateTime(), nullable=True),
        sa.Column("error_info", sa.Text(), nullable=False),
        sa.Column("extra_info", sa.JSON(), nullable=True),
    )
    op.create_table(
        "quotas",
        sa.Column("project_id", sa.String(255), primary_key=True),
        sa.Column("resource", sa.String(64), primary_key=True),
        sa.Column("hard_limit", sa.BigInteger(), nullable=False),
    )
    op.create_table(
        "quota_classes",
        sa.Column("class_name", sa.String(255), primary_key=True),
        sa.Column("resource", sa.String(64), primary_key=True),
        sa.Column("hard_limit", sa.BigInteger(), nullable=False),
    )
    op.create_table(
        "quota_usages",
        sa.Column("project_id", sa.String(255), primary_key=True),
        sa.Column("resource", sa.String(64), primary_key=True),
        sa.Column("in_use", sa.BigInteger(), nullable=False),
        sa.Column("reserved", sa.BigInteger(), nullable=False),
    )
    op.create_table(
        "reservations",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("project_id", sa.String(255), nullable=False),
        sa.Column("resource", sa.String(64), nullable=False),
        sa.Column("delta", sa.BigInteger(), nullable=False),
        sa.Column("create_time", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "services",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("binary", sa.String(255), nullable=False),
        sa.Column("host", sa.String(255), nullable=False),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.Column("disabled_reason", sa.String(255), nullable=False),
        sa.Column("heartbeat_time", sa.DateTime(), nullable=False),
        *_times(),
        sa.UniqueConstraint("binary", "host", name="uq_services_binary_host"),
    )


def downgrade() -> None:
    for table in (
        "services",
        "reservations",
        "quota_usages",
        "quota_classes",
        "quotas",
        "operation_logs",
        "verifications",
        "restores",
        "scheduled_operation_runs",
        "scheduled_operations",
        "triggers",
        "plans",
    ):
        op.drop_table(table)
