"""Contact queries. A repository is bound to one location: every query starts from it."""

from __future__ import annotations

from collections.abc import Iterable
from functools import cached_property, lru_cache
from typing import Any

from contactapi.contacts.document import SOURCE_COLUMNS, search_columns
from contactapi.contacts.schemas import CONTACT
from contactapi.contacts.tagging import ContactTags
from contactapi.custom_fields.repository import values_for_contacts
from contactapi.db.dialects import Dialect
from contactapi.db.engine import Connection, Row
from contactapi.db.rows import insert_sql, update_row

COLUMNS = CONTACT.columns
# Written by the repository itself, derived from the columns above (contacts/document.py).
SEARCH_COLUMNS = ("search_text", "search_phone")
UPDATABLE = frozenset(COLUMNS) - {"location_id", "id", "date_added"}
_UPDATED_COLUMNS = UPDATABLE | frozenset(SEARCH_COLUMNS)

_COLUMN_LIST = ", ".join(COLUMNS)
_SELECT = f"SELECT {_COLUMN_LIST} FROM contacts"
_INSERTED = (*COLUMNS, *SEARCH_COLUMNS)
_INSERT = insert_sql("contacts", _INSERTED)
# The placeholders of the contact's location and id in _INSERT, and of its tag list after them.
_LOCATION_INDEX = _INSERTED.index("location_id")
_LOCATION_PARAM = f"${_LOCATION_INDEX + 1}"
_ID_PARAM = f"${_INSERTED.index('id') + 1}"
_TAGS_PARAM = f"${len(_INSERTED) + 1}"


def _find_duplicate(location: str, email_lower: str, phone: str) -> str:
    """The oldest contact with the email, else the oldest with the phone (the placeholders
    given), in one statement whose two halves each use their own index."""
    return (
        f"SELECT * FROM ("
        f"SELECT * FROM (SELECT {_COLUMN_LIST}, 0 AS rank FROM contacts"
        f" WHERE location_id = {location} AND email_lower = {email_lower}"
        f" ORDER BY date_added, id LIMIT 1) AS by_email"
        f" UNION ALL "
        f"SELECT * FROM (SELECT {_COLUMN_LIST}, 1 AS rank FROM contacts"
        f" WHERE location_id = {location} AND phone = {phone}"
        f" ORDER BY date_added, id LIMIT 1) AS by_phone"
        f") AS found ORDER BY rank LIMIT 1"
    )


_FIND_DUPLICATE = _find_duplicate("$1", "$2", "$3")
# A new contact's row (_INSERT's parameters), its tag list, then the email and phone whose
# duplicate is looked for first: the contact and its tags are inserted only when none exists.
_EMAIL_PARAM, _PHONE_PARAM = f"${len(_INSERTED) + 2}", f"${len(_INSERTED) + 3}"
_INSERT_UNLESS_DUPLICATE = (
    f"WITH found AS ({_find_duplicate(_LOCATION_PARAM, _EMAIL_PARAM, _PHONE_PARAM)}),"
    f" created AS (INSERT INTO contacts ({', '.join(_INSERTED)})"
    f" SELECT {', '.join(f'${i}' for i in range(1, len(_INSERTED) + 1))}"
    " WHERE NOT EXISTS (SELECT 1 FROM found) RETURNING id),"
    " tagged AS (INSERT INTO contact_tags (location_id, contact_id, name)"
    f" SELECT {_LOCATION_PARAM}, {_ID_PARAM}, name FROM unnest({_TAGS_PARAM}::text[]) AS name"
    " WHERE EXISTS (SELECT 1 FROM created))"
    " SELECT * FROM found"
)


@lru_cache(maxsize=2)
def _get_with_custom_values(dialect: Dialect) -> str:
    value = dialect.json_object("'id'", "v.field_id", "'value'", dialect.json("v.value"))
    values = dialect.json_array(
        value,
        "FROM contact_field_values v WHERE v.location_id = c.location_id AND v.contact_id = c.id",
        "v.field_id",
    )
    return (
        f"SELECT {', '.join('c.' + col for col in COLUMNS)}, {values} AS custom_values"
        " FROM contacts c WHERE c.location_id = $1 AND c.id = $2"
    )


