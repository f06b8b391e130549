"""Calendar service rules and writes. A service belongs to a team: its team members are
users of that team, and its slug is free among the location's teams and services."""

from __future__ import annotations

import json
from typing import Any

from contactapi.calendar_services.schemas import ServiceInput, service_to_api
from contactapi.calendar_teams.service import TeamService
from contactapi.calendars.repository import CalendarRepository
from contactapi.core import new_id, now_ms
from contactapi.db.engine import Row
from contactapi.errors import ValidationFailed, unknown_id
from contactapi.limits import MAX_CALENDARS, Page, require_room
from contactapi.scope import LocationScope
from contactapi.validation import Checked, Errors


class ServiceService:
    def __init__(self, scope: LocationScope) -> None:
        self.repo = CalendarRepository(scope.conn, scope.location_id)
        self.teams = TeamService(scope)

    async def require(self, service_id: str, param: str = "serviceId") -> Row:
        """A service of the location (a calendar without a team is not one)."""
        row = await self.repo.get(service_id)
        if row is None or row["team_id"] is None:
            raise unknown_id(param, "service")
        return row

    async def all(self, team_id: str | None, page: Page) -> list[dict[str, Any]]:
        if team_id is not None:
            await self.teams.require(team_id)
        after = None
        if page.start_after_id is not None:
            after = await self.require(page.start_after_id, "startAfterId")
        rows = await self.repo.services(team_id, page.limit, after)
        return [service_to_api(row) for row in rows]

    async def get(self, service_id: str) -> dict[str, Any]:
        return service_to_api(await self.require(service_id))

    async def create(self, payload: Checked[ServiceInput]) -> dict[str, Any]:
        data = await self._checked(payload, None)
        # Services count with calendars: each is one.
        await require_room(self.repo, MAX_CALENDARS, "service", "calendars and services")
        service_id = new_id()
        await self.teams.require_free_slug(data.slug, service_id, "slug")
        await self.repo.insert({"id": service_id, "created_at": now_ms(), **self._columns(data)})
        return await self.get(service_id)

    async def update(self, service_id: str, payload: Checked[ServiceInput]) -> dict[str, Any]:
        await self.require(service_id)  # an unknown id is answered before the body's failures
        data = await self._checked(payload, service_id)
        await self.teams.require_free_slug(data.slug, service_id, "slug")
        await self.repo.update(service_id, self._columns(data))
        return await self.get(service_id)

    async def delete(self, service_id: str) -> None:
        """Its appointments go with it."""
        await self.require(service_id)
        await self.repo.delete(service_id)

    async def _checked(self, payload: Checked[ServiceInput], own_id: str | None) -> ServiceInput:
        """The body's failures, with an unknown team and members not of it, in one 422."""
        errors = Errors()
        errors.update(payload.errors)
        data = payload.value
        if "teamId" not in errors.fields and data.team_id is not None:
            try:
                await self.teams.require(data.team_id, hold=True)
            except ValidationFailed as exc:
                errors.update(exc.errors)
            else:
                members = set(await self.teams.member_ids(data.team_id))
                strangers = [user for user in data.member_ids if user and user not in members]
                if strangers and "teamMembers" not in errors.fields:
                    errors.add("teamMembers",
                               f"The user {strangers[0]} is not a member of the team.")  # fmt: skip
        errors.raise_any()
        return data

    @staticmethod
    def _columns(data: ServiceInput) -> dict[str, Any]:
        return {
            "name": data.name,
            "slot_duration": data.slot_duration,
            "slot_interval": data.slot_interval,
            "slot_buffer": data.slot_buffer,
            "open_hours": json.dumps(data.open_hours),
            "timezone": data.timezone,
            "team_id": data.team_id,
            "slug": data.slug,
            "settings": json.dumps(data.settings),
        }
