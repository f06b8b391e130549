"""A contact's tags: their rules, and the one component that writes them.

A contact's tags live in three places: the `tags` JSON column of its row (what answers carry,
in first-addition order), `contact_tags` (one row per tag, what tag queries use) and `tags`
(the location's tag names, each with an id). `ContactTags` keeps the last two in step with the
first; every path that changes a contact's tags (create, upsert, PUT, the tag routes) goes
through `ContactService`, which calls it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from contactapi.core import new_id, now_ms
from contactapi.db.engine import Connection
from contactapi.errors import ValidationFailed
from contactapi.validation import FieldInvalid, text

MAX_TAGS_PER_REQUEST = 1000
# Contract section 11: a contact's tags are bounded, so no request can make its writes slow.
MAX_TAGS_PER_CONTACT = 1000


def parse_tags(field: str, value: Any) -> list[str]:
    """Trimmed, lower-cased, deduplicated, empty ones dropped, in first-addition order."""
    if not isinstance(value, list):
        raise FieldInvalid(f"The {field} must be a list of strings.")
    if len(value) > MAX_TAGS_PER_REQUEST:
        raise FieldInvalid(
            f"The {field} may not have more than {MAX_TAGS_PER_REQUEST} items.", "max"
        )
    names: list[str] = []
    for item in value:
        name = text(field, item)
        if name is not None:
            names.append(name.lower())
    return merge_tags([], names)


def merge_tags(existing: Iterable[str], added: Iterable[str]) -> list[str]:
    """`existing` followed by the new names of `added`, each once."""
    merged = dict.fromkeys(existing)
    merged.update(dict.fromkeys(added))
    return list(merged)


def within_cap(names: list[str]) -> list[str]:
    """`names`, unless they are more than a contact may carry (a 422)."""
    if len(names) > MAX_TAGS_PER_CONTACT:
        raise ValidationFailed.one(
            "tags", f"A contact may not have more than {MAX_TAGS_PER_CONTACT} tags.", "max"
        )
    return names


def remove_tags(existing: Iterable[str], removed: Iterable[str]) -> list[str]:
    gone = {name.lower() for name in removed}
    return [name for name in existing if name not in gone]


# (location id, tag name) pairs known to have their `tags` row: such rows are never deleted
# (but with their location), so a name seen committed once needs no insert again. Bounded,
# and filled only after the commit, so a rolled-back insert is never remembered.
_KNOWN_NAMES: set[tuple[str, str]] = set()
_KNOWN_NAMES_MAX = 100_000


def _remember(pairs: list[tuple[str, str]]) -> None:
    if len(_KNOWN_NAMES) + len(pairs) > _KNOWN_NAMES_MAX:
        _KNOWN_NAMES.clear()
    _KNOWN_NAMES.update(pairs)


class ContactTags:
    """Writes `contact_tags` and `tags` for one location's contacts."""

    def __init__(self, conn: Connection, location_id: str) -> None:
        self.conn = conn
        self.location_id = location_id

    def insert_from_list(self, location: str, contact: str, names: str) -> str:
        """SQL adding a new contact's tag rows: `location`, `contact` and `names` (a list
        parameter, `Dialect.list_arg`) are its placeholders."""
        return (
            "INSERT INTO contact_tags (location_id, contact_id, name)"
            f" SELECT {location}, {contact}, name FROM {self.conn.dialect.text_list(names)}"
        )

    async def created(self, names: list[str]) -> None:
        """A new contact's tag names, written with it (`insert_from_list`), are the
        location's."""
        await self._record_names(names)

    async def change(self, contact_id: str, before: list[str], after: list[str]) -> None:
        """The contact's tags were `before` and are now `after`."""
        before_set, after_set = set(before), set(after)
        added = [name for name in after if name not in before_set]
        removed = [name for name in before if name not in after_set]
        if removed:
            await self.conn.execute_many(
                "DELETE FROM contact_tags WHERE location_id = $1 AND contact_id = $2 AND name = $3",
                [(self.location_id, contact_id, name) for name in removed],
            )
        if added:
            await self.conn.execute(
                # `WHERE true`: SQLite reads an ON CONFLICT straight after a FROM as a join's.
                self.insert_from_list("$1", "$2", "$3") + " WHERE true ON CONFLICT DO NOTHING",
                self.location_id,
                contact_id,
                self.conn.dialect.list_arg(added),
            )
            await self._record_names(added)

    async def hold_names(self, *names: str) -> None:
        """Serialises the transactions that create, rename or delete these tag names."""
        await self.conn.lock([(self.location_id, "tag", name) for name in names])

    async def create_tag(self, name: str) -> str:
        """The id of the location's tag `name`: made, or shown again if it was deleted. One
        statement, so a concurrent use of the name can't make it fail."""
        tag_id = await self.conn.fetch_value(
            "INSERT INTO tags (location_id, id, name) VALUES ($1, $2, $3)"
            " ON CONFLICT (location_id, name) DO UPDATE SET deleted_at = NULL RETURNING id",
            self.location_id,
            new_id(),
            name,
        )
        return str(tag_id)

    async def rename_tag(self, tag_id: str, old: str, new: str, carriers: list[str]) -> None:
        """Every contact's `old` becomes `new` (their tag rows; `ContactService` rewrites the
        contacts), and the tag keeps its id. A row stays behind for `old`, deleted: a process
        may remember that the name has a row, and then never make one when it is used again."""
        location_id = self.location_id
        # A deleted tag of that name, no contact carrying it, gives the name up.
        await self.conn.execute(
            "DELETE FROM tags WHERE location_id = $1 AND name = $2", location_id, new
        )
        await self.conn.execute(
            "UPDATE tags SET name = $3, deleted_at = NULL WHERE location_id = $1 AND id = $2",
            location_id,
            tag_id,
            new,
        )
        await self.conn.execute(
            "INSERT INTO tags (location_id, id, name, deleted_at) VALUES ($1, $2, $3, $4)"
            " ON CONFLICT (location_id, name) DO NOTHING",
            location_id,
            new_id(),
            old,
            now_ms(),
        )
        # Only the contacts rewritten (`carriers`, locked): one that took the name since keeps
        # it, in its list and in its rows alike.
        await self.conn.execute(
            "UPDATE contact_tags SET name = $3 WHERE location_id = $1 AND name = $2 AND"
            f" contact_id IN (SELECT name FROM {self.conn.dialect.text_list('$4')})",
            location_id,
            old,
            new,
            self.conn.dialect.list_arg(carriers),
        )

    async def delete_tag(self, tag_id: str, name: str, carriers: list[str]) -> None:
        """The tag is gone from every contact (their tag rows; `ContactService` rewrites the
        contacts) and from the location's list; its row stays, deleted (see `rename_tag`)."""
        await self.conn.execute(
            "UPDATE tags SET deleted_at = $3 WHERE location_id = $1 AND id = $2",
            self.location_id,
            tag_id,
            now_ms(),
        )
        await self.conn.execute(
            "DELETE FROM contact_tags WHERE location_id = $1 AND name = $2 AND"
            f" contact_id IN (SELECT name FROM {self.conn.dialect.text_list('$3')})",
            self.location_id,
            name,
            self.conn.dialect.list_arg(carriers),
        )

    async def _record_names(self, names: list[str]) -> None:
        location_id = self.location_id
        # Sorted: two transactions recording the same new names wait for each other in one
        # order; in their contacts' orders, three creates deadlocked.
        unknown = sorted(
            (location_id, name) for name in names if (location_id, name) not in _KNOWN_NAMES
        )
        if unknown:
            await self.conn.execute_many(
                "INSERT INTO tags (location_id, id, name) VALUES ($1, $2, $3)"
                " ON CONFLICT DO NOTHING",
                [(location_id, new_id(), name) for location_id, name in unknown],
            )
            self.conn.after_commit(lambda: _remember(unknown))
