"""Migrations: upgrading a fresh database to head leaves no drift from the models."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

from alembic import command

from contactapi.db.migrate import alembic_config, check
from contactapi.db.search import pairs
from contactapi.db.search.sqlite import location_token, own_index_table
from contactapi.settings import Settings


def test_upgraded_database_matches_the_models(database_url: str) -> None:
    # database_url is migrated to head by the conftest fixture, on both backends.
    check(Settings(database_url=database_url))


def test_0007_gives_large_sqlite_locations_an_index_of_their_own_and_back(tmp_path: Path) -> None:
    path = tmp_path / "own.db"
    config = alembic_config(Settings(database_url=f"sqlite:///{path}"))
    command.upgrade(config, "0006")
    with closing(sqlite3.connect(path, isolation_level=None)) as conn:
        conn.execute(
            "INSERT INTO locations (id, name, allow_duplicate_contacts, country, created_at)"
            " VALUES ('big', 'Big', 0, 'US', 0), ('small', 'Small', 0, 'US', 0)"
        )
        conn.execute(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20005)"
            " INSERT INTO contacts (location_id, id, dnd, type, tags, date_added, date_updated,"
            " search_text) SELECT iif(i % 5000 = 0, 'small', 'big'), 'c' || i, 0, 'lead', '[]',"
            " i, i, 'person ' || i || iif(i % 2, ' odd one', '') FROM n"
        )
        # What 0006's write batches do before each COMMIT (db/search_index.py as it was).
        conn.execute(
            "INSERT INTO contacts_fts(contacts_fts, rowid, search_text, search_phone, loc)"
            " SELECT command, contact_rowid, search_text, search_phone, loc"
            " FROM contacts_fts_pending ORDER BY seq"
        )
        conn.execute("DELETE FROM contacts_fts_pending")
    command.upgrade(config, "head")
    with closing(sqlite3.connect(path)) as conn:
        expected = _scanned(conn, "big", "person 10")
        # 10, 10x, 10xx and 10xxx, but for c10000, the small location's.
        assert expected == 1 + 10 + 100 + 1000 - 1
        locations = dict(
            conn.execute("SELECT location_id, own_index FROM contacts_fts_locations").fetchall()
        )
        assert locations == {"big": 1, "small": 0}
        (k,) = conn.execute(
            "SELECT k FROM contacts_fts_locations WHERE location_id = 'big'"
        ).fetchone()
        table = own_index_table(k)
        assert _matched(conn, table, '"person 10"') == expected
        assert not _exists(conn, "contacts_fts")
        assert _automerge(conn, table) == "8"  # 0016
        odd = _scanned(conn, "big", "odd one")
        assert odd > 9_000
        assert _matched(conn, pairs.pairs_table(table), '"0ddo0000032one"') == odd  # 0018
    command.downgrade(config, "0015")
    with closing(sqlite3.connect(path)) as conn:
        assert _automerge(conn, table) == "4"
        assert not _exists(conn, pairs.pairs_table(table))
    command.downgrade(config, "0006")
    with closing(sqlite3.connect(path)) as conn:
        assert not _exists(conn, table)
        for (location_id,) in (("big",), ("small",)):
            (k,) = conn.execute(
                "SELECT k FROM contacts_fts_locations WHERE location_id = ?", (location_id,)
            ).fetchone()
            match = f'loc : "{location_token(k)}" AND "person 10"'
            assert _matched(conn, "contacts_fts", match) == _scanned(conn, location_id, "person 10")
    command.upgrade(config, "head")


def _automerge(conn: sqlite3.Connection, table: str) -> str | None:
    row = conn.execute(f"SELECT v FROM {table}_config WHERE k = 'automerge'").fetchone()
    return None if row is None else str(row[0])


def _scanned(conn: sqlite3.Connection, location_id: str, text: str) -> int:
    return int(
        conn.execute(
            "SELECT count(*) FROM contacts WHERE location_id = ? AND instr(search_text, ?) > 0",
            (location_id, text),
        ).fetchone()[0]
    )


def _matched(conn: sqlite3.Connection, table: str, match: str) -> int:
    return int(
        conn.execute(f"SELECT count(*) FROM {table} WHERE {table} MATCH ?", (match,)).fetchone()[0]
    )


def _exists(conn: sqlite3.Connection, table: str) -> bool:
    found = conn.execute("SELECT 1 FROM sqlite_master WHERE name = ?", (table,)).fetchone()
    return found is not None


def test_0020_adds_the_kept_counts_and_takes_them_out(tmp_path: Path) -> None:
    path = tmp_path / "kept.db"
    config = alembic_config(Settings(database_url=f"sqlite:///{path}"))
    command.upgrade(config, "head")
    names = ("search_kept_queries", "search_kept_counts", "search_kept_opportunities_update")
    with closing(sqlite3.connect(path)) as conn:
        assert all(_exists(conn, name) for name in names)
    command.downgrade(config, "0019")
    with closing(sqlite3.connect(path)) as conn:
        assert not any(_exists(conn, name) for name in names)
    command.upgrade(config, "head")
