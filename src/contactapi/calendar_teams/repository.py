"""Calendar team queries, bound to one location."""

from __future__ import annotations

from collections.abc import Sequence

from contactapi.db.engine import Row
from contactapi.db.rows import LocationRows

COLUMNS = ("location_id", "id", "name", "config", "slug", "created_at")
ORDER = ("created_at", "id")


class TeamRepository(LocationRows):
    table = "calendar_teams"
    columns = COLUMNS
    updatable = frozenset({"name", "config", "slug"})

    async def members(self, team_ids: Sequence[str]) -> dict[str, list[Row]]:
        """The users of each team, in the order they were named."""
        dialect = self.conn.dialect
        teams = dialect.text_list("$2")
        rows = await self.conn.fetch_all(
            "SELECT m.team_id, m.user_id, u.first_name, u.last_name, u.email"
            " FROM calendar_team_users m JOIN users u ON u.id = m.user_id"
            f" WHERE m.location_id = $1 AND m.team_id IN (SELECT name FROM {teams})"
            " ORDER BY m.team_id, m.position",
            self.location_id,
            dialect.list_arg(team_ids),
        )
        found: dict[str, list[Row]] = {team_id: [] for team_id in team_ids}
        for row in rows:
            found[row["team_id"]].append(row)
        return found

    async def users_of_location(self, user_ids: Sequence[str]) -> set[str]:
        """Which of `user_ids` are users of the location (held to the transaction's end: the
        members written next keep their foreign key)."""
        dialect = self.conn.dialect
        rows = await self.conn.fetch_all(
            "SELECT user_id FROM user_locations WHERE location_id = $1"
            f" AND user_id IN (SELECT name FROM {dialect.text_list('$2')}){dialect.for_share}",
            self.location_id,
            dialect.list_arg(user_ids),
        )
        return {row["user_id"] for row in rows}

    async def set_members(self, team_id: str, user_ids: Sequence[str]) -> None:
        await self.conn.execute(
            "DELETE FROM calendar_team_users WHERE location_id = $1 AND team_id = $2",
            self.location_id,
            team_id,
        )
        await self.conn.execute_many(
            "INSERT INTO calendar_team_users (location_id, team_id, user_id, position)"
            " VALUES ($1, $2, $3, $4)",
            [(self.location_id, team_id, user_id, i) for i, user_id in enumerate(user_ids)],
        )

    async def by_slug(self, slug: str) -> Row | None:
        return await self.conn.fetch_one(
            "SELECT id FROM calendar_teams WHERE location_id = $1 AND slug = $2",
            self.location_id,
            slug,
        )

    async def lock_slug(self, slug: str) -> None:
        """Serialise the writers of one slug (PostgreSQL; SQLite writers already are)."""
        await self.conn.lock([(self.location_id, "calendar_slug", slug)])
