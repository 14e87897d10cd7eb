"""Alembic environment: migrations run on the connection that
`wikivice.store.database.migrate` passes in."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from wikivice.store.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        # `alembic` command line: needs sqlalchemy.url in the config.
        engine = create_engine(config.get_main_option("sqlalchemy.url") or "")
        with engine.begin() as conn:
            _run(conn)
        return
    _run(connection)


def _run(connection: object) -> None:
    context.configure(
        connection=connection,  # type: ignore[arg-type]
        target_metadata=target_metadata,
        render_as_batch=True,  # SQLite cannot ALTER most things: recreate tables instead
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
