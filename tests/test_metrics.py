"""`GET /metrics` through HTTP, on both databases: requests counted by route template (never by
id) and status, latency, queue depth and age, jobs run, webhook attempts, SQLite group-commit
batches; then real servers: the sum over two server processes and a `contactapi worker`
(which, once killed, leaves the live gauges), rate-limit refusals, a port of its own, and a
directory cleaned of dead processes' files at start."""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from prometheus_client.parser import text_string_to_metric_families
from starlette.applications import Starlette

from contactapi.jobs import JOB_HANDLERS
from contactapi.queue.worker import Worker
from contactapi.webhooks import policy
from contactapi.webhooks.dispatcher import Dispatcher
from contactapi.workflows.service import ENROLL_JOB
from tests.factories import Api
from tests.live import CONTACTAPI, create_location, free_port, live_server
from tests.webhooks.receiver import receiver

CONTACT_ROUTE = "/v1/contacts/{id}"


def value(text: str, name: str, **labels: str) -> float:
    """The sum of the samples called `name` whose labels include `labels` (0 when none)."""
    total = 0.0
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and labels.items() <= sample.labels.items():
                total += sample.value
    return total


async def scrape(http: httpx.AsyncClient) -> str:
    answer = await http.get("/metrics")  # no API key
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain; version=")
    return answer.text


