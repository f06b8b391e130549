"""The shapes shared by the search plans: a parsed list query, its result, and the SQL pieces
every plan uses (keyset cursor, order, page window).

Pages are keyset pages on (sort value, id): a page starts strictly after the cursor, so a
walk visits every contact that exists throughout it exactly once, whatever else is written
meanwhile, and a deep page costs what the first one does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, Protocol

if TYPE_CHECKING:
    from contactapi.db.engine import Row

SortField = Literal["date_added", "date_updated"]
Order = Literal["desc", "asc"]

# The walk reads up to this many times what evenly spread matches would need (and at least
# WALK_MIN_STEPS contacts) before leaving the page to the plan that reads the matches: matches
# bunched at the far end of the order (a tag given only to last year's imports) cost a
# bounded detour, not a walk through the whole location.
WALK_SLACK = 4
WALK_MIN_STEPS = 100
# Trigram indexes match nothing shorter than a trigram.
MIN_INDEXED_LENGTH = 3


@dataclass(frozen=True, slots=True)
class Cursor:
    """The page starts strictly after (value, row_id); with no id, strictly after value."""

    value: int
    row_id: str | None


class Keyset(Protocol):
    """What a keyset page of any list (contacts, opportunities) is positioned by: rows in
    (`sort`, id) order, `limit` of them after `cursor`, or numbered `page` (deprecated)."""

    @property
    def sort(self) -> str: ...
    @property
    def order(self) -> Order: ...
    @property
    def limit(self) -> int: ...
    @property
    def page(self) -> int | None: ...
    @property
    def cursor(self) -> Cursor | None: ...
    @property
    def start_after_id(self) -> str | None: ...


@dataclass(frozen=True, slots=True)
class ListQuery:
    text: str | None
    # The digits of a phone-shaped query (`888-732` -> `888732`), matched against phones.
    digits: str | None
    sort: SortField
    order: Order
    limit: int
    page: int | None
    cursor: Cursor | None
    # `startAfterId` without `startAfter`: the cursor is that contact's own position.
    start_after_id: str | None


@dataclass(frozen=True, slots=True)
class ListResult:
    rows: list[Row]
    has_more: bool
    total: int


EMPTY = ListResult([], False, 0)


class Args:
    """Positional arguments for `$n` placeholders, numbered as they are added."""

    def __init__(self, *initial: Any) -> None:
        self.values: list[Any] = list(initial)

    def add(self, value: Any) -> str:
        self.values.append(value)
        return f"${len(self.values)}"


def indexable(q: ListQuery) -> bool:
    assert q.text is not None
    return len(q.text) >= MIN_INDEXED_LENGTH and (
        q.digits is None or len(q.digits) >= MIN_INDEXED_LENGTH
    )


class PlanSql:
    """The pieces every plan shares (contacts' and opportunities'): cursor, order, window."""

    def __init__(self, q: Keyset, columns: str) -> None:
        self.q = q
        # The contact's columns, each `c.`-qualified, as a page selects them.
        self.columns = columns

    def cursor(self, args: Args, alias: str = "c") -> str:
        cursor = self.q.cursor
        if cursor is None:
            return ""
        op = "<" if self.q.order == "desc" else ">"
        column = f"{alias}.{self.q.sort}"
        if cursor.row_id is None:
            return f" AND {column} {op} {args.add(cursor.value)}"
        value, row_id = args.add(cursor.value), args.add(cursor.row_id)
        return f" AND ({column}, {alias}.id) {op} ({value}, {row_id})"

    def order_by(self, alias: str = "c") -> str:
        direction = "DESC" if self.q.order == "desc" else "ASC"
        return f" ORDER BY {alias}.{self.q.sort} {direction}, {alias}.id {direction}"

    def window(self, args: Args) -> str:
        """One row more than the page: whether a next page exists, without counting."""
        sql = f" LIMIT {args.add(self.q.limit + 1)}"
        if self.q.page is not None and self.q.cursor is None:
            sql += f" OFFSET {args.add((self.q.page - 1) * self.q.limit)}"
        return sql

    def walk(self, args: Args, condition: str = "", indexed_by: str = "") -> str:
        """The page, read along the location's sort index, testing `condition`."""
        return (
            f"SELECT {self.columns} FROM contacts c{indexed_by} WHERE c.location_id = $1"
            f"{self.cursor(args)}{condition}{self.order_by()}{self.window(args)}"
        )

    def walk_end(
        self, args: Args, steps: int, table: str = "contacts", alias: str = "c", condition: str = ""
    ) -> str:
        """The key `steps` rows further along the walk of `table` under `condition` (none: the
        walk ends sooner), read from the sort index alone: where a bounded walk stops."""
        return (
            f"SELECT {alias}.{self.q.sort} AS value, {alias}.id FROM {table} {alias}"
            f" WHERE {alias}.location_id = $1{condition}{self.cursor(args, alias)}"
            f"{self.order_by(alias)} LIMIT 1 OFFSET {args.add(steps)}"
        )

    def until(self, args: Args, end: Row | None, alias: str = "c") -> str:
        """The walk's condition to stop at `end` (a `walk_end` key), that key included."""
        if end is None:
            return ""
        op = ">=" if self.q.order == "desc" else "<="
        value, row_id = args.add(end["value"]), args.add(end["id"])
        return f" AND ({alias}.{self.q.sort}, {alias}.id) {op} ({value}, {row_id})"


def scan_test(q: ListQuery, args: Args, find: str) -> str:
    """The search's test of one contact's document, with `find` the database's substring
    position function (instr, strpos): exactly what every index plan matches."""
    assert q.text is not None
    test = f"{find}(c.search_text, {args.add(q.text)}) > 0"
    if q.digits:
        test += f" OR {find}(c.search_phone, {args.add(q.digits)}) > 0"
    return test


def walk_length(q: Keyset, size: int, total: int) -> int | None:
    """How many contacts a walk along the sort index reads to fill the page when `total` of
    the location's `size` are spread evenly along it; None for a numbered page (an OFFSET)."""
    if q.page is not None and q.cursor is None:
        return None
    return (q.limit + 1) * size // max(total, 1)


def walk_budget(length: int) -> int:
    """How far a bounded walk expected to read `length` contacts may go."""
    return WALK_SLACK * length + WALK_MIN_STEPS


def page(q: Keyset, rows: list[Row], total: int) -> ListResult:
    return ListResult(rows[: q.limit], len(rows) > q.limit, total)
