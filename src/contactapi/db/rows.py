"""Row-level SQL shared by the repositories: a location's row, by id."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from typing import Any, ClassVar

from contactapi.db.engine import Connection, Row


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


class LocationRows:
    """A table's rows of one location, by id: the base of the repositories.

    A subclass names its `table`, the `columns` a row is read and inserted with (`location_id`
    and `id` among them), and the columns `update` may set. The SQL is built once, when the
    subclass is defined."""

    table: ClassVar[str]
    columns: ClassVar[tuple[str, ...]]
    updatable: ClassVar[frozenset[str]] = frozenset()

    _select_one: ClassVar[str]
    _insert: ClassVar[str]
    _inserted: ClassVar[tuple[str, ...]]
    _delete: ClassVar[str]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if not hasattr(cls, "table"):
            return  # an intermediate base (`ContactChildRows`): its subclasses name the table
        if not {"location_id", "id"} <= set(cls.columns) or cls.updatable & {"location_id", "id"}:
            raise TypeError(f"{cls.__name__}: location_id and id are read, never updated")
        if not cls.updatable <= set(cls.columns):
            raise TypeError(f"{cls.__name__}: updatable {set(cls.updatable) - set(cls.columns)}")
        cls._select_one = (
            f"SELECT {', '.join(cls.columns)} FROM {cls.table} WHERE location_id = $1 AND id = $2"
        )
        cls._inserted = tuple(col for col in cls.columns if col != "location_id")
        cls._insert = insert_sql(cls.table, ("location_id", *cls._inserted))
        cls._delete = f"DELETE FROM {cls.table} WHERE location_id = $1 AND id = $2"

    def __init__(self, conn: Connection, location_id: str) -> None:
        self.conn = conn
        self.location_id = location_id

    async def page(
        self, order: Sequence[str], limit: int, start_after_id: str | None
    ) -> list[Row] | None:
        """Up to `limit` rows in `order` (columns ending with `id`), after the row
        `start_after_id` when given; None when no row has that id."""
        keys = ", ".join(order)
        sql = f"SELECT {', '.join(self.columns)} FROM {self.table} WHERE location_id = $1"
        args: list[Any] = [self.location_id]
        if start_after_id is not None:
            if await self.get(start_after_id) is None:
                return None
            sql += (
                f" AND ({keys}) > (SELECT {keys} FROM {self.table}"
                " WHERE location_id = $1 AND id = $2)"
            )
            args.append(start_after_id)
        sql += f" ORDER BY {keys} LIMIT {int(limit)}"
        return await self.conn.fetch_all(sql, *args)

    async def count_within(self, cap: int) -> int:
        """How many rows the location holds, counting no further than `cap`; the count stays
        true until the transaction ends (PostgreSQL: a lock per location and table), so that
        a cap is never passed by two creates at once."""
        await self.conn.lock([(self.location_id, "count", self.table)])
        return await self._count_capped("", cap)

    async def _count_capped(self, condition: str, cap: int, *args: Any) -> int:
        """The location's rows meeting `condition` (`AND ...`, placeholders from $2), counted
        no further than `cap`."""
        value = await self.conn.fetch_value(
            f"SELECT count(*) FROM (SELECT 1 FROM {self.table} WHERE location_id = $1"
            f"{condition} LIMIT {int(cap)}) capped",
            self.location_id,
            *args,
        )
        return int(value)

    async def get(self, row_id: str, *, for_update: bool = False) -> Row | None:
        """The row's `columns`; with `for_update`, row-locked until the transaction ends."""
        sql = self._select_one + self.conn.dialect.for_update if for_update else self._select_one
        return await self.conn.fetch_one(sql, self.location_id, row_id)

    async def insert(self, values: Mapping[str, Any]) -> None:
        """A new row: `values` holds every column but `location_id` (other keys are ignored)."""
        await self.conn.execute(
            self._insert, self.location_id, *(values[col] for col in self._inserted)
        )

    async def update(self, row_id: str, values: Mapping[str, Any]) -> None:
        """Sets the `values` whose keys are `updatable` columns (the rest are ignored)."""
        columns = tuple(col for col in values if col in self.updatable)
        if columns:
            await self.conn.execute(
                _update_sql(self.table, columns),
                self.location_id,
                row_id,
                *(values[col] for col in columns),
            )

    async def delete(self, row_id: str) -> bool:
        """Whether there was such a row."""
        return await self.conn.execute(self._delete, self.location_id, row_id) > 0


class ContactChildRows(LocationRows):
    """Rows that belong to one contact (notes, tasks): listed per contact in `order` (a column,
    then `id`), and counted per contact against a cap."""

    order: ClassVar[str]
    descending: ClassVar[bool] = False

    async def of_contact(self, contact_id: str, limit: int, after: Row | None) -> list[Row]:
        """Up to `limit` of the contact's rows in order, past the row `after`."""
        sql = (
            f"SELECT {', '.join(self.columns)} FROM {self.table}"
            " WHERE location_id = $1 AND contact_id = $2"
        )
        args: list[Any] = [self.location_id, contact_id]
        direction, past = ("DESC", "<") if self.descending else ("ASC", ">")
        if after is not None:
            sql += f" AND ({self.order}, id) {past} ($3, $4)"
            args += [after[self.order], after["id"]]
        sql += f" ORDER BY {self.order} {direction}, id {direction} LIMIT {int(limit)}"
        return await self.conn.fetch_all(sql, *args)

    async def count_of_contact(self, contact_id: str, cap: int) -> int:
        """How many rows the contact has, counting no further than `cap`; true until the
        transaction ends (creators of one contact's rows take turns)."""
        await self.conn.lock([(self.location_id, self.table, contact_id)])
        return await self._count_capped(" AND contact_id = $2", cap, contact_id)
