"""Bulk loads of contacts straight into the database (`contactapi seed`), one way per database:
executemany with the FTS triggers set aside on SQLite, COPY on PostgreSQL. The search index is
complete when a load returns (on SQLite, the location's own index, once it is large enough to
have one: `db/search/sqlite.py`)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import asyncpg

from contactapi.db.engine import open_sqlite
from contactapi.db.search import pairs
from contactapi.db.search import sqlite as sqlite_search
from contactapi.db.search_index import build_own_index
from contactapi.settings import Settings

# A batch: the contacts' rows (in `columns` order) and their contact_tags rows.
Batch = tuple[list[tuple[Any, ...]], list[tuple[str, str, str]]]


@dataclass(frozen=True)
class BulkContacts:
    location_id: str
    # The contacts table's columns, search columns included, in the rows' order.
    columns: Sequence[str]
    # The location's tag names, as rows of `tags` (location_id, id, name).
    tag_names: list[tuple[str, str, str]]
    count: int
    # The batches, given how many contacts the location holds already.
    batches: Callable[[int], Iterator[Batch]]


class UnknownLocation(Exception):
    pass


def load_contacts(settings: Settings, load: BulkContacts, progress: Callable[[int], None]) -> None:
    """Loads the contacts in one transaction; `progress(done)` after each batch."""
    if settings.is_postgresql:
        asyncio.run(_load_postgresql(settings.database_url, load, progress))
    else:
        _load_sqlite(settings.sqlite_path, load, progress)


def _load_sqlite(path: str, load: BulkContacts, progress: Callable[[int], None]) -> None:
    """One transaction, holding the write lock throughout: the FTS triggers are set aside
    while the rows go in, and the new rows are indexed in one statement at the end, which
    costs a fraction of indexing them row by row."""
    # Runs in a process of its own (the CLI), not on a server's event loop.
    conn = open_sqlite(path)
    try:
        if (
            conn.execute(
                "SELECT 1 FROM locations WHERE id = ? AND deleted_at IS NULL", (load.location_id,)
            ).fetchone()
            is None
        ):
            raise UnknownLocation(load.location_id)
        # A bulk load can be repeated from scratch: no need to wait for the disk.
        conn.execute("PRAGMA synchronous = OFF")
        conn.execute("PRAGMA cache_size = -262144")
        conn.execute("BEGIN IMMEDIATE")
        existing = conn.execute(
            "SELECT count(*) AS n FROM contacts WHERE location_id = ?", (load.location_id,)
        ).fetchone()["n"]
        triggers = conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'contacts'"
            " AND name LIKE 'contacts_fts%'"
        ).fetchall()
        for trigger in triggers:
            conn.execute(f"DROP TRIGGER {trigger['name']}")
        last_rowid = conn.execute("SELECT max(rowid) AS r FROM contacts").fetchone()["r"] or 0
        conn.executemany(
            "INSERT INTO tags (location_id, id, name) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
            load.tag_names,
        )
        insert = (
            f"INSERT INTO contacts ({', '.join(load.columns)})"
            f" VALUES ({', '.join('?' for _ in load.columns)})"
        )
        done = 0
        for contacts, contact_tags in load.batches(existing):
            conn.executemany(insert, contacts)
            conn.executemany(
                "INSERT INTO contact_tags (location_id, contact_id, name) VALUES (?, ?, ?)",
                contact_tags,
            )
            done += len(contacts)
            progress(done)
        conn.execute(
            "INSERT INTO contacts_fts_locations(location_id, contacts) VALUES (?, ?)"
            " ON CONFLICT(location_id) DO UPDATE SET contacts = contacts + excluded.contacts",
            (load.location_id, load.count),
        )
        location = conn.execute(
            "SELECT k, contacts, own_index FROM contacts_fts_locations WHERE location_id = ?",
            (load.location_id,),
        ).fetchone()
        if location["own_index"]:
            index = sqlite_search.own_index_table(location["k"])
            conn.execute(
                f"INSERT INTO {index}(rowid, search_text, search_phone)"
                " SELECT rowid, search_text, search_phone FROM contacts WHERE rowid > ?",
                (last_rowid,),
            )
            new_rows = "SELECT rowid, search_text FROM contacts WHERE rowid > ? ORDER BY rowid"
            pairs.fill(conn, index, conn.execute(new_rows, (last_rowid,)))
        elif location["contacts"] > sqlite_search.SMALL_LOCATION:
            build_own_index(conn, load.location_id)
        for trigger in triggers:
            conn.execute(trigger["sql"])
        conn.execute("COMMIT")
        conn.execute("ANALYZE")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()


async def _load_postgresql(url: str, load: BulkContacts, progress: Callable[[int], None]) -> None:
    """One transaction. When the new rows outnumber the table's, the trigram GIN indexes are
    dropped for the load and built again at its end (one sort instead of a million inserts);
    meanwhile the table is locked, as any bulk load would have it."""
    conn = await asyncpg.connect(url)
    try:
        async with conn.transaction():
            if (
                await conn.fetchval(
                    "SELECT 1 FROM locations WHERE id = $1 AND deleted_at IS NULL", load.location_id
                )
                is None
            ):
                raise UnknownLocation(load.location_id)
            existing = await conn.fetchval(
                "SELECT count(*) FROM contacts WHERE location_id = $1", load.location_id
            )
            rebuilt: list[str] = []
            if load.count > await conn.fetchval("SELECT count(*) FROM contacts"):
                for index in await conn.fetch(
                    "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'contacts'"
                    " AND indexname LIKE 'ix_contacts_search_%'"
                ):
                    await conn.execute(f'DROP INDEX "{index["indexname"]}"')
                    rebuilt.append(index["indexdef"])
            await conn.executemany(
                "INSERT INTO tags (location_id, id, name) VALUES ($1, $2, $3)"
                " ON CONFLICT DO NOTHING",
                load.tag_names,
            )
            done = 0
            for contacts, contact_tags in load.batches(existing):
                await conn.copy_records_to_table(
                    "contacts", records=contacts, columns=list(load.columns)
                )
                await conn.copy_records_to_table(
                    "contact_tags", records=contact_tags,
                    columns=["location_id", "contact_id", "name"],
                )  # fmt: skip
                done += len(contacts)
                progress(done)
            await conn.execute("SET LOCAL maintenance_work_mem = '512MB'")
            for definition in rebuilt:
                await conn.execute(definition)
        # Fresh statistics for the planner, and a visibility map for index-only counts.
        await conn.execute("VACUUM ANALYZE contacts")
        await conn.execute("VACUUM ANALYZE contact_tags")
    finally:
        await conn.close()
