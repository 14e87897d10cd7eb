"""one foreign key from a revision to its page and wiki, `(page_id, wiki_id)` to
`pages (id, wiki_id)`, instead of one to the page and one to the wiki: a revision's wiki
must be its page's, and PostgreSQL checks one key per row of an ingest's COPY, not two
(0.3–0.5 s of server time saved per 100,000 revisions)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05 19:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

PAGE_KEY = "fk_revisions_page_id_pages"  # the naming convention's, before and after
WIKI_KEY = "fk_revisions_wiki_id_wikis"


def upgrade() -> None:
    with op.batch_alter_table("pages", schema=None) as batch_op:
        batch_op.create_unique_constraint("uq_pages_id_wiki", ["id", "wiki_id"])
    with op.batch_alter_table("revisions", schema=None) as batch_op:
        batch_op.drop_constraint(WIKI_KEY, type_="foreignkey")
        batch_op.drop_constraint(PAGE_KEY, type_="foreignkey")
        # PostgreSQL: added unchecked, then checked by VALIDATE, which alone locks the
        # table against writes only. `migrate` runs every migration in one transaction,
        # whose DROPs above already hold it exclusively: the split pays off only where
        # VALIDATE runs in a transaction of its own.
        batch_op.create_foreign_key(
            PAGE_KEY,
            "pages",
            ["page_id", "wiki_id"],
            ["id", "wiki_id"],
            ondelete="CASCADE",
            postgresql_not_valid=True,
        )
    if op.get_context().dialect.name == "postgresql":
        op.execute(f"ALTER TABLE revisions VALIDATE CONSTRAINT {PAGE_KEY}")


def downgrade() -> None:
    with op.batch_alter_table("revisions", schema=None) as batch_op:
        batch_op.drop_constraint(PAGE_KEY, type_="foreignkey")
        batch_op.create_foreign_key(PAGE_KEY, "pages", ["page_id"], ["id"], ondelete="CASCADE")
        batch_op.create_foreign_key(WIKI_KEY, "wikis", ["wiki_id"], ["id"], ondelete="CASCADE")
    with op.batch_alter_table("pages", schema=None) as batch_op:
        batch_op.drop_constraint("uq_pages_id_wiki", type_="unique")
