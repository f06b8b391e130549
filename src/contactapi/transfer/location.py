"""The location a transfer command names, as the scope its services are built from."""

from __future__ import annotations

from contactapi.custom_fields.service import CustomFieldService
from contactapi.db.engine import Connection
from contactapi.limits import Page
from contactapi.locations import repository as locations
from contactapi.locations.service import LocationError
from contactapi.scope import Location, LocationScope
from contactapi.transfer.columns import CustomField, custom_fields


async def location_scope(conn: Connection, location_id: str) -> LocationScope:
    row = await locations.get_location(conn, location_id)
    if row is None:
        raise LocationError(f"no location {location_id!r}")
    location = Location(row["id"], bool(row["allow_duplicate_contacts"]), row["country"])
    return LocationScope(conn, location)


async def fields_of(scope: LocationScope) -> list[CustomField]:
    """The location's custom fields (at most 1,000: one page)."""
    return custom_fields(await CustomFieldService(scope).all(Page()))
