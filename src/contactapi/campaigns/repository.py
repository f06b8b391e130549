"""Campaign and membership queries, bound to one location."""

from __future__ import annotations

from typing import Any

from contactapi.db.engine import Row
from contactapi.db.rows import LocationRows
from contactapi.limits import Page


class CampaignRepository(LocationRows):
    table = "campaigns"
    columns = ("location_id", "id", "name", "status", "created_at")

    async def by_status(self, status: str | None, page: Page) -> list[Row] | None:
        """A page of the campaigns (with `status`, when given), oldest first; None when
        `page.start_after_id` names no campaign."""
        sql = "SELECT id, name, status FROM campaigns WHERE location_id = $1"
        args: list[Any] = [self.location_id]
        if status is not None:
            args.append(status)
            sql += f" AND status = ${len(args)}"
        if page.start_after_id is not None:
            if await self.get(page.start_after_id) is None:
                return None
            args.append(page.start_after_id)
            sql += (
                " AND (created_at, id) > (SELECT created_at, id FROM campaigns"
                f" WHERE location_id = $1 AND id = ${len(args)})"
            )
        sql += f" ORDER BY created_at, id LIMIT {int(page.limit)}"
        return await self.conn.fetch_all(sql, *args)

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
