"""The limits counted in Redis (`--rate-limit-store`), through HTTP on both databases: two
apps stand for two machines sharing one Redis; one exact window and one daily quota per
location across both; 503 while Redis is unreachable (or, failing open, uncounted answers);
a step back of Redis's clock locks no one out."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import redis.asyncio
from starlette.applications import Starlette

from contactapi.app import create_app
from contactapi.ratelimit_redis import KEY_PREFIX, PAUSE_AFTER_FAILURE_S
from contactapi.settings import Settings
from tests.factories import Api, make_location
from tests.live import free_port
from tests.services import redis_server


@asynccontextmanager
async def machines(count: int, **settings: Any) -> AsyncIterator[list[httpx.AsyncClient]]:
    """`count` apps with the same settings (each its own limiter, as on its own machine)."""
    async with AsyncExitStack() as stack:
        clients = []
        for n in range(count):
            app = create_app(Settings(run_worker=False, **settings))
            await stack.enter_async_context(app.router.lifespan_context(app))
            transport = httpx.ASGITransport(app=app)
            client = httpx.AsyncClient(transport=transport, base_url=f"http://machine-{n}")
            clients.append(await stack.enter_async_context(client))
        yield clients


async def location_on(clients: list[httpx.AsyncClient]) -> list[Api]:
    """One new location, a client of it on each machine."""
    app: Starlette = clients[0]._transport.app  # type: ignore[attr-defined]
    first = await make_location(app, clients[0])
    return [Api(client, first.location_id, first.key) for client in clients]


async def test_one_exact_window_across_machines(database_url: str, redis_url: str) -> None:
    async with machines(2, database_url=database_url, rate_limit="5/60s", daily_limit="off",
                        rate_limit_store=redis_url) as clients:  # fmt: skip
        one, two = await location_on(clients)
        # At once, half on each machine: Redis decides, so exactly 5 pass.
        answers = await asyncio.gather(
            *(side.get("/v1/contacts/lookup", params={"email": "a@example.com"})
              for _ in range(6) for side in (one, two))
        )  # fmt: skip
        accepted = [a for a in answers if a.status_code == 200]
        refused = [a for a in answers if a.status_code == 429]
        assert len(accepted) == 5 and len(refused) == 7
        # Each accepted request saw its own place in the window.
        assert sorted(int(a.headers["x-ratelimit-remaining"]) for a in accepted) == [0, 1, 2, 3, 4]
        for answer in answers:
            assert answer.headers["x-ratelimit-max"] == "5"
            assert answer.headers["x-ratelimit-interval-milliseconds"] == "60000"
            assert "x-ratelimit-limit-daily" not in answer.headers
        for answer in refused:
            assert answer.json() == {"msg": "Too Many Requests"}
            assert answer.headers["x-ratelimit-remaining"] == "0"
            assert 55 <= int(answer.headers["retry-after"]) <= 60
        # Another location has its own window.
        (other, _) = await location_on(clients)
        assert (await other.get("/v1/contacts/")).headers["x-ratelimit-remaining"] == "4"


async def test_the_window_slides(database_url: str, redis_url: str) -> None:
    async with machines(2, database_url=database_url, rate_limit="2/2s", daily_limit="off",
                        rate_limit_store=redis_url) as clients:  # fmt: skip
        one, two = await location_on(clients)
        assert (await one.get("/v1/contacts/")).status_code == 200
        await asyncio.sleep(1.2)
        assert (await two.get("/v1/contacts/")).status_code == 200
        assert (await one.get("/v1/contacts/")).status_code == 429
        await asyncio.sleep(1.0)  # the first left the window, the second not yet
        assert (await two.get("/v1/contacts/")).status_code == 200
        assert (await one.get("/v1/contacts/")).status_code == 429


async def test_one_daily_quota_across_machines(database_url: str, redis_url: str) -> None:
    async with machines(2, database_url=database_url, rate_limit="off", daily_limit="3",
                        rate_limit_store=redis_url) as clients:  # fmt: skip
        one, two = await location_on(clients)
        answers = [await side.get("/v1/contacts/") for side in (one, two, one, two)]
        assert [a.status_code for a in answers] == [200, 200, 200, 429]
        assert [a.headers["x-ratelimit-daily-remaining"] for a in answers] == ["2", "1", "0", "0"]
        assert {a.headers["x-ratelimit-limit-daily"] for a in answers} == {"3"}
        assert "x-ratelimit-max" not in answers[0].headers
        assert 1 <= int(answers[3].headers["retry-after"]) <= 86_400


async def test_unreachable_redis_is_503_then_counted_again(
    database_url: str, tmp_path: Path
) -> None:
    port = free_port()  # nothing listens there yet
    async with machines(1, database_url=database_url, rate_limit="5/60s", daily_limit="10",
                        rate_limit_store=f"redis://127.0.0.1:{port}/0") as clients:  # fmt: skip
        (api,) = await location_on(clients)
        down = await api.get("/v1/contacts/")
        assert down.status_code == 503
        assert down.json() == {"msg": "Service Unavailable"}
        assert down.headers["retry-after"] == "1"
        created = await api.post("/v1/contacts/", json={"email": "held@example.com"})
        assert created.status_code == 503, "a write must not pass uncounted either"
        assert (await clients[0].get("/health")).status_code == 200  # not a limited route
        with redis_server(tmp_path, port):
            await asyncio.sleep(PAUSE_AFTER_FAILURE_S + 0.1)
            up = await api.get("/v1/contacts/lookup", params={"email": "held@example.com"})
            assert up.status_code == 200
            assert up.json()["contacts"] == []  # the refused create wrote nothing
            assert up.headers["x-ratelimit-remaining"] == "4"
            assert up.headers["x-ratelimit-daily-remaining"] == "9"


async def test_failing_open_lets_requests_through_uncounted(
    database_url: str, tmp_path: Path
) -> None:
    port = free_port()
    async with machines(1, database_url=database_url, rate_limit="2/60s", daily_limit="10",
                        rate_limit_store=f"redis://127.0.0.1:{port}/0",
                        rate_limit_fail_open=True) as clients:  # fmt: skip
        (api,) = await location_on(clients)
        answers = [await api.get("/v1/contacts/") for _ in range(4)]
        assert [a.status_code for a in answers] == [200] * 4, "past the limit: nothing counts"
        for answer in answers:
            assert answer.headers["x-ratelimit-max"] == "2"
            assert answer.headers["x-ratelimit-limit-daily"] == "10"
            assert "x-ratelimit-remaining" not in answer.headers
            assert "x-ratelimit-daily-remaining" not in answer.headers
        with redis_server(tmp_path, port):
            await asyncio.sleep(PAUSE_AFTER_FAILURE_S + 0.1)
            counted = [(await api.get("/v1/contacts/")).status_code for _ in range(3)]
            assert counted == [200, 200, 429]


async def test_a_step_back_of_redis_clock_locks_no_one_out(
    database_url: str, redis_url: str
) -> None:
    async with machines(1, database_url=database_url, rate_limit="3/2s", daily_limit="off",
                        rate_limit_store=redis_url) as clients:  # fmt: skip
        (api,) = await location_on(clients)
        assert [(await api.get("/v1/contacts/")).status_code for _ in range(3)] == [200] * 3
        # The window's stamps an hour ahead of Redis's clock: as if it had just stepped back.
        client = redis.asyncio.Redis.from_url(redis_url)
        window = f"{KEY_PREFIX}{{{api.location_id}}}:window"
        stamps = await client.zrange(window, 0, -1, withscores=True)
        assert len(stamps) == 3
        await client.zadd(window, {member: score + 3_600_000 for member, score in stamps})
        await client.aclose()
        # They still count (the window is full), for the rest of their 2 s, not for an hour.
        refused = await api.get("/v1/contacts/")
        assert refused.status_code == 429
        assert int(refused.headers["retry-after"]) <= 2
        await asyncio.sleep(2.1)
        assert (await api.get("/v1/contacts/")).status_code == 200


async def test_counts_go_on_after_redis_forgets_the_script(
    database_url: str, redis_url: str
) -> None:
    async with machines(1, database_url=database_url, rate_limit="5/60s", daily_limit="off",
                        rate_limit_store=redis_url) as clients:  # fmt: skip
        (api,) = await location_on(clients)
        assert (await api.get("/v1/contacts/")).headers["x-ratelimit-remaining"] == "4"
        client = redis.asyncio.Redis.from_url(redis_url)
        await client.script_flush()  # as after a restart of Redis
        await client.aclose()
        answers = await asyncio.gather(*(api.get("/v1/contacts/") for _ in range(3)))
        assert sorted(a.headers["x-ratelimit-remaining"] for a in answers) == ["1", "2", "3"]
