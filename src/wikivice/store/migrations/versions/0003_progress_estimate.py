"""a job's total can be an estimate (issue 11: past the REST count's cap)

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-05 07:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("fetch_jobs", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("total_is_estimate", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("fetch_jobs", schema=None) as batch_op:
        batch_op.drop_column("total_is_estimate")
