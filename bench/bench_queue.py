"""Queue throughput: workflow enrollments processed per second by 1 and by 3 `contactapi worker`
processes, on SQLite and on PostgreSQL.

For each run the workers are started first and left idle; N enrollments are then written in one
transaction (the way the API writes them: enrollment + outbox job), and the clock runs from that
commit until the job table is empty. Not a test; prints one line per run.

    .venv/bin/python -m bench.bench_queue [N]

PostgreSQL at CONTACTAPI_BENCH_POSTGRES_URL or CONTACTAPI_TEST_POSTGRES_URL (default
postgresql://postgres@localhost:5432/postgres).
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import BACKENDS, BIN, fresh_database
from contactapi.contacts.schemas import prepare_contact
from contactapi.contacts.service import ContactService
from contactapi.db.engine import Connection, create_database
from contactapi.db.migrate import upgrade
from contactapi.locations.service import create_location
from contactapi.scope import Location, LocationScope
from contactapi.settings import Settings
from contactapi.workflows.schemas import parse_enrollment, parse_workflow
from contactapi.workflows.service import WorkflowService

CLI = str(BIN / "contactapi")
WORKFLOWS_PER_CONTACT = 20


async def prepare(url: str, count: int) -> tuple[Location, list[tuple[str, str]]]:
    """A location with contacts and workflows enough for `count` enrollments (none yet)."""
    db = create_database(Settings(database_url=url))
    await db.connect()
    try:

        async def work(conn: Connection) -> tuple[Location, list[tuple[str, str]]]:
            created = await create_location(conn, "bench")
            location = Location(created.id, False, "US")
            scope = LocationScope(conn, location)
            workflows = [
                (await WorkflowService(scope).create(parse_workflow({"name": f"W{n}"}, location)))[
                    "id"
                ]
                for n in range(WORKFLOWS_PER_CONTACT)
            ]
            pairs: list[tuple[str, str]] = []
            for n in range(count // WORKFLOWS_PER_CONTACT):
                body = {"email": f"b{n}@example.com"}
                contact, _ = await ContactService(scope).upsert(prepare_contact(body, location))
                pairs.extend((contact["id"], workflow) for workflow in workflows)
            return location, pairs

        return await db.run(work, write=True)
    finally:
        await db.close()


async def enroll_all(url: str, location: Location, pairs: list[tuple[str, str]]) -> float:
    db = create_database(Settings(database_url=url))
    await db.connect()
    try:
        no_start_time = parse_enrollment({}, location)

        async def work(conn: Connection) -> None:
            service = WorkflowService(LocationScope(conn, location))
            for contact_id, workflow_id in pairs:
                await service.enroll(contact_id, workflow_id, no_start_time)

        await db.run(work, write=True)
        return time.perf_counter()
    finally:
        await db.close()


async def wait_until_drained(url: str) -> None:
    """Poll on one connection, at a pace that takes little from the workers."""
    db = create_database(Settings(database_url=url, pool_size=1))
    await db.connect()
    try:
        while True:
            if not await db.run(
                lambda conn: conn.fetch_value("SELECT 1 FROM jobs LIMIT 1"), write=False
            ):
                return
            await asyncio.sleep(0.02)
    finally:
        await db.close()


async def run(url: str, workers: int, count: int, logs: Path) -> float:
    location, pairs = await prepare(url, count)
    env = {**os.environ, "CONTACTAPI_LOG_LEVEL": "info"}
    paths = [logs / f"worker-{workers}-{n}.log" for n in range(workers)]
    children = []
    for path in paths:
        with path.open("wb") as sink:
            children.append(
                subprocess.Popen([CLI, "worker", "--database", url], stderr=sink, env=env)
            )
    try:
        while not all("queue worker ready" in path.read_text() for path in paths):
            await asyncio.sleep(0.05)
        started = await enroll_all(url, location, pairs)
        await wait_until_drained(url)
        elapsed = time.perf_counter() - started
    finally:
        for child in children:
            child.send_signal(signal.SIGTERM)
        for child in children:
            child.wait(30)
    return len(pairs) / elapsed


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    count -= count % WORKFLOWS_PER_CONTACT
    with tempfile.TemporaryDirectory() as tmp:
        logs = Path(tmp)
        for backend in BACKENDS:
            for workers in (1, 3):
                with fresh_database(backend) as url:
                    upgrade(Settings(database_url=url))
                    rate = asyncio.run(run(url, workers, count, logs))
                print(f"{backend:<10} workers={workers}  N={count}  {rate:8.0f} enrollments/s")


if __name__ == "__main__":
    main()
