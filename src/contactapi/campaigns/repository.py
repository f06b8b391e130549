"""Campaign and membership queries, bound to one location."""

from __future__ import annotations

from contactapi.db.engine import Row
from contactapi.db.rows import LocationRows


class CampaignRepository(LocationRows):
    table = "campaigns"
    columns = ("location_id", "id", "name", "status", "created_at")

    async def by_status(self, status: str | None) -> list[Row]:
        if status is None:
            return await self.conn.fetch_all(
                "SELECT id, name, status FROM campaigns WHERE location_id = $1"
                " ORDER BY created_at, id",
                self.location_id,
            )
        return await self.conn.fetch_all(
            "SELECT id, name, status FROM campaigns WHERE location_id = $1 AND status = $2"
            " ORDER BY created_at, id",
            self.location_id,
            status,
        )

    async def add_member(self, contact_id: str, campaign_id: str, date_added: int) -> None:
        """Idempotent: a contact already in the campaign keeps its first `date_added`."""
        await self.conn.execute(
            "INSERT INTO campaign_members (location_id, contact_id, campaign_id, date_added)"
            " VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
            self.location_id,
            contact_id,
            campaign_id,
            date_added,
        )

    async def remove_member(self, contact_id: str, campaign_id: str) -> None:
        await self.conn.execute(
            "DELETE FROM campaign_members"
            " WHERE location_id = $1 AND contact_id = $2 AND campaign_id = $3",
            self.location_id,
            contact_id,
            campaign_id,
        )

    async def remove_all_memberships(self, contact_id: str) -> None:
        await self.conn.execute(
            "DELETE FROM campaign_members WHERE location_id = $1 AND contact_id = $2",
            self.location_id,
            contact_id,
        )

    async def memberships(self, contact_id: str) -> list[Row]:
        return await self.conn.fetch_all(
            "SELECT c.id, c.name, c.status, m.date_added FROM campaign_members m"
            " JOIN campaigns c ON c.location_id = m.location_id AND c.id = m.campaign_id"
            " WHERE m.location_id = $1 AND m.contact_id = $2 ORDER BY m.date_added, c.id",
            self.location_id,
            contact_id,
        )
