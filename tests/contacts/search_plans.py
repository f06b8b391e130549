"""Every plan a search may take, forced: each must answer exactly what the scan answers."""

from __future__ import annotations

from typing import Any

import pytest
from httpx import Response
from starlette.applications import Starlette

from contactapi.db.engine import Connection, background_jobs_done
from contactapi.db.search import kept, pairs
from contactapi.db.search import postgresql as postgres_search
from contactapi.db.search import query as search_query
from contactapi.db.search import sqlite as sqlite_search
from tests.factories import Api

NEVER, ALWAYS = 10**9, 0
# A walk cut short after this many contacts: a term most contacts match fills its page
# sooner; a rarer one is left to the other plans.
CUT_SHORT_STEPS = 40

# default: as chosen (a small location is scanned); scan: every location scanned; the others
# go through the index (SQLite's own FTS5 table; on PostgreSQL the word index for a query of
# one or two words, else the GIN, whose one plan reads the matches and sorts them):
# index-keys reads the matches and sorts them; index-walk walks the sort index keeping the
# rowids the index matched (PostgreSQL: its GIN plan); walk-tested walks it
# testing each contact as the scan does; walk-cut-short gives that walk up after
# CUT_SHORT_STEPS contacts, leaving the page to the other plans. On SQLite a query of two
# words is counted from the pair index (`pairs.py`), except under index-walk: from the trigrams.
# kept: as index-keys, and every query counted from a word index is kept (`kept.py`: on
# PostgreSQL, contacts' and opportunities'; on SQLite, opportunities') before the next request
# is sent, so later totals are the kept counts.
PLANS = ["default", "scan", "index-keys", "index-walk", "walk-tested", "walk-cut-short", "kept"]


def keep_every_query(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every total counted from a word index is kept, and each request waits for the keeping
    its previous one started."""
    monkeypatch.setattr(kept, "KEEP_FROM", 0)
    send = Api.request

    async def request_then_wait(self: Api, method: str, url: str, **kwargs: Any) -> Response:
        response = await send(self, method, url, **kwargs)
        await background_jobs_done()
        return response

    monkeypatch.setattr(Api, "request", request_then_wait)


async def kept_queries(app: Starlette, location_id: str) -> list[tuple[str, str]]:
    """The (kind, text) of the location's kept queries, oldest first."""

    async def read(conn: Connection) -> list[tuple[str, str]]:
        rows = await conn.fetch_all(
            "SELECT kind, text FROM search_kept_queries WHERE location_id = $1 ORDER BY id",
            location_id,
        )
        return [(str(row["kind"]), str(row["text"])) for row in rows]

    found: list[tuple[str, str]] = await app.state.db.run(read, write=False)
    return found


def force_plan(monkeypatch: pytest.MonkeyPatch, plan: str) -> None:
    if plan == "default":
        return
    if plan == "kept":
        keep_every_query(monkeypatch)
        plan = "index-keys"
    small = NEVER if plan == "scan" else -1
    monkeypatch.setattr(sqlite_search, "SMALL_LOCATION", small)
    monkeypatch.setattr(postgres_search, "SMALL_LOCATION", small)
    tested = ALWAYS if plan.startswith("walk-") else NEVER
    monkeypatch.setattr(sqlite_search, "ROW_TEST_IN_FTS_STEPS", tested)
    pg_walk = NEVER if plan.startswith("walk-") else ALWAYS  # the walk's length is below this
    monkeypatch.setattr(postgres_search, "WALK_STEPS_PER_MATCH", pg_walk)
    if plan == "index-walk":
        monkeypatch.setattr(pairs, "MAX_TERMS", -1)
    walk = NEVER if plan in ("index-walk", "walk-cut-short") else ALWAYS
    monkeypatch.setattr(sqlite_search, "ROW_READ_IN_INDEX_STEPS", walk)
    if plan == "walk-cut-short":
        monkeypatch.setattr(search_query, "WALK_SLACK", 0)
        monkeypatch.setattr(search_query, "WALK_MIN_STEPS", CUT_SHORT_STEPS)
