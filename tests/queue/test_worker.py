"""The queue worker in this process: prompt wake-up, leases, idempotent re-runs, retries with
backoff, and a clean stop that releases what it held."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from contactapi.app import create_app
from contactapi.db.engine import Connection
from contactapi.jobs import JOB_HANDLERS
from contactapi.queue import worker as worker_module
from contactapi.queue.outbox import enqueue
from contactapi.queue.worker import Worker, retry_delay_ms
from contactapi.scope import WorkScope
from contactapi.settings import Settings
from tests.factories import Api, make_location
from tests.workflows.test_router import enrollments, jobs_of, make_workflow


async def enroll(api: Api) -> tuple[str, str]:
    contact = await api.make_contact()
    workflow = await make_workflow(api)
    response = await api.post(f"/v1/contacts/{contact['id']}/workflow/{workflow['id']}")
    assert response.status_code == 200
    return contact["id"], workflow["id"]


async def drain_all(app: Starlette) -> None:
    """Earlier tests leave jobs queued (the test app runs no worker): clear them first."""
    await Worker(app.state.db, JOB_HANDLERS).run_until_idle()


async def add_jobs(app: Starlette, location_id: str, kind: str, count: int) -> None:
    async def add(conn: Connection) -> None:
        for index in range(count):
            await enqueue(conn, location_id, kind, {"n": index})

    await app.state.db.run(add, write=True)


async def job_rows(app: Starlette, location_id: str) -> list[dict[str, Any]]:
    rows = await app.state.db.run(
        lambda conn: conn.fetch_all(
            "SELECT id, run_after, locked_until, attempts FROM jobs WHERE location_id = $1"
            " ORDER BY id",
            location_id,
        ),
        write=False,
    )
    return [dict(row) for row in rows]


async def delete_jobs(app: Starlette, location_id: str) -> None:
    await app.state.db.run(
        lambda conn: conn.execute("DELETE FROM jobs WHERE location_id = $1", location_id),
        write=True,
    )


async def test_a_running_worker_wakes_as_soon_as_work_is_queued(app: Starlette, api: Api) -> None:
    # The idle poll is far longer than the wait below: only the wake-up can make it in time.
    worker = Worker(app.state.db, JOB_HANDLERS, idle_poll_seconds=30)
    task = asyncio.create_task(worker.run())
    await asyncio.wait_for(worker.ready.wait(), 5)
    await asyncio.sleep(0.05)
    contact_id, _ = await enroll(api)
    started = time.monotonic()
    while (await enrollments(api, contact_id))[0]["status"] != "active":
        assert time.monotonic() - started < 2, "the worker was not woken"
        await asyncio.sleep(0.01)
    worker.stop()
    await asyncio.wait_for(task, 5)


async def test_the_server_runs_its_own_worker(settings: Settings) -> None:
    own = create_app(settings.model_copy(update={"run_worker": True}))
    async with own.router.lifespan_context(own):
        transport = httpx.ASGITransport(app=own)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            api = await make_location(own, client)
            contact_id, _ = await enroll(api)
            started = time.monotonic()
            while (await enrollments(api, contact_id))[0]["status"] != "active":
                assert time.monotonic() - started < 5
                await asyncio.sleep(0.02)


async def test_a_job_run_twice_has_the_effect_of_one(app: Starlette, api: Api) -> None:
    await drain_all(app)
    contact_id, _ = await enroll(api)
    slow = Worker(app.state.db, JOB_HANDLERS, lease_seconds=0.05)
    [stale] = await slow.claim()
    await asyncio.sleep(0.1)  # its lease runs out while it is "slow"
    fast = Worker(app.state.db, JOB_HANDLERS)
    [retaken] = await fast.claim()
    assert retaken.id == stale.id and retaken.attempts == 2
    await fast.process(retaken)
    [first] = await enrollments(api, contact_id)
    assert first["status"] == "active"

    await slow.process(stale)  # the slow worker finally runs its copy: its claim no longer holds
    assert slow.failed == 0 and slow.processed == 0
    [after] = await enrollments(api, contact_id)
    assert after == first  # same dateProcessed: the second run changed nothing
    assert await jobs_of(app, api.location_id) == 0


async def test_a_dead_workers_job_is_taken_again_once_its_heartbeat_stops(
    app: Starlette, api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(worker_module, "DEAD_AFTER_MS", 300)
    await drain_all(app)
    contact_id, _ = await enroll(api)
    dead = Worker(app.state.db, JOB_HANDLERS, lease_seconds=600)
    [held] = await dead.claim()  # ... and its process is killed: no heartbeat after this
    other = Worker(app.state.db, JOB_HANDLERS)
    assert await other.claim() == [], "a live holder keeps its job"
    await asyncio.sleep(0.4)
    [retaken] = await other.claim()
    assert retaken.id == held.id
    await other.process(retaken)
    assert (await enrollments(api, contact_id))[0]["status"] == "active"


async def test_a_claimed_job_is_taken_again_only_after_its_lease(app: Starlette, api: Api) -> None:
    await drain_all(app)
    contact_id, _ = await enroll(api)
    dead = Worker(app.state.db, JOB_HANDLERS, lease_seconds=0.3)
    [held] = await dead.claim()  # ... and the worker dies holding it
    other = Worker(app.state.db, JOB_HANDLERS)
    assert await other.claim() == []
    await asyncio.sleep(0.35)
    assert await other.run_until_idle() == 1
    assert (await enrollments(api, contact_id))[0]["status"] == "active"
    assert held.attempts == 1


def recording(calls: list[int], fail_first: bool = False) -> Callable[..., Awaitable[bool]]:
    async def handler(scope: WorkScope, payload: dict[str, Any]) -> bool:
        calls.append(payload["n"])
        if fail_first and len(calls) == 1:
            raise RuntimeError("transient failure")
        return True

    return handler


async def test_a_failed_job_is_retried_with_backoff_and_never_dropped(
    app: Starlette, api: Api
) -> None:
    await drain_all(app)
    calls: list[int] = []
    worker = Worker(app.state.db, {"test.flaky": recording(calls, fail_first=True)})
    await add_jobs(app, api.location_id, "test.flaky", 1)
    before = int(time.time() * 1000)
    assert await worker.run_until_idle() == 1
    assert worker.failed == 1 and calls == [0]
    [job] = await job_rows(app, api.location_id)
    assert job["locked_until"] is None and job["attempts"] == 1
    assert job["run_after"] >= before + retry_delay_ms(1)
    assert await worker.run_until_idle() == 0  # not due yet

    await app.state.db.run(
        lambda conn: conn.execute("UPDATE jobs SET run_after = 0 WHERE id = $1", job["id"]),
        write=True,
    )
    assert await worker.run_until_idle() == 1
    assert worker.processed == 1 and calls == [0, 0]
    assert await job_rows(app, api.location_id) == []
    assert retry_delay_ms(2) == 2 * retry_delay_ms(1)
    assert retry_delay_ms(100) == 5 * 60 * 1000


async def test_a_job_of_an_unknown_kind_is_kept_for_a_worker_that_knows_it(
    app: Starlette, api: Api
) -> None:
    await drain_all(app)
    await add_jobs(app, api.location_id, "test.future-kind", 1)
    worker = Worker(app.state.db, JOB_HANDLERS)
    await worker.run_until_idle()
    assert worker.failed == 1
    [job] = await job_rows(app, api.location_id)
    assert job["attempts"] == 1 and job["locked_until"] is None
    await delete_jobs(app, api.location_id)


async def test_stop_finishes_the_running_job_and_releases_the_rest(
    app: Starlette, api: Api
) -> None:
    await drain_all(app)
    await add_jobs(app, api.location_id, "test.stop", 5)
    calls: list[int] = []
    worker: Worker

    async def stop_on_first(scope: WorkScope, payload: dict[str, Any]) -> bool:
        calls.append(payload["n"])
        worker.stop()  # SIGTERM arrives while the first job runs
        return True

    worker = Worker(app.state.db, {"test.stop": stop_on_first}, batch_size=10)
    await asyncio.wait_for(worker.run(), 5)
    assert calls == [0] and worker.processed == 1
    left = await job_rows(app, api.location_id)
    assert len(left) == 4
    assert all(job["locked_until"] is None and job["attempts"] == 0 for job in left)
    # Released jobs are due at once for the next worker.
    rest = Worker(app.state.db, {"test.stop": recording(calls)})
    assert await rest.run_until_idle() == 4
    assert calls == [0, 1, 2, 3, 4]
