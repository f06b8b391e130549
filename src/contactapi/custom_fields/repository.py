"""Custom field queries; each starts from the caller's location."""

from __future__ import annotations

from typing import Any

import orjson

from contactapi.db.engine import Connection


async def values_for_contacts(
    conn: Connection, location_id: str, contact_ids: list[str]
) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {cid: [] for cid in contact_ids}
    if not contact_ids:
        return found
    if len(contact_ids) == 1:
        rows = await conn.fetch_all(
            "SELECT contact_id, field_id, value FROM contact_field_values"
            " WHERE location_id = $1 AND contact_id = $2 ORDER BY field_id",
            location_id,
            contact_ids[0],
        )
    else:
        marks = ", ".join(f"${i}" for i in range(2, len(contact_ids) + 2))
        rows = await conn.fetch_all(
            "SELECT contact_id, field_id, value FROM contact_field_values"
            f" WHERE location_id = $1 AND contact_id IN ({marks}) ORDER BY field_id",
            location_id,
            *contact_ids,
        )
    for row in rows:
        found[row["contact_id"]].append(
            {"id": row["field_id"], "value": orjson.loads(row["value"])}
        )
    return found
