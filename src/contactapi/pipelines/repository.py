"""Pipeline and stage queries, bound to one location."""

from __future__ import annotations

from collections.abc import Sequence

from contactapi.db.engine import Row
from contactapi.db.rows import LocationRows

ORDER = ("created_at", "id")


class PipelineRepository(LocationRows):
    table = "pipelines"
    columns = ("location_id", "id", "name", "created_at")
    updatable = frozenset({"name"})

    async def hold(self, pipeline_id: str, *, exclusive: bool) -> Row | None:
        """The pipeline, locked until the transaction ends: `exclusive` by a writer of its
        stages (a PUT or DELETE), shared by a writer of its opportunities, so that no
        opportunity enters a stage that is being removed."""
        lock = self.conn.dialect.for_update if exclusive else self.conn.dialect.for_share
        return await self.conn.fetch_one(self._select_one + lock, self.location_id, pipeline_id)

    async def stages(self, pipeline_ids: Sequence[str]) -> dict[str, list[Row]]:
        """The stages of each pipeline, in board order."""
        found: dict[str, list[Row]] = {pipeline_id: [] for pipeline_id in pipeline_ids}
        if not pipeline_ids:
            return found
        dialect = self.conn.dialect
        rows = await self.conn.fetch_all(
            "SELECT pipeline_id, id, name FROM pipeline_stages WHERE location_id = $1"
            f" AND pipeline_id IN (SELECT name FROM {dialect.text_list('$2')})"
            " ORDER BY pipeline_id, position",
            self.location_id,
            dialect.list_arg(pipeline_ids),
        )
        for row in rows:
            found[row["pipeline_id"]].append(row)
        return found

    async def stage(self, stage_id: str) -> Row | None:
        return await self.conn.fetch_one(
            "SELECT pipeline_id, id, name FROM pipeline_stages WHERE location_id = $1 AND id = $2",
            self.location_id,
            stage_id,
        )

    async def add_stage(self, pipeline_id: str, stage_id: str, name: str, position: int) -> None:
        await self.conn.execute(
            "INSERT INTO pipeline_stages (location_id, id, pipeline_id, name, position)"
            " VALUES ($1, $2, $3, $4, $5)",
            self.location_id, stage_id, pipeline_id, name, position,
        )  # fmt: skip

    async def change_stage(self, stage_id: str, name: str, position: int) -> None:
        await self.conn.execute(
            "UPDATE pipeline_stages SET name = $3, position = $4"
            " WHERE location_id = $1 AND id = $2",
            self.location_id, stage_id, name, position,
        )  # fmt: skip

    async def remove_stages(self, pipeline_id: str, stage_ids: Sequence[str]) -> None:
        """The stages and their (empty) opportunity counts."""
        dialect = self.conn.dialect
        for table, column in (("opportunity_counts", "stage_id"), ("pipeline_stages", "id")):
            await self.conn.execute(
                f"DELETE FROM {table} WHERE location_id = $1 AND pipeline_id = $2"
                f" AND {column} IN (SELECT name FROM {dialect.text_list('$3')})",
                self.location_id, pipeline_id, dialect.list_arg(stage_ids),
            )  # fmt: skip

    async def holding(self, pipeline_id: str) -> set[str]:
        """The pipeline's stages that hold an opportunity."""
        rows = await self.conn.fetch_all(
            "SELECT s.id FROM pipeline_stages s WHERE s.location_id = $1 AND s.pipeline_id = $2"
            " AND EXISTS (SELECT 1 FROM opportunities o"
            " WHERE o.location_id = s.location_id AND o.stage_id = s.id)",
            self.location_id,
            pipeline_id,
        )
        return {row["id"] for row in rows}
