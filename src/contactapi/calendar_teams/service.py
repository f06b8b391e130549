"""Calendar team rules and writes: its users are users of the location; its slug is free
among the location's teams and services."""

from __future__ import annotations

import json
from typing import Any

from contactapi.calendar_teams.repository import ORDER, TeamRepository
from contactapi.calendar_teams.schemas import TeamInput, team_to_api
from contactapi.calendars.repository import CalendarRepository
from contactapi.core import new_id, now_ms
from contactapi.db.engine import Row
from contactapi.errors import ValidationFailed, unknown_id
from contactapi.limits import MAX_CALENDAR_TEAMS, Page, page_of, require_room
from contactapi.scope import LocationScope
from contactapi.validation import Checked


class TeamService:
    def __init__(self, scope: LocationScope) -> None:
        self.repo = TeamRepository(scope.conn, scope.location_id)
        self.calendars = CalendarRepository(scope.conn, scope.location_id)

    async def require(self, team_id: str, param: str = "teamId", *, hold: bool = False) -> Row:
        """`hold`: row-locked to the transaction's end (see CalendarService.require)."""
        row = await self.repo.get(team_id, for_update=hold)
        if row is None:
            raise unknown_id(param, "team")
        return row

    async def member_ids(self, team_id: str) -> list[str]:
        return [row["user_id"] for row in (await self.repo.members([team_id]))[team_id]]

    async def all(self, page: Page) -> list[dict[str, Any]]:
        rows = await page_of(self.repo, ORDER, page, "team")
        members = await self.repo.members([row["id"] for row in rows])
        return [team_to_api(row, members[row["id"]]) for row in rows]

    async def get(self, team_id: str) -> dict[str, Any]:
        row = await self.require(team_id)
        return team_to_api(row, (await self.repo.members([team_id]))[team_id])

    async def slug_available(self, slug: str) -> bool:
        return await self._slug_holder(slug) is None

    async def create(self, payload: Checked[TeamInput]) -> dict[str, Any]:
        data = payload.get()
        await require_room(self.repo, MAX_CALENDAR_TEAMS, "team", "teams")
        team_id = new_id()
        await self._check(data, team_id)
        await self.repo.insert({"id": team_id, "name": data.name, "config": json.dumps(data.config),
                                "slug": data.slug, "created_at": now_ms()})  # fmt: skip
        await self.repo.set_members(team_id, data.user_ids)
        return await self.get(team_id)

    async def update(self, team_id: str, payload: Checked[TeamInput]) -> dict[str, Any]:
        # An unknown id is answered before the body's failures; locked, so a delete meanwhile
        # waits rather than the members' rows failing their foreign key.
        await self.require(team_id, hold=True)
        data = payload.get()
        await self._check(data, team_id)
        await self.repo.update(
            team_id, {"name": data.name, "config": json.dumps(data.config), "slug": data.slug}
        )
        await self.repo.set_members(team_id, data.user_ids)
        return await self.get(team_id)

    async def delete(self, team_id: str) -> None:
        """The team's services, and their appointments, go with it."""
        if not await self.repo.delete(team_id):
            raise unknown_id("teamId", "team")

    async def _check(self, data: TeamInput, team_id: str) -> None:
        known = await self.repo.users_of_location(data.user_ids)
        unknown = [user_id for user_id in data.user_ids if user_id not in known]
        if unknown:
            raise ValidationFailed.one(
                "userIds", f"The user id {unknown[0]} is not a user of the location.", "invalid"
            )
        await self.require_free_slug(data.slug, team_id, "calendarConfig.slug")

    async def require_free_slug(self, slug: str, own_id: str, key: str) -> None:
        """A 422 `duplicate` keyed `key` when a team or service other than `own_id` holds it;
        held until the transaction ends, so two writers cannot both take it."""
        await self.repo.lock_slug(slug)
        holder = await self._slug_holder(slug)
        if holder is not None and holder != own_id:
            raise ValidationFailed.one(key, f"The slug {slug} is taken.", "duplicate")

    async def _slug_holder(self, slug: str) -> str | None:
        for found in (await self.repo.by_slug(slug), await self.calendars.slug_holder(slug)):
            if found is not None:
                return str(found["id"])
        return None
