"""Several machines behind one load balancer: two `contactapi serve` processes on one
PostgreSQL, sharing one Redis for their limits, behind haproxy, all started here. More than
the limit sent through the balancer: exactly the limit is accepted across both."""

from __future__ import annotations

import threading
from pathlib import Path

import httpx
import orjson

from contactapi.db.migrate import upgrade
from contactapi.settings import Settings
from tests.conftest import postgres_database
from tests.live import create_location, live_server
from tests.services import haproxy, redis_server

LIMIT = 20
SENT = 3 * LIMIT
THREADS = 6


def _send_through(base_url: str, key: str) -> list[httpx.Response]:
    """SENT GETs from THREADS threads at once, each on a new connection."""
    answers: list[httpx.Response] = []
    lock = threading.Lock()

    def run() -> None:
        fresh = httpx.Limits(max_keepalive_connections=0)
        headers = {"Authorization": f"Bearer {key}"}
        with httpx.Client(headers=headers, timeout=30, limits=fresh) as client:
            for _ in range(SENT // THREADS):
                response = client.get(f"{base_url}/v1/contacts/lookup?email=a@example.com")
                with lock:
                    answers.append(response)

    threads = [threading.Thread(target=run) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def _statuses_served(log: str, location_id: str) -> list[int]:
    """The statuses one server answered to the location, from its access log."""
    lines = [orjson.loads(line) for line in log.splitlines() if line.startswith("{")]
    return [line["status"] for line in lines if line.get("location_id") == location_id]


def test_two_machines_behind_haproxy_share_one_exact_limit(tmp_path: Path) -> None:
    args = ("--workers", "1", "--no-worker", "--rate-limit", f"{LIMIT}/60s",
            "--daily-limit", "1000")  # fmt: skip
    with (
        postgres_database("contactapi_machines") as database_url,
        redis_server(tmp_path) as redis_url,
    ):
        upgrade(Settings(database_url=database_url))
        location_id, key = create_location(database_url)
        shared = ("--rate-limit-store", redis_url)
        # Each with a state directory of its own, as on a machine of its own: nothing but
        # Redis is shared (on one machine, the default store would count both together).
        own = [{"CONTACTAPI_STATE_DIR": str(tmp_path / f"machine-{n}")} for n in (1, 2)]
        with (
            live_server(database_url, tmp_path, *args, *shared, env=own[0]) as one,
            live_server(database_url, tmp_path, *args, *shared, env=own[1]) as two,
        ):
            backends = [url.removeprefix("http://") for url in (one.base_url, two.base_url)]
            with haproxy(tmp_path, backends) as balancer:
                answers = _send_through(balancer, key)
    assert len(answers) == SENT
    accepted = [a for a in answers if a.status_code == 200]
    refused = [a for a in answers if a.status_code == 429]
    assert len(accepted) == LIMIT and len(refused) == SENT - LIMIT
    # Each accepted request had its own place in the one window.
    assert sorted(int(a.headers["x-ratelimit-remaining"]) for a in accepted) == list(range(LIMIT))
    assert sorted(int(a.headers["x-ratelimit-daily-remaining"]) for a in accepted) == list(
        range(1000 - LIMIT, 1000)
    )
    for answer in answers:
        assert answer.headers["x-ratelimit-max"] == str(LIMIT)
        assert answer.headers["x-ratelimit-interval-milliseconds"] == "60000"
        assert answer.headers["x-ratelimit-limit-daily"] == "1000"
    for answer in refused:
        assert answer.json() == {"msg": "Too Many Requests"}
        assert answer.headers["x-ratelimit-remaining"] == "0"
        assert 1 <= int(answer.headers["retry-after"]) <= 60
    # Both machines served and refused: the balancer spread the load, and the limit held
    # across them (each alone would have let LIMIT through).
    served = [_statuses_served(server.log, location_id) for server in (one, two)]
    assert all(200 in statuses and 429 in statuses for statuses in served), served
    assert sum(statuses.count(200) for statuses in served) == LIMIT
    assert sum(len(statuses) for statuses in served) == SENT
