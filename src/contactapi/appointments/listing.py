"""`GET /v1/appointments/`: the appointments of a calendar, a team's services or a user's
teams' services, starting between two dates, by start time, with v1's keys."""

from __future__ import annotations

from typing import Any

from contactapi.appointments.queries import ListQuery
from contactapi.appointments.repository import AppointmentRepository
from contactapi.appointments.schemas import appointment_to_api, v1_keys
from contactapi.calendar_teams.service import TeamService
from contactapi.calendars.service import CalendarService
from contactapi.contacts.service import ContactService
from contactapi.db.engine import Row
from contactapi.errors import unknown_id
from contactapi.limits import Page
from contactapi.scope import LocationScope
from contactapi.users.repository import is_user_of
from contactapi.validation import Errors, require_found


class AppointmentListing:
    def __init__(self, scope: LocationScope) -> None:
        self.scope = scope
        self.repo = AppointmentRepository(scope.conn, scope.location_id)

    async def appointments(self, query: ListQuery, page: Page) -> list[dict[str, Any]]:
        filters = query.filters
        conn, location_id = self.scope.conn, self.scope.location_id
        calendars, teams = CalendarService(self.scope), TeamService(self.scope)
        # Every unknown id the query names is reported, in one 422.
        require_found(
            Errors(),
            (filters.calendar_id is None or await calendars.repo.get(filters.calendar_id)
             is not None, "calendarId", "calendar"),
            (filters.team_id is None or await teams.repo.get(filters.team_id) is not None,
             "teamId", "team"),
            (filters.user_id is None or await is_user_of(conn, location_id, filters.user_id),
             "userId", "user"),
        )  # fmt: skip
        after: Row | None = None
        if page.start_after_id is not None:
            after = await self.repo.get(page.start_after_id)
            if after is None:
                raise unknown_id("startAfterId", "appointment")
        rows = await self.repo.listed(filters, page.limit, after)
        team_of = await self.repo.teams_of(sorted({row["calendar_id"] for row in rows}))
        contacts = ContactService(self.scope)
        shown: dict[str, dict[str, Any]] = {}
        answer = []
        for row in rows:
            team_id = team_of.get(row["calendar_id"])
            item = {**appointment_to_api(row), **v1_keys(row, team_id)}
            if query.include_all:
                contact_id = row["contact_id"]
                if contact_id not in shown:
                    shown[contact_id] = await contacts.get(contact_id)
                item["contact"] = shown[contact_id]
            answer.append(item)
        return answer
