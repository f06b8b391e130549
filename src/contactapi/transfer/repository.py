"""The transfer tables: an import's progress, and a migration's map of source ids to ours.
Every query starts from the location."""

from __future__ import annotations

import orjson

from contactapi.core import now_ms
from contactapi.db.engine import Connection


class ProgressRows:
    """An import's done chunks: one row each (`job:number`), holding its rejected row count."""

    def __init__(self, conn: Connection, location_id: str) -> None:
        self.conn, self.location_id = conn, location_id

    async def chunks(self, job: str) -> dict[int, int]:
        """{chunk number: rows rejected} of the chunks done."""
        rows = await self.conn.fetch_all(
            "SELECT job, state FROM transfer_progress WHERE location_id = $1 AND job LIKE $2",
            self.location_id,
            f"{job}:%",
        )
        return {
            int(row["job"].rsplit(":", 1)[1]): int(orjson.loads(row["state"])["rejected"])
            for row in rows
        }

    async def save_chunk(self, job: str, number: int, rejected: int) -> None:
        await self.conn.execute(
            "INSERT INTO transfer_progress (location_id, job, state, updated_at)"
            " VALUES ($1, $2, $3, $4)",
            self.location_id,
            f"{job}:{number}",
            orjson.dumps({"rejected": rejected}).decode(),
            now_ms(),
        )

    async def finish(self, job: str) -> None:
        await self.conn.execute(
            "DELETE FROM transfer_progress WHERE location_id = $1 AND job LIKE $2",
            self.location_id,
            f"{job}:%",
        )


class IdMap:
    """Source ids of one kind, from one source, and the ids of their copies here."""

    def __init__(self, conn: Connection, location_id: str, source: str) -> None:
        self.conn, self.location_id, self.source = conn, location_id, source

    async def targets(self, kind: str, source_ids: list[str]) -> dict[str, str]:
        if not source_ids:
            return {}
        rows = await self.conn.fetch_all(
            "SELECT source_id, target_id FROM transfer_ids WHERE location_id = $1"
            f" AND source = $2 AND kind = $3 AND source_id IN ({self._in(source_ids, 4)})",
            self.location_id,
            self.source,
            kind,
            *source_ids,
        )
        return {row["source_id"]: row["target_id"] for row in rows}

    async def add(self, kind: str, source_id: str, target_id: str) -> None:
        await self.conn.execute(
            "INSERT INTO transfer_ids (location_id, source, kind, source_id, target_id)"
            " VALUES ($1, $2, $3, $4, $5)",
            self.location_id,
            self.source,
            kind,
            source_id,
            target_id,
        )

    @staticmethod
    def _in(values: list[str], first: int) -> str:
        return ", ".join(f"${first + i}" for i in range(len(values)))


# What a migration counts, per kind, in the source and here (each a table of the location).
KIND_TABLES = {"custom fields": "custom_fields", "contacts": "contacts", "notes": "notes",
               "tasks": "tasks", "pipelines": "pipelines",
               "opportunities": "opportunities"}  # fmt: skip


async def count_kinds(conn: Connection, location_id: str) -> dict[str, int]:
    counts = {}
    for kind, table in KIND_TABLES.items():
        sql = f"SELECT count(*) FROM {table} WHERE location_id = $1"
        counts[kind] = int(await conn.fetch_value(sql, location_id))
    return counts
