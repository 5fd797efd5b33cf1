"""Tenancy: which providers each project may use (provider_access)."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision: str | None = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "provider_access",
        sa.Column("project_id", sa.String(255), primary_key=True),
        sa.Column("all_providers", sa.Boolean(), nullable=False),
        sa.Column("provider_ids", sa.JSON(), nullable=False),
        sa.Column("update_time", sa.DateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("provider_access")
