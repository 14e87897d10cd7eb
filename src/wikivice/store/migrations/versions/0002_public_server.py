"""a public server: politeness slots shared by the fleet; who asked for a job and its limit

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-05 06:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "wiki_slots",
        sa.Column("host", sa.String(length=255), nullable=False),
        sa.Column("slot", sa.Integer(), nullable=False),
        sa.Column("holder", sa.String(length=64), nullable=True),
        sa.Column("expires_at", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("host", "slot", name=op.f("pk_wiki_slots")),
    )
    with op.batch_alter_table("fetch_jobs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("requested_by", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("revision_limit", sa.Integer(), nullable=True))
        batch_op.create_index(
            "ix_fetch_jobs_requested_by_status", ["requested_by", "status"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("fetch_jobs", schema=None) as batch_op:
        batch_op.drop_index("ix_fetch_jobs_requested_by_status")
        batch_op.drop_column("revision_limit")
        batch_op.drop_column("requested_by")
    op.drop_table("wiki_slots")
