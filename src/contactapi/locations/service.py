"""Locations and their keys: the rules behind `contactapi locations|keys`, and behind an
agency's `/v1/locations/` (a location key reads its own location there, nothing else).

Deleting a location is immediate for every caller (the location and its keys are gone in the
transaction that deletes it); its data is removed by queued jobs, a batch of contacts per
transaction, so a large location never holds the write lock for long."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pycountry

from contactapi.auth import generate_key, hash_key, key_cache
from contactapi.core import new_id, now_ms
from contactapi.db.engine import Connection, Row
from contactapi.errors import Unauthorized, ValidationFailed, unknown_id
from contactapi.limits import Page
from contactapi.locations import repository
from contactapi.locations.repository import AgencyLocations
from contactapi.locations.schemas import LocationInput, location_to_api, location_values
from contactapi.queue.outbox import enqueue
from contactapi.scope import Agency, CallerScope, WorkScope
from contactapi.validation import Checked, email_key

PURGE_JOB = "location.purge"
# Rows of one table removed per job transaction (a short hold of SQLite's write lock).
PURGE_BATCH = 5_000
MAX_LOCATIONS_PER_AGENCY = 10_000


class LocationError(ValueError):
    """A bad argument to a location command."""


@dataclass(frozen=True)
class NewKey:
    id: str
    secret: str


@dataclass(frozen=True)
class NewLocation:
    id: str
    name: str
    api_key: str
    api_key_id: str


def normalise_country(code: str) -> str:
    country = pycountry.countries.get(alpha_2=code.strip().upper())
    if country is None:
        raise LocationError(f"unknown country code {code!r} (use ISO 3166-1 alpha-2, like US)")
    return str(country.alpha_2)


async def create_location(
    conn: Connection, name: str, allow_duplicates: bool = False, country: str = "US"
) -> NewLocation:
    if not name.strip():
        raise LocationError("the name must not be empty")
    location_id = new_id()
    await repository.insert_location(
        conn, location_id, name.strip(), allow_duplicates, normalise_country(country), now_ms()
    )
    key = await create_key(conn, location_id)
    return NewLocation(location_id, name.strip(), key.secret, key.id)


async def create_key(conn: Connection, location_id: str, label: str | None = None) -> NewKey:
    if await repository.get_location(conn, location_id) is None:
        raise LocationError(f"no location {location_id!r}")
    key = NewKey(new_id(), generate_key())
    await repository.insert_key(
        conn, location_id, key.id, hash_key(key.secret), key.secret[:9], clean_label(label),
        now_ms(),
    )  # fmt: skip
    return key


def clean_label(label: str | None) -> str | None:
    if label is not None and len(label.strip()) > 100:
        raise LocationError("the label may be at most 100 characters")
    return (label or "").strip() or None


async def update_location(
    conn: Connection,
    location_id: str,
    allow_duplicates: bool | None,
    country: str | None,
    agency_id: str | None = None,
) -> None:
    """Changes the settings given; `agency_id` hands the location to that agency (`-`: to
    none)."""
    if await repository.get_location(conn, location_id) is None:
        raise LocationError(f"no location {location_id!r}")
    key_cache.clear()  # cached keys carry the location's settings
    await repository.update_location(
        conn, location_id, allow_duplicates, normalise_country(country) if country else None
    )
    if agency_id is not None:
        if agency_id != "-" and not await repository.agency_exists(conn, agency_id):
            raise LocationError(f"no agency {agency_id!r}")
        await repository.set_agency(conn, location_id, None if agency_id == "-" else agency_id)


async def list_keys(conn: Connection, location_id: str) -> list[Row]:
    if await repository.get_location(conn, location_id) is None:
        raise LocationError(f"no location {location_id!r}")
    return await repository.list_keys(conn, location_id)


async def revoke_key(conn: Connection, key_id: str) -> bool:
    """By the key's public id: the secret never needs to be typed again (or seen in `ps`)."""
    key_cache.clear()
    return await repository.revoke_key(conn, key_id, now_ms()) > 0


