"""titles asked for and not yet looked up (issue 11: the search form answers before the
wiki does): pages.pageid may be NULL until the page's job resolves the title, and one
such row per title asked on a wiki

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05 16:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

UNRESOLVED = sa.text("pageid IS NULL")


def upgrade() -> None:
    with op.batch_alter_table("pages", schema=None) as batch_op:
        batch_op.alter_column("pageid", existing_type=sa.BigInteger(), nullable=True)
        batch_op.create_index(
            "uq_pages_wiki_asked_title",
            ["wiki_id", "title"],
            unique=True,
            sqlite_where=UNRESOLVED,
            postgresql_where=UNRESOLVED,
        )


def downgrade() -> None:
    op.execute("DELETE FROM pages WHERE pageid IS NULL")
    with op.batch_alter_table("pages", schema=None) as batch_op:
        batch_op.drop_index("uq_pages_wiki_asked_title")
        batch_op.alter_column("pageid", existing_type=sa.BigInteger(), nullable=False)
