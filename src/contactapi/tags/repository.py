"""Queries on the tag index; each starts from the caller's location."""

from __future__ import annotations

from contactapi.core import new_id
from contactapi.db.engine import Connection, Row

# (location id, tag name) pairs known to have their `tags` row: such rows are never deleted
# (but with their location), so a name seen committed once needs no insert again. Bounded,
# and filled only after the commit, so a rolled-back insert is never remembered.
_KNOWN_TAGS: set[tuple[str, str]] = set()
_KNOWN_TAGS_MAX = 100_000


def _remember(pairs: list[tuple[str, str]]) -> None:
    if len(_KNOWN_TAGS) + len(pairs) > _KNOWN_TAGS_MAX:
        _KNOWN_TAGS.clear()
    _KNOWN_TAGS.update(pairs)


async def apply_contact_tags(
    conn: Connection, location_id: str, contact_id: str, added: list[str], removed: list[str]
) -> None:
    if removed:
        await conn.execute_many(
            "DELETE FROM contact_tags WHERE location_id = $1 AND contact_id = $2 AND name = $3",
            [(location_id, contact_id, name) for name in removed],
        )
    if added:
        # One statement for all the names (a create usually brings a few at once).
        rows = ", ".join(f"($1, $2, ${i})" for i in range(3, len(added) + 3))
        await conn.execute(
            f"INSERT INTO contact_tags (location_id, contact_id, name) VALUES {rows}"
            " ON CONFLICT DO NOTHING",
            location_id,
            contact_id,
            *added,
        )
        await record_tag_names(conn, location_id, added)


async def record_tag_names(conn: Connection, location_id: str, names: list[str]) -> None:
    """The location's `tags` rows for names just given to a contact."""
    unknown = [(location_id, name) for name in names if (location_id, name) not in _KNOWN_TAGS]
    if unknown:
        await conn.execute_many(
            "INSERT INTO tags (location_id, id, name) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
            [(location_id, new_id(), name) for location_id, name in unknown],
        )
        conn.after_commit(lambda: _remember(unknown))


async def tags_in_use(conn: Connection, location_id: str) -> list[Row]:
    return await conn.fetch_all(
        "SELECT t.id, t.name FROM tags t WHERE t.location_id = $1 AND EXISTS ("
        " SELECT 1 FROM contact_tags ct WHERE ct.location_id = t.location_id"
        " AND ct.name = t.name) ORDER BY t.name",
        location_id,
    )
