"""SQLite's word index for opportunities: the exact total of a query of one or two words
(`kitchen`, `kitchen deck`) in a pipeline, with its status and stage filters, read from
tokens (`tokens.py`) instead of the trigram index: its phrase costs per trigram per match
(95 ms for a word 19% of a million hold), and it holds no filter, so a status cost a row read
per match (500 ms).

Each large location's own index `opportunities_fts_l{k}` has this one beside it,
`opportunities_fts_l{k}_words`: the suffixes and pairs of the opportunity's name and its
contact's document, and one token per filter: `1` and the status, `2` and the stage id, `3`
and the pipeline id (the ids' UTF-8 in hex). It keeps no copy of them (that cost 500 MB per
million opportunities): the trigram index keeps the filters beside the documents, so when an
opportunity's documents, status, stage or pipeline change (the triggers of migrations 0012
and 0019), the tokens of what it kept are taken out and the new ones added
(`opportunities.py`).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from contactapi.db.search import tokens
from contactapi.db.search.words import FIELD_SEPARATOR

if TYPE_CHECKING:
    from contactapi.db.engine import Connection

# A word's range of suffixes may be wide (`com`: `com`, `comcast`, `community`, ...): past
# this many terms the trigram index counts instead.
MAX_TERMS = 256
FILTER_PREFIXES = {"status": "1", "stage_id": "2", "pipeline_id": "3"}
Row = Sequence[str | int | None]


def words_table(index: str) -> str:
    return f"{index}_words"


def tables(index: str) -> list[str]:
    """The word index's tables beside `index`, in the order they are dropped."""
    return [tokens.terms_table(words_table(index)), words_table(index)]


def filter_token(column: str, value: str) -> str:
    return FILTER_PREFIXES[column] + value.encode().hex()


def document(row: Row) -> str:
    """The tokens of an opportunity: `row` is what its trigram index is written from (rowid,
    name's and contact's documents, phone digits, status, stage, pipeline)."""
    _, name, contact, _, status, stage_id, pipeline_id = row
    found: set[str] = set()
    for field in (str(name or ""), *str(contact or "").split(FIELD_SEPARATOR)):
        found.update(tokens.suffix_tokens(field))
        found.update(tokens.pair_tokens(field))
    for column, value in (("status", status), ("stage_id", stage_id),
                          ("pipeline_id", pipeline_id)):  # fmt: skip
        if value is not None:
            found.add(filter_token(column, str(value)))
    return " ".join(sorted(found))


async def count(
    conn: Connection,
    index: str,
    query: tokens.WordsQuery,
    filters: Iterable[tuple[str, str]],
) -> int | None:
    """How many opportunities of `index`'s location hold the query and have every (column,
    value) of `filters`; None when its range of terms is wider than `MAX_TERMS`."""
    table = words_table(index)
    terms = await tokens.matching_terms(conn, table, query, MAX_TERMS)
    if terms is None:
        return None
    required = [filter_token(column, value) for column, value in filters]
    return await tokens.count_rows(conn, table, terms, required)


def write(raw: sqlite3.Connection, index: str, rows: Iterable[Row], command: str | None) -> None:
    """Adds the tokens of `rows` (command None), or takes them out ('delete': the table keeps
    none, so they are made again from the values they were made from)."""
    table = words_table(index)
    raw.executemany(
        f"INSERT INTO {table}({table}, rowid, tokens) VALUES (?, ?, ?)",
        ((command, row[0], document(row)) for row in rows),
    )


def build(raw: sqlite3.Connection, index: str, rows: Iterable[Row]) -> None:
    """Creates the word index beside `index` and fills it with `rows` (in rowid order: FTS5
    writes a segment whenever a rowid goes backwards), in the caller's transaction."""
    table = words_table(index)
    for statement in tokens.create(table, content=False):
        raw.execute(statement)
    write(raw, index, rows, None)
    raw.execute(f"INSERT INTO {table}({table}) VALUES ('optimize')")
