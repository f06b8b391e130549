"""Opportunity queries, bound to one location; each row is read with its contact's columns
(`contact_*`), as the answer embeds them."""

from __future__ import annotations

from contactapi.db.engine import Row
from contactapi.db.rows import LocationRows

COLUMNS = ("location_id", "id", "pipeline_id", "stage_id", "contact_id", "name", "search_text",
           "monetary_value", "assigned_to", "status", "source", "last_status_change_at",
           "created_at", "updated_at")  # fmt: skip
# The columns of a page or a get: the opportunity's (`o.`) and its contact's.
WITH_CONTACT = ", ".join(f"o.{col}" for col in COLUMNS) + (
    ", c.contact_name AS contact_name, c.company_name AS contact_company_name,"
    " c.email AS contact_email, c.phone AS contact_phone, c.tags AS contact_tags"
)
JOIN_CONTACT = " JOIN contacts c ON c.location_id = o.location_id AND c.id = o.contact_id"


class OpportunityRepository(LocationRows):
    table = "opportunities"
    columns = COLUMNS
    updatable = frozenset(COLUMNS) - {"location_id", "id", "pipeline_id", "created_at"}

    async def with_contact(self, opportunity_id: str) -> Row | None:
        return await self.conn.fetch_one(
            f"SELECT {WITH_CONTACT} FROM opportunities o{JOIN_CONTACT}"
            " WHERE o.location_id = $1 AND o.id = $2",
            self.location_id,
            opportunity_id,
        )
