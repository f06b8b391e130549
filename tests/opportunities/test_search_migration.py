"""Migration 0012 on SQLite: existing opportunities get their contact's search document, and a
location already past the threshold gets its index at once (and 0019 its word index);
downgrading takes it all away."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

from alembic import command

from contactapi.db.migrate import alembic_config
from contactapi.db.search import opportunity_words
from contactapi.db.search.opportunities import own_index_table
from contactapi.settings import Settings

BIG = 20_003


def test_0012_fills_documents_and_indexes_large_locations_and_back(tmp_path: Path) -> None:
    path = tmp_path / "opportunities.db"
    config = alembic_config(Settings(database_url=f"sqlite:///{path}"))
    command.upgrade(config, "0011")
    with closing(sqlite3.connect(path, isolation_level=None)) as conn:
        for location in ("big", "small"):
            conn.execute(
                "INSERT INTO locations (id, name, allow_duplicate_contacts, country, created_at)"
                " VALUES (?, ?, 0, 'US', 0)",
                (location, location),
            )
            conn.execute(
                "INSERT INTO contacts (location_id, id, dnd, type, tags, date_added,"
                " date_updated, search_text, search_phone) VALUES (?, 'c', 0, 'lead', '[]', 0, 0,"
                " ?, '15550001')",
                (location, f"ada {location}quill"),
            )
            conn.execute(
                "INSERT INTO pipelines (location_id, id, name, created_at) VALUES (?, 'p', 'P', 0)",
                (location,),
            )
            conn.execute(
                "INSERT INTO pipeline_stages (location_id, id, pipeline_id, name, position)"
                " VALUES (?, 's', 'p', 'S', 0)",
                (location,),
            )
            count = BIG if location == "big" else 5
            conn.execute(
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)"
                " INSERT INTO opportunities (location_id, id, pipeline_id, stage_id, contact_id,"
                " name, search_text, monetary_value, status, last_status_change_at, created_at,"
                " updated_at) SELECT ?, 'o' || i, 'p', 's', 'c', 'Deal ' || i, 'deal ' || i, 0,"
                " 'open', i, i, i FROM n",
                (count, location),
            )
    command.upgrade(config, "head")
    with closing(sqlite3.connect(path)) as conn:
        documents = conn.execute(
            "SELECT location_id, contact_search_text, contact_search_phone, count(*)"
            " FROM opportunities GROUP BY 1, 2, 3 ORDER BY 1"
        ).fetchall()
        assert documents == [
            ("big", "ada bigquill", "15550001", BIG),
            ("small", "ada smallquill", "15550001", 5),
        ]
        registry = conn.execute("SELECT k, location_id FROM opportunities_fts_locations")
        (k, location_id), *others = registry.fetchall()
        assert (location_id, others) == ("big", [])
        table = own_index_table(k)
        assert _matched(conn, table, '{search_text contact_search_text} : "bigquill"') == BIG
        # deal 2, 2x, 2xx, 2xxx and 20000..20003.
        assert _matched(conn, table, '"deal 2"') == 1 + 10 + 100 + 1000 + 4
        # 0019: the word index beside it, with the pipeline as a token.
        pipeline = opportunity_words.filter_token("pipeline_id", "p")
        words = opportunity_words.words_table(table)
        assert _matched(conn, words, f'"quill" AND "{pipeline}"') == BIG
    command.downgrade(config, "0011")
    with closing(sqlite3.connect(path)) as conn:
        names = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
        assert not {n for n in names if n.startswith("opportunities_fts")}
        columns = {row[1] for row in conn.execute("PRAGMA table_info(opportunities)")}
        assert "contact_search_text" not in columns
    command.upgrade(config, "head")


def _matched(conn: sqlite3.Connection, table: str, match: str) -> int:
    return int(conn.execute(f"SELECT count(*) FROM {table}(?)", (match,)).fetchone()[0])
