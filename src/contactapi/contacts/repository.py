"""Contact queries. A repository is bound to one location: every query starts from it."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from contactapi.contacts.document import SOURCE_COLUMNS, search_columns
from contactapi.custom_fields.repository import values_for_contacts
from contactapi.db.engine import Connection, Row

COLUMNS = (
    "location_id", "id", "first_name", "last_name", "contact_name", "email", "email_lower",
    "phone", "company_name", "address1", "city", "state", "postal_code", "country", "website",
    "timezone", "date_of_birth", "dnd", "type", "source", "assigned_to", "fingerprint", "tags",
    "date_added", "date_updated",
)  # fmt: skip
# Written by the repository itself, derived from the columns above (contacts/document.py).
SEARCH_COLUMNS = ("search_text", "search_phone")
UPDATABLE = frozenset(COLUMNS) - {"location_id", "id", "date_added"}

_SELECT = f"SELECT {', '.join(COLUMNS)} FROM contacts"
_INSERTED = (*COLUMNS, *SEARCH_COLUMNS)
_INSERT = (
    f"INSERT INTO contacts ({', '.join(_INSERTED)}) VALUES "
    f"({', '.join(f'${i}' for i in range(1, len(_INSERTED) + 1))})"
)


@lru_cache(maxsize=256)
def _update_sql(columns: tuple[str, ...]) -> str:
    assignments = ", ".join(f"{col} = ${i}" for i, col in enumerate(columns, start=3))
    return f"UPDATE contacts SET {assignments} WHERE location_id = $1 AND id = $2"


def lock_key(*parts: str) -> int:
    """A signed 64-bit key for pg_advisory_xact_lock."""
    digest = hashlib.blake2b("\x1f".join(parts).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


class ContactRepository:
    def __init__(self, conn: Connection, location_id: str) -> None:
        self.conn = conn
        self.location_id = location_id

    async def get(self, contact_id: str, *, for_update: bool = False) -> Row | None:
        sql = f"{_SELECT} WHERE location_id = $1 AND id = $2"
        if for_update and self.conn.dialect == "postgresql":
            sql += " FOR UPDATE"
        return await self.conn.fetch_one(sql, self.location_id, contact_id)

    async def exists(self, contact_id: str) -> bool:
        row = await self.conn.fetch_one(
            "SELECT 1 AS one FROM contacts WHERE location_id = $1 AND id = $2",
            self.location_id,
            contact_id,
        )
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
        for key in sorted(keys):
            await self.conn.execute("SELECT pg_advisory_xact_lock($1)", key)

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

    async def insert(self, values: dict[str, Any]) -> None:
        values = {**values, "location_id": self.location_id}
        values.update(search_columns(values))
        await self.conn.execute(_INSERT, *(values[col] for col in _INSERTED))

    async def update(
        self, contact_id: str, values: dict[str, Any], current: Row | None = None
    ) -> None:
        """Sets the given columns; the search document follows whenever one of its sources
        changes, whoever the writer is (contact service, tag endpoints). `current`, the row as
        read in this transaction, saves reading it again."""
        values = {col: value for col, value in values.items() if col in UPDATABLE}
        if SOURCE_COLUMNS.intersection(values):
            current = current or await self.get(contact_id)
            if current is not None:
                values.update(search_columns({**current, **values}))
        columns = tuple(values)
        if columns:
            await self.conn.execute(
                _update_sql(columns),
                self.location_id,
                contact_id,
                *(values[col] for col in columns),
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
