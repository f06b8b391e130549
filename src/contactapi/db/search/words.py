"""PostgreSQL's word index (migration 0014): the exact total of a query many contacts match,
counted from postings instead of rechecking every trigram match on its heap page.

A word is a run of letters a-z in one field of a search document, or two such runs that follow
each other there, with the characters between them (`summit realty`, `gmail.com`). Digits,
and every other character, separate runs; the migration's `contacts_fts_words_of` cuts
documents, `word_query` cuts queries, with the same classes.

Why the postings of the vocabulary words that contain the query are exactly its matches: take
a query of letters and separators (no digit) that starts and ends with a letter.
- One run (`smith`): each place a field holds it lies inside one run of letters of that field,
  which is a word; and a word that holds it puts it in the field.
- Two runs and the separators between them (`gmail.com`): where a field holds it, its first
  run ends a run of the field (a separator follows), its second starts the next run, and what
  lies between is the query's separators exactly. So a pair-word holds it; and a pair-word's one
  gap can hold the query's separators only where they line up with it.
Anything else (a digit, a leading or trailing separator, three runs or more, under three
characters, the fields' own separator) goes to the trigram plan.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from contactapi.db.engine import Connection
    from contactapi.db.search.query import Args

# Separates a search document's fields (`contacts/document.py`), so no match spans two.
FIELD_SEPARATOR = "\x1f"
# A run and the separators after it, as the migration's function cuts a document's fields.
RUN = re.compile(r"([a-z]+|[0-9]+)([^a-z0-9]*)")
_DIGIT = re.compile(r"[0-9]")
# The vocabulary's trigram index finds nothing shorter.
MIN_LENGTH = 3


@dataclass(frozen=True, slots=True)
class WordQuery:
    # LIKE pattern over vocabulary words.
    pattern: str
    # Whether it looks for pair-words (two runs) or single ones.
    pair: bool


def word_query(text: str, like_pattern: str) -> WordQuery | None:
    """How the word index answers the (lower-cased) query `text`, or None if it cannot."""
    if len(text) < MIN_LENGTH or _DIGIT.search(text) or not ("a" <= text[0] <= "z"):
        return None
    if not text.isprintable():  # the fields' separator, U+001F: no word spans two fields
        return None
    runs = RUN.findall(text)
    if len(runs) > 2 or runs[-1][1]:
        return None
    return WordQuery(like_pattern, pair=len(runs) == 2)


async def matched_words(conn: Connection, location_id: str, query: WordQuery) -> list[str]:
    rows = await conn.fetch_all(
        "SELECT DISTINCT word FROM contacts_fts_vocabulary"
        " WHERE location_id = $1 AND pair = $2 AND word LIKE $3",
        location_id,
        query.pair,
        query.pattern,
    )
    return [row["word"] for row in rows]


async def count_holders(
    conn: Connection, postings: str, holder: str, args: Args, condition: str, words: list[str]
) -> int:
    """How many `holder`s of `postings` (a word index) hold any of `words`, under
    `condition` (`$1` the location, then `args`), from the postings' index alone."""
    if not words:
        return 0
    if len(words) == 1:  # one word: each holds it once
        sql = f"SELECT count(*) FROM {postings} WHERE location_id = $1{condition}"
        return int(await conn.fetch_value(f"{sql} AND word = {args.add(words[0])}", *args.values))
    sql = (
        f"SELECT count(*) FROM (SELECT DISTINCT {holder} FROM {postings}"
        f" WHERE location_id = $1{condition} AND word = ANY({args.add(words)})) m"
    )
    return int(await conn.fetch_value(sql, *args.values))


async def forget_location(conn: Connection, location_id: str) -> None:
    """A purged location's vocabulary (its postings went with its contacts)."""
    await conn.execute("DELETE FROM contacts_fts_vocabulary WHERE location_id = $1", location_id)
