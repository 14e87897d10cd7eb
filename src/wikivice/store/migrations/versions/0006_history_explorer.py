"""the history explorer (issue 12 part 3): keyset paging on (page_id, ts, revid) and
(editor_id, page_id, ts, revid), and each wiki's tag display names

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05 10:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("wikis", schema=None) as batch_op:
        batch_op.add_column(sa.Column("tag_names", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("tags_checked_at", sa.Float(), nullable=True))
    # (page_id, ts, revid) serves whatever (page_id, ts) served, and orders a page of a
    # history without a sort: it replaces it, so ingest maintains no more indexes than
    # before.
    # Likewise (editor_id, page_id, ts, revid) for (editor_id): one editor's revisions of
    # one page, newest first, without walking the page (SQLite's planner has no statistics
    # to choose otherwise).
    with op.batch_alter_table("revisions", schema=None) as batch_op:
        batch_op.create_index("ix_revisions_page_ts_revid", ["page_id", "ts", "revid"])
        batch_op.drop_index("ix_revisions_page_ts")
        batch_op.create_index(
            "ix_revisions_editor_page_ts", ["editor_id", "page_id", "ts", "revid"]
        )
        batch_op.drop_index("ix_revisions_editor")


def downgrade() -> None:
    with op.batch_alter_table("revisions", schema=None) as batch_op:
        batch_op.create_index("ix_revisions_editor", ["editor_id"])
        batch_op.drop_index("ix_revisions_editor_page_ts")
        batch_op.create_index("ix_revisions_page_ts", ["page_id", "ts"])
        batch_op.drop_index("ix_revisions_page_ts_revid")
    with op.batch_alter_table("wikis", schema=None) as batch_op:
        batch_op.drop_column("tags_checked_at")
        batch_op.drop_column("tag_names")
