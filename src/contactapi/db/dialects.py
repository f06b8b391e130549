"""Every difference in SQL between SQLite and PostgreSQL, as one object per database.

The database is chosen once, at start; its connections carry its `Dialect`, and code outside
`db/` asks that object for the fragment it needs instead of asking which database it is on
(the model is Prefect's `query_components`). The search plans, the largest difference, live in
modules of their own (`db/search/`).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import orjson

from contactapi.db.search import opportunities as opportunity_search
from contactapi.db.search import postgresql as postgres_search
from contactapi.db.search import sqlite as sqlite_search
from contactapi.db.search.query import ListQuery, ListResult

if TYPE_CHECKING:
    from contactapi.db.engine import Connection

# A search plan: (connection, location id, query, the page's columns) -> the page and total.
SearchPlan = Callable[["Connection", str, ListQuery, str], Awaitable[ListResult]]
# Drops what a location's search holds of its own: (connection, location id).
SearchIndexDrop = Callable[["Connection", str], Awaitable[None]]
# A page of a pipeline's opportunities matching `query`, or None: scan the location instead.
OpportunityPlan = Callable[
    ["Connection", opportunity_search.OpportunitySearch], Awaitable[ListResult | None]
]

# Jobs due at `$1`: never claimed, or their lease ran out.
# Due: its time has come and no live worker holds it: the lease ran out, or the holder's last
# heartbeat is older than $2. ($1: now.)
DUE_JOBS = (
    "run_after <= $1 AND (locked_until IS NULL OR locked_until < $1 OR locked_by NOT IN"
    " (SELECT id FROM queue_workers WHERE heartbeat_at >= $2))"
)


class Dialect(ABC):
    """What differs; one instance per database (`SQLITE`, `POSTGRESQL`)."""

    name: str
    # A row's physical address, for deleting a bounded batch of rows (`WHERE <it> IN (SELECT
    # <it> ... LIMIT n)`) from a table of any key.
    row_address: str
    # Row locks for the rest of the transaction, appended to a SELECT.
    for_update: str
    for_share: str
    # The lock a foreign key takes: the row can't be deleted, but may be updated.
    for_key_share: str
    # Whether a WITH may hold INSERTs: then writes that depend on a read share its statement
    # (a round trip fewer); SQLite runs them one after the other, in process.
    writes_in_with: bool
    # Whether a write transaction holds the whole database's write lock: what it finds absent
    # stays absent until it ends, unless it writes it.
    serial_writes: bool
    # The claim of due jobs, stamping `locked_until` and `locked_by`: `$1` now, `$2` the
    # oldest heartbeat of a live worker, `$3` batch size, `$4` lease, `$5` the worker's id.
    claim_jobs: str
    # How often an idle queue worker looks for jobs another process may have queued.
    job_poll_seconds: float
    # A page of a location's contacts matching a list query (`db/search/`).
    list_contacts: SearchPlan
    # When a location is deleted or emptied, in its write transaction (`db/search/`).
    drop_search_index: SearchIndexDrop
    # A bulk write (an import): rows per transaction, and transactions under way at once.
    bulk_rows: int
    bulk_transactions: int
    # The same for opportunities (`db/search/opportunities.py`).
    search_opportunities: OpportunityPlan
    drop_opportunity_index: SearchIndexDrop

    @abstractmethod
    def json(self, text_expression: str) -> str:
        """A JSON document stored as text, read as JSON."""

    @abstractmethod
    def json_object(self, *pairs: str) -> str:
        """A JSON object of `pairs` (key expression, value expression, ...)."""

    @abstractmethod
    def json_array(self, element: str, source: str, order_by: str) -> str:
        """A scalar subquery: the JSON array, as text, of `element` for each row of `source`
        (`FROM ... WHERE ...`), ordered by `order_by`; `[]` when there is none."""

    @abstractmethod
    def text_list(self, placeholder: str) -> str:
        """A FROM item whose column `name` holds each string of the list parameter
        `placeholder` (passed as `list_arg(values)`)."""

    @abstractmethod
    def list_arg(self, values: Sequence[str]) -> Any:
        """`values` as the one parameter `text_list` reads."""

    @abstractmethod
    def json_rows(self, placeholder: str, columns: Mapping[str, str]) -> str:
        """A FROM item `v` with `columns` (name: SQL type, `text` or `bigint`), one row per
        object of the JSON array `placeholder` (passed as `json_rows_arg(rows)`): many rows'
        new values in one statement, where SQLite would run a statement per row."""

    @abstractmethod
    def contains(self, haystack: str, needle: str) -> str:
        """Whether the text `haystack` holds `needle` (case-sensitive; no pattern syntax)."""

    def json_rows_arg(self, rows: Sequence[Mapping[str, Any]]) -> str:
        return orjson.dumps(list(rows)).decode()


class SQLiteDialect(Dialect):
    name = "sqlite"
    # No row locks to take: SQLite's write transactions run one at a time (BEGIN IMMEDIATE).
    row_address = "rowid"
    for_update = for_share = for_key_share = ""
    writes_in_with = False
    serial_writes = True
    claim_jobs = (
        "UPDATE jobs SET locked_until = $4, locked_by = $5, attempts = attempts + 1 WHERE id IN"
        f" (SELECT id FROM jobs WHERE {DUE_JOBS} ORDER BY run_after, id LIMIT $3)"
        " RETURNING id, location_id, kind, payload, attempts"
    )
    # Other processes can't signal a SQLite worker: it polls often (a cheap read).
    job_poll_seconds = 0.1
    # Small transactions, several at once: those ready together share one commit (group
    # commit), each in its own savepoint, and a savepoint's every write costs more the more it
    # holds (the statement journal): 1,000 contacts in one cost four times 100 in each.
    bulk_rows, bulk_transactions = 100, 8
    list_contacts = staticmethod(sqlite_search.list_contacts)
    drop_search_index = staticmethod(sqlite_search.drop_own_index)
    search_opportunities = staticmethod(opportunity_search.search_sqlite)
    drop_opportunity_index = staticmethod(opportunity_search.drop_own_index)

    def json(self, text_expression: str) -> str:
        return f"json({text_expression})"

    def json_object(self, *pairs: str) -> str:
        return f"json_object({', '.join(pairs)})"

    def json_array(self, element: str, source: str, order_by: str) -> str:
        # json_group_array keeps the order of the rows it is given; json() marks each element
        # as JSON again (the subquery's rows lose that mark).
        return (
            f"(SELECT json_group_array(json(e)) FROM"
            f" (SELECT {element} AS e {source} ORDER BY {order_by}))"
        )

    def text_list(self, placeholder: str) -> str:
        return f"(SELECT value AS name FROM json_each({placeholder}))"

    def contains(self, haystack: str, needle: str) -> str:
        return f"instr({haystack}, {needle}) > 0"

    def list_arg(self, values: Sequence[str]) -> Any:
        return orjson.dumps(list(values)).decode()

    def json_rows(self, placeholder: str, columns: Mapping[str, str]) -> str:
        picked = ", ".join(f"json_extract(value, '$.{name}') AS {name}" for name in columns)
        return f"(SELECT {picked} FROM json_each({placeholder})) AS v"


class PostgresDialect(Dialect):
    name = "postgresql"
    row_address = "ctid"
    for_update = " FOR UPDATE"
    for_share = " FOR SHARE"
    for_key_share = " FOR KEY SHARE"
    writes_in_with = True
    serial_writes = False
    claim_jobs = (
        "WITH next AS (SELECT id FROM jobs WHERE"
        f" {DUE_JOBS} ORDER BY run_after, id LIMIT $3 FOR UPDATE SKIP LOCKED)"
        " UPDATE jobs SET locked_until = $4, locked_by = $5, attempts = jobs.attempts + 1"
        " FROM next"
        " WHERE jobs.id = next.id"
        " RETURNING jobs.id, jobs.location_id, jobs.kind, jobs.payload, jobs.attempts"
    )
    # LISTEN wakes a PostgreSQL worker; the poll only covers a lost notification.
    job_poll_seconds = 0.5
    # One at a time: 8 transactions of 100 at once were slower here (5,000 contacts in 34-36 s,
    # against 20-29 s for one of 1,000 at a time): a location's inserts wait on each other.
    bulk_rows, bulk_transactions = 1000, 1
    list_contacts = staticmethod(postgres_search.list_contacts)
    drop_search_index = staticmethod(postgres_search.drop_own_index)
    search_opportunities = staticmethod(opportunity_search.search_postgres)
    drop_opportunity_index = staticmethod(opportunity_search.drop_kept_counts)

    def json(self, text_expression: str) -> str:
        return f"({text_expression})::json"

    def json_object(self, *pairs: str) -> str:
        return f"json_build_object({', '.join(pairs)})"

    def json_array(self, element: str, source: str, order_by: str) -> str:
        return f"(SELECT coalesce(json_agg({element} ORDER BY {order_by}), '[]')::text {source})"

    def text_list(self, placeholder: str) -> str:
        return f"unnest({placeholder}::text[]) AS name"

    def contains(self, haystack: str, needle: str) -> str:
        return f"strpos({haystack}, {needle}) > 0"

    def list_arg(self, values: Sequence[str]) -> Any:
        return list(values)

    def json_rows(self, placeholder: str, columns: Mapping[str, str]) -> str:
        typed = ", ".join(f"{name} {kind}" for name, kind in columns.items())
        return f"json_to_recordset({placeholder}::json) AS v({typed})"


SQLITE = SQLiteDialect()
POSTGRESQL = PostgresDialect()
