"""Contact queries. A repository is bound to one location: every query starts from it."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from contactapi.contacts.document import SOURCE_COLUMNS, search_columns
from contactapi.custom_fields.repository import values_for_contacts
from contactapi.db.engine import Connection, Row
from contactapi.db.locks import lock_key
from contactapi.db.rows import insert_sql, update_row
from contactapi.tags.repository import apply_contact_tags, record_tag_names

COLUMNS = (
    "location_id", "id", "first_name", "last_name", "contact_name", "email", "email_lower",
    "phone", "company_name", "address1", "city", "state", "postal_code", "country", "website",
    "timezone", "date_of_birth", "dnd", "type", "source", "assigned_to", "fingerprint", "tags",
    "date_added", "date_updated",
)  # fmt: skip
# Written by the repository itself, derived from the columns above (contacts/document.py).
SEARCH_COLUMNS = ("search_text", "search_phone")
UPDATABLE = frozenset(COLUMNS) - {"location_id", "id", "date_added"}
_UPDATED_COLUMNS = UPDATABLE | frozenset(SEARCH_COLUMNS)

_COLUMN_LIST = ", ".join(COLUMNS)
_SELECT = f"SELECT {_COLUMN_LIST} FROM contacts"
_INSERTED = (*COLUMNS, *SEARCH_COLUMNS)
_INSERT = insert_sql("contacts", _INSERTED)
# PostgreSQL: the contact and its tag rows in one statement, one round trip (the foreign key
# of contact_tags is checked at the statement's end, when the contact row is there).
_INSERT_WITH_TAGS = (
    f"WITH contact AS ({_INSERT}) INSERT INTO contact_tags (location_id, contact_id, name)"
    f" SELECT $1, $2, name FROM unnest(${len(_INSERTED) + 1}::text[]) AS name"
)


_FIND_DUPLICATE = (
    f"SELECT * FROM ("
    f"SELECT * FROM (SELECT {_COLUMN_LIST}, 0 AS rank FROM contacts WHERE location_id = $1"
    f" AND email_lower = $2 ORDER BY date_added, id LIMIT 1) AS by_email"
    f" UNION ALL "
    f"SELECT * FROM (SELECT {_COLUMN_LIST}, 1 AS rank FROM contacts WHERE location_id = $1"
    f" AND phone = $3 ORDER BY date_added, id LIMIT 1) AS by_phone"
    f") AS found ORDER BY rank LIMIT 1"
)


_CUSTOM_VALUES_JSON = {
    "sqlite": "(SELECT json_group_array(json_object('id', v.field_id, 'value', json(v.value)))"
    " FROM contact_field_values v"
    " WHERE v.location_id = c.location_id AND v.contact_id = c.id)",
    "postgresql": "(SELECT coalesce(json_agg(json_build_object('id', v.field_id, 'value',"
    " v.value::json) ORDER BY v.field_id), '[]')::text FROM contact_field_values v"
    " WHERE v.location_id = c.location_id AND v.contact_id = c.id)",
}
_GET_WITH_CUSTOM_VALUES = {
    dialect: f"SELECT {', '.join('c.' + col for col in COLUMNS)}, {subquery} AS custom_values"
    " FROM contacts c"
    " WHERE c.location_id = $1 AND c.id = $2"
    for dialect, subquery in _CUSTOM_VALUES_JSON.items()
}


class ContactRepository:
    def __init__(self, conn: Connection, location_id: str) -> None:
        self.conn = conn
        self.location_id = location_id

    async def get(self, contact_id: str, *, for_update: bool = False) -> Row | None:
        sql = f"{_SELECT} WHERE location_id = $1 AND id = $2"
        if for_update and self.conn.dialect == "postgresql":
            sql += " FOR UPDATE"
        return await self.conn.fetch_one(sql, self.location_id, contact_id)

    async def get_with_custom_values(self, contact_id: str) -> Row | None:
        """The contact and, as a JSON list in `custom_values`, its custom field values: one
        statement, so one consistent snapshot (the hot path of GET /v1/contacts/:id)."""
        sql = _GET_WITH_CUSTOM_VALUES[self.conn.dialect]
        return await self.conn.fetch_one(sql, self.location_id, contact_id)

    async def exists(self, contact_id: str, *, hold: bool = False) -> bool:
        """With `hold`, the contact can't be deleted before this transaction ends (PostgreSQL's
        key-share lock, the one a foreign key takes), so rows pointing at it can be added."""
        sql = "SELECT 1 AS one FROM contacts WHERE location_id = $1 AND id = $2"
        if hold and self.conn.dialect == "postgresql":
            sql += " FOR KEY SHARE"
        row = await self.conn.fetch_one(sql, self.location_id, contact_id)
        return row is not None

    async def lock_identity(self, email_lower: str | None, phone: str | None) -> None:
        """Serialise writers of the same email/phone (PostgreSQL; SQLite's writes are already
        serialised by BEGIN IMMEDIATE). Keys are taken in a fixed order: no deadlock."""
        if self.conn.dialect != "postgresql":
            return
        keys = []
        if email_lower:
            keys.append(lock_key(self.location_id, "email", email_lower))
        if phone:
            keys.append(lock_key(self.location_id, "phone", phone))
        if keys:
            # One round trip; the subquery's ORDER BY is the order the locks are taken in.
            await self.conn.execute(
                "SELECT pg_advisory_xact_lock(k)"
                " FROM (SELECT k FROM unnest($1::bigint[]) AS k ORDER BY k) AS ordered",
                sorted(keys),
            )

    async def find_duplicate(self, email_lower: str | None, phone: str | None) -> Row | None:
        """The oldest contact with this email, else the oldest with this phone, in one statement
        whose two halves each use their own index.

        On PostgreSQL the match is then row-locked. The identity lock keeps new matches from
        appearing, but a match may be deleted, or given another email or phone, before its row
        lock is granted: then the next match is taken. (SQLite's writers hold the database's
        write lock already.)"""
        while True:
            found = await self.conn.fetch_one(_FIND_DUPLICATE, self.location_id, email_lower, phone)
            if found is None or self.conn.dialect != "postgresql":
                return found
            column = "email_lower" if found["rank"] == 0 else "phone"
            locked = await self.get(found["id"], for_update=True)
            if locked is not None and locked[column] == found[column]:
                return locked

    async def by_email(self, email_lower: str, limit: int = 100) -> list[Row]:
        return await self.conn.fetch_all(
            f"{_SELECT} WHERE location_id = $1 AND email_lower = $2"
            " ORDER BY date_added, id LIMIT $3",
            self.location_id,
            email_lower,
            limit,
        )

    async def by_phone(self, phone: str, limit: int = 100) -> list[Row]:
        return await self.conn.fetch_all(
            f"{_SELECT} WHERE location_id = $1 AND phone = $2 ORDER BY date_added, id LIMIT $3",
            self.location_id,
            phone,
            limit,
        )

    async def other_with(self, column: str, value: str, contact_id: str) -> bool:
        assert column in ("email_lower", "phone")
        row = await self.conn.fetch_one(
            f"SELECT 1 AS one FROM contacts WHERE location_id = $1 AND {column} = $2"
            " AND id <> $3 LIMIT 1",
            self.location_id,
            value,
            contact_id,
        )
        return row is not None

    async def insert(self, values: dict[str, Any], tags: list[str]) -> None:
        """A new contact and its tags (distinct names)."""
        values = {**values, "location_id": self.location_id}
        values.update(search_columns(values))
        row = [values[col] for col in _INSERTED]
        if tags and self.conn.dialect == "postgresql":
            await self.conn.execute(_INSERT_WITH_TAGS, *row, tags)
            await record_tag_names(self.conn, self.location_id, tags)
            return
        await self.conn.execute(_INSERT, *row)
        await apply_contact_tags(self.conn, self.location_id, values["id"], tags, [])

    async def update(
        self, contact_id: str, values: dict[str, Any], current: Row | None = None
    ) -> None:
        """Sets the given columns; the search document follows whenever one of its sources
        changes, whoever the writer is (contact service, tag endpoints). `current`, the row as
        read in this transaction, saves reading it again, and lets only the columns that really
        change be written: an upsert that resends what is stored then rewrites no index but
        the one on date_updated."""
        values = {col: value for col, value in values.items() if col in UPDATABLE}
        if current is not None:
            values = {col: value for col, value in values.items() if current[col] != value}
        if SOURCE_COLUMNS.intersection(values):
            current = current or await self.get(contact_id)
            if current is not None:
                values.update(search_columns({**current, **values}))
        await update_row(
            self.conn, "contacts", self.location_id, contact_id, values, _UPDATED_COLUMNS
        )

    async def delete(self, contact_id: str) -> bool:
        count = await self.conn.execute(
            "DELETE FROM contacts WHERE location_id = $1 AND id = $2",
            self.location_id,
            contact_id,
        )
        return count > 0

    async def custom_values(self, contact_ids: Iterable[str]) -> dict[str, list[dict[str, Any]]]:
        """`{contact_id: [{"id": field_id, "value": ...}]}` for the given contacts."""
        return await values_for_contacts(self.conn, self.location_id, list(contact_ids))