class LocationService:
    """An agency's locations. A location key may only read its own location."""

    def __init__(self, scope: CallerScope) -> None:
        self.conn = scope.conn
        self.caller = scope.caller

    def _agency(self) -> AgencyLocations:
        if not isinstance(self.caller, Agency):
            raise Unauthorized()  # the contract: location keys get 401 on these routes
        return AgencyLocations(self.conn, self.caller.id)

    async def _require(self, location_id: str) -> Row:
        row = await self._agency().get(location_id)
        if row is None:
            raise unknown_id("locationId", "location")
        return row

    async def list(self, page: Page) -> list[dict[str, Any]]:
        rows = await self._agency().page(page.limit, page.start_after_id)
        if rows is None:
            raise unknown_id("startAfterId", "location")
        return [location_to_api(row) for row in rows]

    async def lookup(self, email: str | None) -> dict[str, Any]:
        locations = self._agency()
        if not email or not email.strip():
            raise ValidationFailed.one("email", "The email field is mandatory.", "required")
        row = await locations.by_email(email_key(email.strip()))
        if row is None:
            raise ValidationFailed.one("email", "No location has this email.", "invalid")
        return location_to_api(row)

    async def get(self, location_id: str) -> dict[str, Any]:
        if isinstance(self.caller, Agency):
            return location_to_api(await self._require(location_id))
        if location_id != self.caller.id:
            raise Unauthorized()
        row = await repository.get_location(self.conn, location_id)
        if row is None:  # deleted since its key was verified (or cached)
            raise Unauthorized()
        return location_to_api(row)

    async def create(self, payload: Checked[LocationInput]) -> dict[str, Any]:
        locations = self._agency()
        data = payload.get()
        cap = MAX_LOCATIONS_PER_AGENCY
        await self.conn.lock([(locations.agency_id, "locations")])  # one create counts at once
        if await locations.count_within(cap) >= cap:
            message = f"An agency may not have more than {cap:,} locations."
            raise ValidationFailed.one("businessName", message, "max")
        location_id = new_id()
        values = {"country": "US", "allow_duplicate_contacts": False,
                  **location_values(data, None), "id": location_id,
                  "agency_id": locations.agency_id, "created_at": now_ms()}  # fmt: skip
        await repository.insert_location_row(self.conn, values)
        key = await create_key(self.conn, location_id, "created by the agency")
        return {**await self.get(location_id), "apiKey": key.secret}

    async def update(self, location_id: str, payload: Checked[LocationInput]) -> dict[str, Any]:
        row = await self._require(location_id)
        await self._agency().update(location_id, location_values(payload.get(), row))
        # Cached keys carry the location's dedupe rule and country: forgotten once this is
        # committed (a read before then would cache the old values again).
        self.conn.after_commit(key_cache.clear)
        return await self.get(location_id)

    async def delete(self, location_id: str) -> None:
        await self._require(location_id)
        await _delete(self.conn, location_id)


async def delete_location(conn: Connection, location_id: str) -> None:
    """`contactapi locations delete`: as an agency's DELETE does."""
    if await repository.get_location(conn, location_id) is None:
        raise LocationError(f"no location {location_id!r}")
    await _delete(conn, location_id)


async def _delete(conn: Connection, location_id: str) -> None:
    at = now_ms()
    await repository.mark_deleted(conn, location_id, at)
    # Its events stop at once too: nothing more of its data leaves the server.
    await conn.execute(
        "UPDATE webhooks SET disabled_at = $2 WHERE location_id = $1 AND disabled_at IS NULL",
        location_id,
        at,
    )
    await conn.execute(
        "UPDATE webhook_deliveries SET status = 'failed', next_attempt_at = NULL"
        " WHERE location_id = $1 AND status IN ('pending', 'queued')",
        location_id,
    )
    conn.after_commit(key_cache.clear)  # after: a read before the commit would cache it again
    await enqueue(conn, location_id, PURGE_JOB, {})


# A deleted location's rows, children before parents, so that no delete cascades further than
# its own batch: every purge transaction removes at most PURGE_BATCH rows of one table.
PURGE_TABLES = ("opportunities", "opportunity_counts", "pipeline_stages", "pipelines", "notes",
                "tasks", "appointments", "contact_field_values", "contact_tags",
                "campaign_members", "workflow_enrollments", "contacts", "tags", "custom_values",
                "custom_fields", "calendars", "calendar_team_users", "calendar_teams",
                "trigger_links", "campaigns", "workflows", "webhook_deliveries",
                "webhooks", "transfer_ids", "transfer_progress")  # fmt: skip


async def purge_location(scope: WorkScope, payload: dict[str, Any]) -> bool:
    """A deleted location's data: one batch of one table per run, queued again until every
    table is empty; then the location's row (its keys and links go with it), its search
    index and counts, and the users it made that no other location holds."""
    conn, location_id = scope.conn, scope.location_id
    row = await conn.fetch_one("SELECT deleted_at FROM locations WHERE id = $1", location_id)
    if row is None or row["deleted_at"] is None:
        return False  # purged already (a job run twice), or never deleted
    row_id = conn.dialect.row_address
    for table in PURGE_TABLES:
        removed = await conn.execute(
            f"DELETE FROM {table} WHERE {row_id} IN (SELECT {row_id} FROM {table}"
            " WHERE location_id = $1 LIMIT $2)",
            location_id,
            PURGE_BATCH,
        )
        if removed:
            await enqueue(conn, location_id, PURGE_JOB, {})
            return True
    await conn.execute(
        "DELETE FROM jobs WHERE location_id = $1 AND kind <> $2", location_id, PURGE_JOB
    )
    await conn.execute(
        "DELETE FROM users WHERE owner_id = $1 AND NOT EXISTS (SELECT 1 FROM user_locations ul"
        " WHERE ul.user_id = users.id AND ul.location_id <> $1)",
        location_id,
    )
    await conn.dialect.drop_search_index(conn, location_id)
    await conn.dialect.drop_opportunity_index(conn, location_id)
    await conn.execute("DELETE FROM contacts_fts_locations WHERE location_id = $1", location_id)
    await conn.execute("DELETE FROM locations WHERE id = $1", location_id)
    return True