async def test_requests_counted_by_route_template_and_status(
    http: httpx.AsyncClient, api: Api
) -> None:
    contact = await api.make_contact()
    before = await scrape(http)
    for _ in range(3):
        assert (await api.get(f"/v1/contacts/{contact['id']}")).status_code == 200
    assert (await api.get("/v1/contacts/" + "x" * 20)).status_code == 422
    assert (await http.get(f"/no/such/{contact['id']}")).status_code == 404
    after = await scrape(http)

    def moved(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    get = {"route": CONTACT_ROUTE, "method": "GET"}
    assert moved("contactapi_requests_total", **get, status="200") == 3
    assert moved("contactapi_requests_total", **get, status="422") == 1
    assert moved("contactapi_requests_total", route="unmatched", status="404") == 1
    assert moved("contactapi_request_duration_seconds_count", **get) == 4
    assert moved("contactapi_request_duration_seconds_bucket", **get, le="+Inf") == 4
    assert moved("contactapi_request_duration_seconds_sum", **get) > 0
    assert contact["id"] not in after and "x" * 20 not in after  # templates, never ids


async def test_queue_depth_age_and_jobs_run(
    app: Starlette, http: httpx.AsyncClient, api: Api
) -> None:
    contact = await api.make_contact()
    workflow = (await api.post("/v1/workflows/", json={"name": "W"})).json()["workflow"]
    await Worker(app.state.db, JOB_HANDLERS).run_until_idle()  # other tests' jobs
    before = await scrape(http)
    assert value(before, "contactapi_queue_jobs", kind=ENROLL_JOB) == 0
    enrolled = await api.post(f"/v1/contacts/{contact['id']}/workflow/{workflow['id']}", json={})
    assert enrolled.status_code == 200
    time.sleep(0.05)
    queued = await scrape(http)
    assert value(queued, "contactapi_queue_jobs", kind=ENROLL_JOB) == 1
    assert 0.05 <= value(queued, "contactapi_queue_oldest_job_age_seconds", kind=ENROLL_JOB) < 60

    assert await Worker(app.state.db, JOB_HANDLERS).run_until_idle() == 1
    done = await scrape(http)
    assert value(done, "contactapi_queue_jobs", kind=ENROLL_JOB) == 0
    assert "contactapi_queue_oldest_job_age_seconds{" not in done
    ran = {"kind": ENROLL_JOB, "outcome": "done"}
    assert (
        value(done, "contactapi_jobs_total", **ran) - value(before, "contactapi_jobs_total", **ran)
        == 1
    )


async def test_webhook_attempts_by_result_and_backlog(
    app: Starlette, http: httpx.AsyncClient, api: Api, monkeypatch: object
) -> None:
    async def give_up_others(conn: object) -> None:  # other tests' subscriptions
        await conn.execute(  # type: ignore[attr-defined]
            "UPDATE webhook_deliveries SET status = 'failed' WHERE status = 'pending'"
        )

    await app.state.db.run(give_up_others, write=True)
    policy.allow_private, was = True, policy.allow_private
    try:
        with receiver() as hooks:
            for path in ("/ok", "/status/503"):
                subscription = {"url": hooks.base_url + path, "events": ["ContactCreate"]}
                made = await api.post("/v1/webhooks/", json=subscription)
                assert made.status_code == 200, made.text
            before = await scrape(http)
            await api.make_contact()
            assert value(await scrape(http), "contactapi_webhook_deliveries_pending") == 2
            assert await Dispatcher(app.state.db, allow_private=True).run_until_idle() == 2
            after = await scrape(http)
    finally:
        policy.allow_private = was
    for result in ("2xx", "5xx"):
        counted = value(after, "contactapi_webhook_attempts_total", result=result)
        assert counted - value(before, "contactapi_webhook_attempts_total", result=result) == 1
    assert value(after, "contactapi_webhook_deliveries_pending") == 1  # the 503, to retry


async def test_group_commit_batches_on_sqlite_only(
    http: httpx.AsyncClient, api: Api, backend: str
) -> None:
    before = await scrape(http)
    await api.make_contact()
    after = await scrape(http)
    # The create, and the key's last use, commit in one batch or two.
    batches = {name: value(after, name) - value(before, name)
               for name in ("contactapi_sqlite_commit_batch_size_count",
                            "contactapi_sqlite_commit_batch_size_sum")}  # fmt: skip
    if backend == "sqlite":
        assert 1 <= batches["contactapi_sqlite_commit_batch_size_count"] <= 2
        assert batches["contactapi_sqlite_commit_batch_size_sum"] >= 1
    else:  # no group commit on PostgreSQL
        assert batches == dict.fromkeys(batches, 0)


def get(url: str, **kwargs: object) -> httpx.Response:
    """On a new connection: the kernel hands each to any of the server's processes."""
    with httpx.Client(timeout=10) as client:
        return client.get(url, **kwargs)  # type: ignore[arg-type]


def test_two_server_processes_add_up_with_refusals(database_url: str, tmp_path: Path) -> None:
    _, key = create_location(database_url)
    auth = {"Authorization": f"Bearer {key}"}
    env = {"CONTACTAPI_METRICS_DIR": str(tmp_path / "metrics")}
    args = ("--workers", "2", "--no-worker", "--rate-limit", "30/60s")
    with live_server(database_url, tmp_path, *args, env=env) as server:
        url = f"{server.base_url}/v1/contacts/lookup?email=nobody@example.com"
        processes, sent = set(), 0
        while len(processes) < 2:
            assert sent < 25, "one process answered every connection"
            answer = get(url, headers=auth)
            assert answer.status_code in (200, 422)
            processes.add(answer.headers["x-request-id"][12:18])
            sent += 1
        statuses = [get(url, headers=auth).status_code for _ in range(33 - sent)]
        assert statuses.count(429) == 3
        # The other process's figures arrive within FLUSH_SECONDS.
        text = wait_for(f"{server.base_url}/metrics", "contactapi_requests_total", 33,
                        route="/v1/contacts/lookup")  # fmt: skip
    assert value(text, "contactapi_requests_total", route="/v1/contacts/lookup") == 33
    assert value(text, "contactapi_requests_total", route="/v1/contacts/lookup", status="429") == 3
    assert value(text, "contactapi_rate_limit_refusals_total") == 3
    assert value(text, "contactapi_processes", role="server") == 2


@contextmanager
def queue_worker(database_url: str, env: dict[str, str], log: Path) -> Iterator[int]:
    with log.open("wb") as sink:
        child = subprocess.Popen([CONTACTAPI, "worker", "--database", database_url],
                                 stderr=sink, env={**os.environ, **env})  # fmt: skip
    try:
        yield child.pid
    finally:
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)
        child.wait(timeout=15)


