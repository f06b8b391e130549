"""SQLite's pair index: the exact total of a contacts' query of two words and what lies between
them (`summit realty`, `gmail.com`, `absentee-owner`), read from one token per pair
(`tokens.py`) instead of the trigram index's phrase: 25-50 ms at 50,000-120,000 matches in a
million contacts, against 3 ms.

Each large location's own index `contacts_fts_l{k}` has its pair index beside it,
`contacts_fts_l{k}_pairs` (contentless: a change queues the old document to take out, as for
the trigram index). Single words are left to the trigram index: their suffixes would cost
creates more than they save (one word matching 5% is counted in 7 ms there). Only the total
comes from here: pages are read as before (`sqlite.py`), and the table is kept in step with
the trigram index wherever that is written (`db/search_index.py`, `db/bulk.py`).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from typing import TYPE_CHECKING

from contactapi.db.search import tokens
from contactapi.db.search.words import FIELD_SEPARATOR

if TYPE_CHECKING:
    from contactapi.db.engine import Connection

# More terms than this in the range: the trigram index counts instead (the range's read,
# a few microseconds per term, is all that is lost).
MAX_TERMS = 64
Change = tuple[str | None, int, str]


def pairs_table(index: str) -> str:
    """The pair index beside the trigram index `index` (a `contacts_fts_l{k}`)."""
    return f"{index}_pairs"


def document(search_text: str) -> str:
    """The tokens of a search document's pairs, as the pair index holds them."""
    fields = search_text.split(FIELD_SEPARATOR)
    return " ".join(token for field in fields for token in tokens.pair_tokens(field))


async def count(conn: Connection, index: str, query: tokens.WordsQuery) -> int | None:
    """How many contacts of `index`'s location hold the pair `query`; None when its range of
    terms is wider than `MAX_TERMS`."""
    table = pairs_table(index)
    terms = await tokens.matching_terms(conn, table, query, MAX_TERMS)
    return None if terms is None else await tokens.count_rows(conn, table, terms, [])


def create(raw: sqlite3.Connection, index: str, automerge: int) -> None:
    table = pairs_table(index)
    for statement in tokens.create(table, content=False):
        raw.execute(statement)
    raw.execute(f"INSERT INTO {table}({table}, rank) VALUES ('automerge', {int(automerge)})")


def tables(index: str) -> tuple[str, str]:
    """The pair index's tables beside `index`, in the order they are dropped."""
    return tokens.terms_table(pairs_table(index)), pairs_table(index)


def apply(raw: sqlite3.Connection, index: str, changes: Iterable[Change]) -> None:
    """Writes (command, rowid, search_text) changes in order: command None adds the
    document's pairs, 'delete' takes out those of the old document (the table keeps none)."""
    table = pairs_table(index)
    raw.executemany(
        f"INSERT INTO {table}({table}, rowid, tokens) VALUES (?, ?, ?)",
        ((command, rowid, document(text)) for command, rowid, text in changes),
    )


def fill(raw: sqlite3.Connection, index: str, rows: Iterable[tuple[int, str]]) -> None:
    """Adds the pairs of (rowid, search_text) `rows`, in rowid order (FTS5 writes a segment
    whenever a rowid goes backwards)."""
    apply(raw, index, ((None, rowid, text) for rowid, text in rows))
