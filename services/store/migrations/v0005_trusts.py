"""Keystone trusts: a scheduled operation keeps the trust its owner delegated to Smaug."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision: str | None = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("scheduled_operations") as batch:
        batch.add_column(sa.Column("trust_id", sa.String(64), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("scheduled_operations") as batch:
        batch.drop_column("trust_id")