def wait_for(url: str, name: str, expected: float, **labels: str) -> str:
    deadline = time.monotonic() + 15
    while True:
        text = get(url).text
        if value(text, name, **labels) == expected or time.monotonic() > deadline:
            assert value(text, name, **labels) == expected, text
            return text
        time.sleep(0.1)


def test_a_queue_workers_figures_reach_the_server_until_it_dies(
    database_url: str, tmp_path: Path
) -> None:
    _, key = create_location(database_url)
    auth = {"Authorization": f"Bearer {key}"}
    env = {"CONTACTAPI_METRICS_DIR": str(tmp_path / "metrics")}
    with live_server(database_url, tmp_path, "--no-worker", "--workers", "1", env=env) as server:
        metrics_url = f"{server.base_url}/metrics"
        email = f"{secrets.token_hex(4)}@example.com"
        made = httpx.post(f"{server.base_url}/v1/contacts/", headers=auth, json={"email": email})
        contact = made.json()["contact"]
        made = httpx.post(f"{server.base_url}/v1/workflows/", headers=auth, json={"name": "W"})
        workflow = made.json()["workflow"]
        with queue_worker(database_url, env, tmp_path / "worker.log") as pid:
            wait_for(metrics_url, "contactapi_processes", 1, role="worker")
            enroll = f"{server.base_url}/v1/contacts/{contact['id']}/workflow/{workflow['id']}"
            assert httpx.post(enroll, headers=auth, json={}).status_code == 200
            wait_for(metrics_url, "contactapi_jobs_total", 1, kind=ENROLL_JOB, outcome="done")
            os.kill(pid, signal.SIGKILL)  # no chance to sign off
        text = wait_for(metrics_url, "contactapi_processes", 0, role="worker")
        # What the dead worker counted still counts; the live gauge left with it.
        assert value(text, "contactapi_jobs_total", kind=ENROLL_JOB, outcome="done") == 1
        assert value(text, "contactapi_processes", role="server") == 1


def test_metrics_on_a_port_of_their_own(database_url: str, tmp_path: Path) -> None:
    _, key = create_location(database_url)
    port = free_port()
    env = {"CONTACTAPI_METRICS_PORT": str(port), "CONTACTAPI_METRICS_DIR": str(tmp_path / "m")}
    with live_server(database_url, tmp_path, "--no-worker", env=env) as server:
        assert get(f"{server.base_url}/metrics").status_code == 404
        assert get(f"{server.base_url}/v1/contacts/lookup?email=a@example.com",
                   headers={"Authorization": f"Bearer {key}"}).status_code == 200  # fmt: skip
        assert get(f"http://127.0.0.1:{port}/metrics").status_code == 200
        wait_for(f"http://127.0.0.1:{port}/metrics", "contactapi_requests_total", 1,
                 route="/v1/contacts/lookup")  # fmt: skip
        assert get(f"http://127.0.0.1:{port}/other").status_code == 404


def test_start_removes_dead_processes_files(database_url: str, tmp_path: Path) -> None:
    directory = tmp_path / "metrics"
    directory.mkdir()
    gone = subprocess.Popen(["true"])
    gone.wait()
    # A dead process's counts from an earlier run; unreadable, too, should it be summed.
    stale = directory / f"counter_{gone.pid}.db"
    stale.write_bytes(b"\xff" * 64)
    env = {"CONTACTAPI_METRICS_DIR": str(directory)}
    with live_server(database_url, tmp_path, "--no-worker", "--workers", "1", env=env) as server:
        assert not stale.exists()
        answer = get(f"{server.base_url}/metrics")
        assert answer.status_code == 200
        assert value(answer.text, "contactapi_processes", role="server") == 1
