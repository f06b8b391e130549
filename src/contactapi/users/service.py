"""User rules and writes. A location key manages the users of its location alone; an agency key
those it made and those of its locations, and may name any of its locations. A user's email is
unique among its owner's users (the agency or location whose key made it)."""

from __future__ import annotations

from typing import Any

import orjson

from contactapi.core import new_id, now_ms
from contactapi.db.engine import Row
from contactapi.errors import ValidationFailed, unknown_id
from contactapi.limits import Page
from contactapi.scope import Agency, CallerScope
from contactapi.users import repository
from contactapi.users.repository import UserRepository
from contactapi.users.schemas import UserInput, user_to_api
from contactapi.validation import Checked, Errors, email_key

# Users one agency or location may own.
MAX_USERS = 10_000


class UserService:
    def __init__(self, scope: CallerScope) -> None:
        self.conn = scope.conn
        self.caller = scope.caller
        self.repo = UserRepository.for_caller(scope.conn, scope.caller)

    async def _reaches_location(self, location_id: str) -> bool:
        if isinstance(self.caller, Agency):
            return bool(await repository.agency_locations(self.conn, self.caller.id, [location_id]))
        return location_id == self.caller.id

    async def _answer(self, rows: list[Row]) -> list[dict[str, Any]]:
        locations = await self.repo.shown_location_ids([row["id"] for row in rows])
        return [user_to_api(row, locations[row["id"]]) for row in rows]

    async def require(self, user_id: str, *, for_update: bool = False) -> Row:
        row = await self.repo.get(user_id, for_update=for_update)
        if row is None:
            raise unknown_id("userId", "user")
        return row

    async def list(self, page: Page, location_id: str | None = None) -> list[dict[str, Any]]:
        """The caller's users, or (`?locationId=`) those of one location it reaches."""
        repo = self.repo
        if location_id is not None:
            if not await self._reaches_location(location_id):
                raise unknown_id("locationId", "location")
            repo = UserRepository.of_location(self.conn, location_id)
        rows = await repo.page(page.limit, page.start_after_id)
        if rows is None:
            raise unknown_id("startAfterId", "user")
        return await self._answer(rows)

    async def get(self, user_id: str) -> dict[str, Any]:
        return (await self._answer([await self.require(user_id)]))[0]

    async def lookup(self, email: str | None) -> dict[str, Any]:
        if not email or not email.strip():
            raise ValidationFailed.one("email", "The email field is mandatory.", "required")
        row = await self.repo.by_email(email_key(email.strip()))
        if row is None:
            raise ValidationFailed.one("email", "No user has this email.", "invalid")
        return (await self._answer([row]))[0]

    async def create(self, payload: Checked[UserInput]) -> dict[str, Any]:
        errors = Errors()
        errors.update(payload.errors)
        data = payload.value
        if data.location_ids is not None:
            await self._check_locations(data.location_ids, errors)
        errors.raise_any()
        owner_id = self.caller.id
        await self._lock_email(owner_id, data.email)
        count = await self.conn.fetch_value(
            "SELECT count(*) FROM (SELECT 1 FROM users WHERE owner_id = $1 LIMIT $2) u",
            owner_id,
            MAX_USERS,
        )
        if int(count) >= MAX_USERS:
            raise ValidationFailed.one(
                "email", f"An owner may not have more than {MAX_USERS:,} users.", "max"
            )
        user_id = new_id()
        await self._require_free_email(owner_id, data.email, user_id)
        row = {**self._values(data), "id": user_id, "owner_id": owner_id, "created_at": now_ms()}
        await repository.insert_user(self.conn, row)
        await repository.set_locations(self.conn, user_id, data.location_ids)
        return await self.get(user_id)

    async def update(self, user_id: str, payload: Checked[UserInput]) -> dict[str, Any]:
        errors = Errors()
        errors.update(payload.errors)
        data = payload.value
        user = await self._require_manageable(user_id, data.location_ids)
        if data.location_ids is not None:
            await self._check_locations(data.location_ids, errors)
        errors.raise_any()
        await self._lock_email(user["owner_id"], data.email)
        await self._require_free_email(user["owner_id"], data.email, user_id)
        values = self._values(data)
        if data.password_hash is None:
            del values["password_hash"]  # a PUT without a password keeps the one it has
        if not await repository.update_user(self.conn, user_id, values):
            raise unknown_id("userId", "user")  # deleted meanwhile
        await repository.set_locations(self.conn, user_id, data.location_ids)
        return await self.get(user_id)

    async def delete(self, user_id: str) -> None:
        await self._require_manageable(user_id, None)
        await repository.delete_user(self.conn, user_id)

    def _values(self, data: UserInput) -> dict[str, Any]:
        return {
            "first_name": data.first_name,
            "last_name": data.last_name,
            "email": data.email,
            "email_lower": email_key(data.email),
            "password_hash": data.password_hash,
            "type": data.type,
            "role": data.role,
            "permissions": orjson.dumps(data.permissions).decode(),
        }

    async def _require_manageable(
        self, user_id: str, new_location_ids: tuple[str, ...] | None
    ) -> Row:
        """The user (locked), when the caller may change it. A location key: a user of its
        location alone. An agency key: a user all of whose locations are the agency's, which
        it made or which one of them holds (one shared with another agency's location, after
        a location moved, is neither agency's to change)."""
        user = await self.require(user_id, for_update=True)
        locations = await repository.all_location_ids(self.conn, user_id)
        if isinstance(self.caller, Agency):
            agency_id = self.caller.id
            own = await repository.agency_locations(self.conn, agency_id, locations)
            allowed = own == set(locations) and (user["owner_id"] == agency_id or bool(own))
            if allowed and user["owner_id"] != agency_id and new_location_ids == ():
                raise ValidationFailed.one("locationIds", "A user this agency did not make"
                                           " keeps at least one location.", "invalid")  # fmt: skip
            message = "The user belongs to another agency's location too."
        else:
            allowed = locations == [self.caller.id]
            message = "The user belongs to other locations too: change it with the agency's key."
        if not allowed:
            raise ValidationFailed.one("userId", message, "invalid")
        return user

    async def _check_locations(self, location_ids: tuple[str, ...], errors: Errors) -> None:
        if isinstance(self.caller, Agency):
            found = await repository.agency_locations(self.conn, self.caller.id, location_ids)
            if set(location_ids) - found:
                errors.add("locationIds", "Every location id must name a location of the agency.")
        elif list(location_ids) != [self.caller.id]:
            errors.add("locationIds", "A location key manages the users of its own location only:"
                       " the location ids must be that location's id alone.")  # fmt: skip

    async def _lock_email(self, owner_id: str, email: str) -> None:
        """Serialise the writers of one owner's email (PostgreSQL; SQLite writers already
        are), so that two creates at once cannot both pass the check."""
        await self.conn.lock([(owner_id, "user_email", email_key(email))])

    async def _require_free_email(self, owner_id: str, email: str, user_id: str) -> None:
        if await repository.email_taken(self.conn, owner_id, email_key(email), user_id):
            raise ValidationFailed.one("email", "A user with this email already exists.",
                                       "duplicate")  # fmt: skip
