"""`contactapi webhooks`: the same rules as the API's, for a location named by its id."""

from __future__ import annotations

from typing import Any

from contactapi.db.engine import Connection
from contactapi.errors import ValidationFailed
from contactapi.limits import Page
from contactapi.locations import repository as locations
from contactapi.locations.service import LocationError
from contactapi.scope import Location, LocationScope
from contactapi.webhooks.schemas import parse_webhook
from contactapi.webhooks.service import WebhookService


async def _service(conn: Connection, location_id: str) -> WebhookService:
    row = await locations.get_location(conn, location_id)
    if row is None:
        raise LocationError(f"no location {location_id!r}")
    location = Location(row["id"], bool(row["allow_duplicate_contacts"]), row["country"])
    return WebhookService(LocationScope(conn, location))


async def create(
    conn: Connection, location_id: str, url: str, events: list[str],
    description: str | None, allow_private: bool,
) -> dict[str, Any]:  # fmt: skip
    service = await _service(conn, location_id)
    body = {"url": url, "events": events, "description": description}
    try:
        return await service.create(parse_webhook(allow_private, create=True)(body))
    except ValidationFailed as exc:
        field, problem = next(iter(exc.errors.items()))
        raise LocationError(f"--{field.rstrip('s')}: {problem['message']}") from exc


async def list_all(conn: Connection, location_id: str) -> list[dict[str, Any]]:
    return await (await _service(conn, location_id)).all(Page())


async def delete(conn: Connection, webhook_id: str) -> bool:
    return bool(await conn.execute("DELETE FROM webhooks WHERE id = $1", webhook_id))
