"""The queue across real processes: a server killed with SIGKILL right after accepting
enrollments loses none, and three `contactapi worker` processes share one backlog with each
enrollment processed exactly once. Every process is bounded in time and always reaped."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import signal
import subprocess
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import httpx
import pytest

from contactapi.app import create_app
from contactapi.db.engine import Connection, Row, create_database
from contactapi.db.migrate import upgrade
from contactapi.settings import Settings
from tests.conftest import postgres_database
from tests.factories import Api, make_location
from tests.live import CONTACTAPI, LiveServer, create_location, free_port, live_server

# Each job logged at info; a crashed server's leased jobs taken up again after a second.
# The default 30 s lease: a dead worker's jobs must be taken again on its stopped heartbeat.
QUEUE_SERVER_ENV = {"CONTACTAPI_LOG_LEVEL": "info"}
JOB_DONE = re.compile(
    r"job done id=\d+ kind=workflow\.enroll .* changed=(True|False) payload=(.*)$"
)


class Processes:
    """`contactapi` child processes of one test, each writing its stderr to a file. Each runs
    in its own session, so a signal reaches every process it started too."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.children: list[tuple[subprocess.Popen[bytes], Path]] = []

    def start(self, name: str, *args: str, env: dict[str, str] | None = None) -> Path:
        log = self.directory / f"{name}.log"
        with log.open("wb") as sink:
            child = subprocess.Popen(
                [CONTACTAPI, *args],
                stdout=subprocess.DEVNULL,
                stderr=sink,
                env={**os.environ, "CONTACTAPI_LOG_LEVEL": "info", **(env or {})},
                start_new_session=True,
            )
        self.children.append((child, log))
        return log

    def process(self, log: Path) -> subprocess.Popen[bytes]:
        return next(child for child, path in self.children if path == log)

    def signal(self, log: Path, signum: int) -> None:
        """`signum` to the process and every process it started."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process(log).pid, signum)

    def reap(self) -> None:
        for child, log in self.children:
            self.signal(log, signal.SIGKILL)
            child.wait(10)


@pytest.fixture
def processes(tmp_path: Path) -> Iterator[Processes]:
    running = Processes(tmp_path)
    try:
        yield running
    finally:
        running.reap()


@pytest.fixture
def fresh_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database of the requested backend, for this test alone."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'queue.db'}"
        return
    with postgres_database("contactapi_queue") as url:
        yield url


async def wait_for(what: str, check: Any, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not await check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.05)


async def enrollment_counts(url: str) -> tuple[dict[str, int], int]:
    """({status: enrollments}, jobs left), read straight from the database."""
    db = create_database(Settings(database_url=url, pool_size=1))
    await db.connect()
    try:

        async def read(conn: Connection) -> tuple[list[Row], int]:
            rows = await conn.fetch_all(
                "SELECT status, COUNT(*) AS n FROM workflow_enrollments GROUP BY status"
            )
            return rows, await conn.fetch_value("SELECT COUNT(*) FROM jobs")

        rows, jobs = await db.run(read, write=False)
    finally:
        await db.close()
    return {row["status"]: row["n"] for row in rows}, jobs


def activations(*logs: Path) -> Counter[tuple[str, str]]:
    """How many times each (contact, workflow) enrollment was made active, per the logs."""
    found: Counter[tuple[str, str]] = Counter()
    for log in logs:
        for line in log.read_text(errors="replace").splitlines():
            match = JOB_DONE.search(line)
            if match and match[1] == "True":
                payload = json.loads(match[2])
                found[payload["contactId"], payload["workflowId"]] += 1
    return found


def queue_server(url: str, log_dir: Path, port: int) -> AbstractContextManager[LiveServer]:
    """A live server on `port` with its own log directory (a restart reuses the port)."""
    log_dir.mkdir()
    return live_server(url, log_dir, "--rate-limit", "off", port=port, env=QUEUE_SERVER_ENV)


@pytest.mark.parametrize("fresh_database", ["sqlite", "postgresql"], indirect=True)
async def test_enrollments_accepted_before_sigkill_are_processed_once_after_restart(
    tmp_path: Path, fresh_database: str
) -> None:
    _, key = create_location(fresh_database)
    port = free_port()
    headers = {"Authorization": f"Bearer {key}"}
    with queue_server(fresh_database, tmp_path / "server-1", port) as first:
        async with httpx.AsyncClient(
            base_url=first.base_url, headers=headers, timeout=30
        ) as client:
            workflow = (await client.post("/v1/workflows/", json={"name": "W"})).json()["workflow"]
            contacts = await asyncio.gather(
                *(
                    client.post("/v1/contacts/", json={"email": f"k{i}@example.com"})
                    for i in range(50)
                )
            )
            ids = [response.json()["contact"]["id"] for response in contacts]
            accepted = await asyncio.gather(
                *(client.post(f"/v1/contacts/{cid}/workflow/{workflow['id']}") for cid in ids)
            )
        first.kill()
    assert [response.status_code for response in accepted] == [200] * 50

    at_kill, _ = await enrollment_counts(fresh_database)
    assert sum(at_kill.values()) == 50  # every accepted enrollment was committed

    async def all_active() -> bool:
        statuses, jobs = await enrollment_counts(fresh_database)
        return statuses == {"active": 50} and jobs == 0

    with queue_server(fresh_database, tmp_path / "server-2", port) as second:
        # The jobs the killed worker held are due once its heartbeat is 4 s old, long before
        # their 30 s lease runs out.
        await wait_for("all 50 enrollments to be processed", all_active, 8)
        second.process.send_signal(signal.SIGTERM)
        # uvicorn shuts down gracefully, then re-raises the signal to report it.
        assert second.process.wait(15) in (0, -signal.SIGTERM)
    assert "Traceback" not in second.log
    done = activations(first.log_path, second.log_path)
    # A log line can be lost to the SIGKILL (after its commit), never doubled.
    assert set(done) <= {(cid, workflow["id"]) for cid in ids}
    assert max(done.values(), default=1) == 1
    print(f"at SIGKILL: {at_kill}; logged activations {sum(done.values())}/50")


@pytest.fixture
async def seeded_api(fresh_database: str) -> AsyncIterator[Api]:
    """A client of an in-process app (no worker of its own) over the fresh database."""
    upgrade(Settings(database_url=fresh_database))
    app = create_app(Settings(database_url=fresh_database, rate_limit="off", run_worker=False))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            yield await make_location(app, client)


@pytest.mark.parametrize("fresh_database", ["postgresql"], indirect=True)
async def test_three_worker_processes_process_each_of_1000_enrollments_exactly_once(
    processes: Processes, fresh_database: str, seeded_api: Api
) -> None:
    api = seeded_api
    logs = [processes.start(f"worker-{n}", "worker", "--database", fresh_database)
            for n in range(3)]  # fmt: skip

    async def all_ready() -> bool:
        return all("queue worker ready" in log.read_text() for log in logs)

    await wait_for("three workers", all_ready, 30)

    contacts = [await api.make_contact() for _ in range(20)]
    workflows = [
        (await api.post("/v1/workflows/", json={"name": f"W{n}"})).json()["workflow"]["id"]
        for n in range(50)
    ]
    wanted = [(contact["id"], workflow) for contact in contacts for workflow in workflows]
    for start in range(0, len(wanted), 50):
        answers = await asyncio.gather(
            *(
                api.post(f"/v1/contacts/{cid}/workflow/{wid}")
                for cid, wid in wanted[start : start + 50]
            )
        )
        assert all(answer.status_code == 200 for answer in answers)

    async def all_active() -> bool:
        statuses, jobs = await enrollment_counts(api_url)
        return statuses == {"active": 1000} and jobs == 0

    api_url = fresh_database
    await wait_for("1000 enrollments to be processed", all_active, 60)
    for log in logs:
        processes.process(log).send_signal(signal.SIGTERM)
    for log in logs:
        assert processes.process(log).wait(15) == 0, log.read_text()[-2000:]
        assert "stopped:" in log.read_text()

    done = activations(*logs)
    assert set(done) == set(wanted)
    assert set(done.values()) == {1}
    per_worker = [sum(activations(log).values()) for log in logs]
    assert sum(per_worker) == 1000
    print(f"jobs per worker: {per_worker}")
