"""Row-level SQL shared by the repositories: a location's row, by id."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from typing import Any

from contactapi.db.engine import Connection


def insert_sql(table: str, columns: Sequence[str]) -> str:
    """INSERT of one row: `columns` take $1, $2, ... in order."""
    marks = ", ".join(f"${i}" for i in range(1, len(columns) + 1))
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"


@lru_cache(maxsize=512)
def _update_sql(table: str, columns: tuple[str, ...]) -> str:
    assignments = ", ".join(f"{col} = ${i}" for i, col in enumerate(columns, start=3))
    return f"UPDATE {table} SET {assignments} WHERE location_id = $1 AND id = $2"


async def update_row(
    conn: Connection,
    table: str,
    location_id: str,
    row_id: str,
    values: Mapping[str, Any],
    updatable: Iterable[str],
) -> None:
    """Sets the `values` whose keys are `updatable` columns (the rest are ignored)."""
    allowed = frozenset(updatable)
    columns = tuple(col for col in values if col in allowed)
    if columns:
        await conn.execute(
            _update_sql(table, columns), location_id, row_id, *(values[c] for c in columns)
        )
