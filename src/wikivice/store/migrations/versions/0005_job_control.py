"""job control (issues 11 and 13): who cancelled a job; finished jobs found by status and
time (the inspector's lists, and pruning old failed jobs); a page's latest job

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-05 10:15:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("fetch_jobs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("cancelled_by", sa.String(length=16), nullable=True))
        batch_op.create_index(
            "ix_fetch_jobs_status_finished", ["status", "finished_at"], unique=False
        )
        batch_op.create_index("ix_fetch_jobs_page_id", ["page_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("fetch_jobs", schema=None) as batch_op:
        batch_op.drop_index("ix_fetch_jobs_page_id")
        batch_op.drop_index("ix_fetch_jobs_status_finished")
        batch_op.drop_column("cancelled_by")