class ContactRepository:
    def __init__(self, conn: Connection, location_id: str) -> None:
        self.conn = conn
        self.location_id = location_id

    @cached_property
    def tags(self) -> ContactTags:
        # Made when first needed: a contact read does not.
        return ContactTags(self.conn, self.location_id)

    async def rewrite(self, rows: list[dict[str, Any]]) -> None:
        """Sets `tags`, `date_updated` and the search columns of many contacts (each a dict of
        `id` and those) in one statement: row by row, SQLite's per-statement journal made a
        write touching 100,000 contacts take minutes."""
        if not rows:
            return
        columns = {"id": "text", "tags": "text", "date_updated": "bigint",
                   "search_text": "text", "search_phone": "text"}  # fmt: skip
        source = self.conn.dialect.json_rows("$2", columns)
        await self.conn.execute(
            "UPDATE contacts SET tags = v.tags, date_updated = v.date_updated,"
            " search_text = v.search_text, search_phone = v.search_phone"
            f" FROM {source} WHERE contacts.location_id = $1 AND contacts.id = v.id",
            self.location_id,
            self.conn.dialect.json_rows_arg(rows),
        )

    async def carrying(self, name: str) -> list[Row]:
        """Every contact carrying the tag `name`, locked until the transaction ends."""
        return await self.conn.fetch_all(
            f"{_SELECT} WHERE location_id = $1 AND id IN (SELECT contact_id FROM contact_tags"
            f" WHERE location_id = $1 AND name = $2){self.conn.dialect.for_update}",
            self.location_id,
            name,
        )

    async def get(self, contact_id: str, *, for_update: bool = False) -> Row | None:
        sql = f"{_SELECT} WHERE location_id = $1 AND id = $2"
        if for_update:
            sql += self.conn.dialect.for_update
        return await self.conn.fetch_one(sql, self.location_id, contact_id)

    async def get_with_custom_values(self, contact_id: str) -> Row | None:
        """The contact and, as a JSON list in `custom_values`, its custom field values: one
        statement, so one consistent snapshot (the hot path of GET /v1/contacts/:id)."""
        sql = _get_with_custom_values(self.conn.dialect)
        return await self.conn.fetch_one(sql, self.location_id, contact_id)

    async def exists(self, contact_id: str, *, hold: bool = False) -> bool:
        """With `hold`, the contact can't be deleted before this transaction ends (PostgreSQL's
        key-share lock, the one a foreign key takes), so rows pointing at it can be added."""
        sql = "SELECT 1 AS one FROM contacts WHERE location_id = $1 AND id = $2"
        if hold:
            sql += self.conn.dialect.for_key_share
        row = await self.conn.fetch_one(sql, self.location_id, contact_id)
        return row is not None

    async def lock_identity(self, email_lower: str | None, phone: str | None) -> None:
        """Serialise the writers of the same email or phone until this transaction ends."""
        names = []
        if email_lower:
            names.append((self.location_id, "email", email_lower))
        if phone:
            names.append((self.location_id, "phone", phone))
        if names:
            await self.conn.lock(names)

    async def find_duplicate(self, email_lower: str | None, phone: str | None) -> Row | None:
        """The oldest contact with this email, else the oldest with this phone, row-locked."""
        found = await self.conn.fetch_one(_FIND_DUPLICATE, self.location_id, email_lower, phone)
        return None if found is None else await self._locked(found, email_lower, phone)

    async def _locked(self, found: Row, email_lower: str | None, phone: str | None) -> Row | None:
        """The match `found`, read again, row-locked. The identity lock keeps new matches from
        appearing, but a match may be deleted, or given another email or phone, before its row
        lock is granted: then the next match is taken."""
        match: Row | None = found
        while match is not None:
            column = "email_lower" if match["rank"] == 0 else "phone"
            locked = await self.get(match["id"], for_update=True)
            if locked is not None and locked[column] == match[column]:
                return locked
            match = await self.conn.fetch_one(_FIND_DUPLICATE, self.location_id, email_lower, phone)
        return None

    async def identities_taken(self, emails: list[str], phones: list[str]) -> set[str]:
        """Which of these lower-cased emails and phones some contact has (emails hold an `@`,
        phones never do): one statement for many rows."""
        texts = self.conn.dialect.text_list
        rows = await self.conn.fetch_all(
            "SELECT email_lower AS taken FROM contacts WHERE location_id = $1"
            f" AND email_lower IN (SELECT name FROM {texts('$2')})"
            " UNION SELECT phone FROM contacts WHERE location_id = $1"
            f" AND phone IN (SELECT name FROM {texts('$3')})",
            self.location_id,
            self.conn.dialect.list_arg(emails),
            self.conn.dialect.list_arg(phones),
        )
        return {row["taken"] for row in rows}

    async def insert_unless_duplicate(
        self, row: dict[str, Any], tags: list[str], email_lower: str | None, phone: str | None
    ) -> Row | None:
        """The duplicate of a new contact (`find_duplicate`), when there is one; else the new
        contact (`row`) and its tags are inserted (`insert`) and the answer is None. Where
        the database allows, the lookup and the inserts are one statement: one round trip."""
        if not self.conn.dialect.writes_in_with:
            found = await self.find_duplicate(email_lower, phone)
            if found is None:
                await self.insert(row, tags)
            return found
        tag_list = self.conn.dialect.list_arg(tags)
        found = await self.conn.fetch_one(
            _INSERT_UNLESS_DUPLICATE, *self._params(row), tag_list, email_lower, phone
        )
        if found is None:
            await self.tags.created(tags)
            return None
        locked = await self._locked(found, email_lower, phone)
        if locked is None:  # the match went before its lock was granted
            await self.insert(row, tags)
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

    def _params(self, row: dict[str, Any]) -> list[Any]:
        """_INSERT's parameters for a new contact's row (`NewContact.row`), in this location."""
        params = [row[col] for col in _INSERTED]
        params[_LOCATION_INDEX] = self.location_id
        return params

    async def insert(self, row: dict[str, Any], tags: list[str]) -> None:
        """A new contact (`NewContact.row`: every column, its search document's included) and
        its tags (distinct names)."""
        params = self._params(row)
        if not tags:
            await self.conn.execute(_INSERT, *params)
            return
        # The contact and its tag rows: one round trip where the database allows.
        tag_rows = self.tags.insert_from_list(_LOCATION_PARAM, _ID_PARAM, _TAGS_PARAM)
        await self.conn.execute_together(
            _INSERT, tag_rows, *params, self.conn.dialect.list_arg(tags)
        )
        await self.tags.created(tags)

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
