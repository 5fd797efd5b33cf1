"""Tenancy: per-project bank accounts on providers' banks (bank_accounts)."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision: str | None = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "bank_accounts",
        sa.Column("provider_id", sa.String(255), primary_key=True),
        sa.Column("project_id", sa.String(255), primary_key=True),
        sa.Column("backend", sa.String(32), nullable=False),
        sa.Column("location", sa.JSON(), nullable=False),
        sa.Column("access_key_id", sa.String(255), nullable=False),
        sa.Column("sealed_secret", sa.Text(), nullable=False),
        sa.Column("encrypted", sa.Boolean(), nullable=False),
        sa.Column("create_time", sa.DateTime(), nullable=False),
        sa.Column("update_time", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_bank_accounts_project_id", "bank_accounts", ["project_id"])


def downgrade() -> None:
    op.drop_index("ix_bank_accounts_project_id", table_name="bank_accounts")
    op.drop_table("bank_accounts")
