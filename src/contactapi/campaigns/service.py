"""Campaign rules and every campaign write. Never commits: the request does."""

from __future__ import annotations

from typing import Any

from contactapi import validation as v
from contactapi.campaigns.repository import CampaignRepository
from contactapi.campaigns.schemas import (
    CampaignInput,
    campaign_to_api,
    membership_to_api,
    parse_status,
)
from contactapi.contacts.repository import ContactRepository
from contactapi.core import new_id, now_ms
from contactapi.errors import unknown_id
from contactapi.limits import MAX_CAMPAIGNS, Page, require_room
from contactapi.scope import LocationScope


class CampaignService:
    def __init__(self, scope: LocationScope) -> None:
        self.repo = CampaignRepository(scope.conn, scope.location_id)
        self.contacts = ContactRepository(scope.conn, scope.location_id)

    async def create(self, payload: v.Checked[CampaignInput]) -> dict[str, Any]:
        data = payload.get()
        await require_room(self.repo, MAX_CAMPAIGNS, "campaign", "campaigns")
        campaign_id = new_id()
        await self.repo.insert(
            {"id": campaign_id, "name": data.name, "status": data.status, "created_at": now_ms()}
        )
        return {"id": campaign_id, "name": data.name, "status": data.status}

    async def find(self, status: str | None, page: Page) -> list[dict[str, Any]]:
        rows = await self.repo.by_status(parse_status(status), page)
        if rows is None:
            raise unknown_id("startAfterId", "campaign")
        return [campaign_to_api(row) for row in rows]

    async def get(self, campaign_id: str) -> dict[str, Any]:
        row = await self.repo.get(campaign_id)
        if row is None:
            raise unknown_id("campaignId", "campaign")
        return campaign_to_api(row)

    async def _require(
        self, contact_id: str, campaign_id: str | None = None, *, hold: bool = True
    ) -> None:
        """Both path ids at once, so a request naming two bad ids hears of both. A writer holds
        the contact until its transaction ends, so a membership never outlives it."""
        contact_found = await self.contacts.exists(contact_id, hold=hold)
        campaign_found = campaign_id is None or await self.repo.get(campaign_id) is not None
        v.require_found(
            v.Errors(),
            (contact_found, "contactId", "contact"),
            (campaign_found, "campaignId", "campaign"),
        )

    async def add_contact(self, contact_id: str, campaign_id: str) -> None:
        await self._require(contact_id, campaign_id)
        await self.repo.add_member(contact_id, campaign_id, now_ms())

    async def remove_contact(self, contact_id: str, campaign_id: str) -> None:
        await self._require(contact_id, campaign_id)
        await self.repo.remove_member(contact_id, campaign_id)

    async def remove_from_all(self, contact_id: str) -> None:
        await self._require(contact_id)
        await self.repo.remove_all_memberships(contact_id)

    async def of_contact(self, contact_id: str) -> list[dict[str, Any]]:
        await self._require(contact_id, hold=False)
        return [membership_to_api(row) for row in await self.repo.memberships(contact_id)]
