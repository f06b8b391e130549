"""Every plan a search may take, forced: each must answer exactly what the scan answers."""

from __future__ import annotations

import pytest

from contactapi.db.search import pairs
from contactapi.db.search import postgresql as postgres_search
from contactapi.db.search import query as search_query
from contactapi.db.search import sqlite as sqlite_search

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
PLANS = ["default", "scan", "index-keys", "index-walk", "walk-tested", "walk-cut-short"]


def force_plan(monkeypatch: pytest.MonkeyPatch, plan: str) -> None:
    if plan == "default":
        return
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
