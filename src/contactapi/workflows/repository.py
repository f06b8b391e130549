"""Workflow and enrollment queries, bound to one location."""

from __future__ import annotations

from contactapi.db.engine import Row
from contactapi.db.rows import LocationRows

COLUMNS = ("id", "location_id", "name", "status", "version", "created_at", "updated_at")
_WORKFLOW = f"SELECT {', '.join(COLUMNS)} FROM workflows"


class WorkflowRepository(LocationRows):
    table = "workflows"
    columns = COLUMNS

    async def insert_enrollment(
        self, contact_id: str, workflow_id: str, event_start_time: int | None, at: int
    ) -> bool:
        """A new `queued` enrollment; False when the contact already has one (any status)."""
        count = await self.conn.execute(
            "INSERT INTO workflow_enrollments (location_id, contact_id, workflow_id, status,"
            " event_start_time, date_added, date_processed)"
            " VALUES ($1, $2, $3, 'queued', $4, $5, NULL) ON CONFLICT DO NOTHING",
            self.location_id,
            contact_id,
            workflow_id,
            event_start_time,
            at,
        )
        return count == 1

    async def enrollment(self, contact_id: str, workflow_id: str) -> Row | None:
        return await self.conn.fetch_one(
            "SELECT status FROM workflow_enrollments"
            " WHERE location_id = $1 AND contact_id = $2 AND workflow_id = $3"
            + self.conn.dialect.for_update,
            self.location_id,
            contact_id,
            workflow_id,
        )

    async def requeue(
        self, contact_id: str, workflow_id: str, event_start_time: int | None, at: int
    ) -> None:
        await self.conn.execute(
            "UPDATE workflow_enrollments SET status = 'queued', event_start_time = $4,"
            " date_added = $5, date_processed = NULL"
            " WHERE location_id = $1 AND contact_id = $2 AND workflow_id = $3",
            self.location_id,
            contact_id,
            workflow_id,
            event_start_time,
            at,
        )

    async def set_event_start_time(
        self, contact_id: str, workflow_id: str, event_start_time: int
    ) -> None:
        await self.conn.execute(
            "UPDATE workflow_enrollments SET event_start_time = $4"
            " WHERE location_id = $1 AND contact_id = $2 AND workflow_id = $3",
            self.location_id,
            contact_id,
            workflow_id,
            event_start_time,
        )

    async def mark_removed(self, contact_id: str, workflow_id: str) -> None:
        await self.conn.execute(
            "UPDATE workflow_enrollments SET status = 'removed'"
            " WHERE location_id = $1 AND contact_id = $2 AND workflow_id = $3",
            self.location_id,
            contact_id,
            workflow_id,
        )

    async def activate(self, contact_id: str, workflow_id: str, at: int) -> bool:
        """`queued` -> `active`, once: a second run, or a run for an enrollment that was
        removed or whose contact was deleted meanwhile, changes nothing."""
        count = await self.conn.execute(
            "UPDATE workflow_enrollments SET status = 'active', date_processed = $4"
            " WHERE location_id = $1 AND contact_id = $2 AND workflow_id = $3"
            " AND status = 'queued'",
            self.location_id,
            contact_id,
            workflow_id,
            at,
        )
        return count == 1

    async def enrollments_of(self, contact_id: str) -> list[Row]:
        return await self.conn.fetch_all(
            "SELECT e.workflow_id, w.name, e.status, e.event_start_time, e.date_added,"
            " e.date_processed FROM workflow_enrollments e"
            " JOIN workflows w ON w.location_id = e.location_id AND w.id = e.workflow_id"
            " WHERE e.location_id = $1 AND e.contact_id = $2"
            " ORDER BY e.date_added, e.workflow_id",
            self.location_id,
            contact_id,
        )
