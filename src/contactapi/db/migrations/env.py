"""Alembic environment: batch mode on SQLite (it cannot ALTER most things in place)."""

from __future__ import annotations

from typing import Any

from alembic import context
from sqlalchemy import create_engine, event

from contactapi.db.schema import metadata

# A copy of contactapi.db.engine.SQLITE_BUSY_TIMEOUT_MS, kept here so the migration environment
# does not depend on the engine module.
SQLITE_BUSY_TIMEOUT_MS = 10_000

# Objects that live beside the metadata on purpose: search indexes built by raw DDL.
UNMANAGED_PREFIXES = ("contacts_fts", "opportunities_fts", "search_kept")


def include_name(name: str | None, type_: str, parent_names: Any) -> bool:
    if type_ in ("table", "index") and name and name.startswith(UNMANAGED_PREFIXES):
        return False
    return not (
        type_ == "index"
        and name
        and name.startswith(("ix_contacts_search_", "ix_opportunities_search_"))
    )


def run_migrations_online() -> None:
    url = context.config.get_main_option("sqlalchemy.url")
    assert url is not None
    engine = create_engine(url)
    is_sqlite = engine.dialect.name == "sqlite"
    if is_sqlite:

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn: Any, _record: Any) -> None:
            cursor = dbapi_conn.cursor()
            cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.close()
            # The driver would commit before each DDL statement: a migration stopped midway
            # (a SIGTERM, a crash) would leave half a schema behind. SQLite's DDL is
            # transactional; the transaction is begun here instead (SQLAlchemy's recipe).
            dbapi_conn.isolation_level = None

        @event.listens_for(engine, "begin")
        def _begin(conn: Any) -> None:
            # IMMEDIATE: of several processes starting at once, one migrates, the others wait.
            conn.exec_driver_sql("BEGIN IMMEDIATE")

    with engine.connect() as connection:
        if not is_sqlite:
            # Several processes may start at once: one migrates, the others wait.
            connection.exec_driver_sql("SELECT pg_advisory_lock(7262851)")
            connection.commit()
        context.configure(
            connection=connection,
            target_metadata=metadata,
            render_as_batch=is_sqlite,
            include_name=include_name,
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        if not is_sqlite:
            connection.exec_driver_sql("SELECT pg_advisory_unlock(7262851)")
            connection.commit()
    engine.dispose()


run_migrations_online()
