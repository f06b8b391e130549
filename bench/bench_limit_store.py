"""The added cost of the shared limiter: GET by id with the limits counted in Redis
(`--rate-limit-store`) against the default in-process store, in one run.

    .venv/bin/python -m bench.bench_limit_store [--seconds 5] [--rounds 3] [--locations 2000]

One PostgreSQL database (CONTACTAPI_BENCH_POSTGRES_URL) holds `--locations` locations with a
contact each; wrk (-t2 -c64) reads them by id, each request from the next location in turn,
with the default limits on (100 per 10 s, 200,000 a day: never reached, so every request is
counted and answered 200). Two `contactapi serve --workers 1` run side by side, one per store,
with a local redis-server; each round drives the yardstick, then each server in turn. Prints
requests per second and p50/p99, the ratio of each to the yardstick, and the ratio of the
Redis store to the in-process one (the figure asked for), with the CPU per request of each
server and of redis-server.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
from pathlib import Path

import redis

from bench.common import (
    WrkResult,
    cpu_seconds,
    fresh_database,
    median,
    process_tree,
    redis_server,
    serve,
    wrk,
    yardstick,
)
from contactapi.contacts.schemas import prepare_contact
from contactapi.contacts.service import ContactService
from contactapi.db.engine import Connection, create_database
from contactapi.db.migrate import upgrade
from contactapi.locations.service import create_location
from contactapi.scope import Location, LocationScope
from contactapi.settings import Settings

DEFAULT_LIMITS = ("--rate-limit", "100/10s", "--daily-limit", "200000")


async def locations_with_a_contact(url: str, count: int) -> list[tuple[str, str]]:
    """(API key, contact id) of `count` new locations, each holding one contact."""
    db = create_database(Settings(database_url=url))
    await db.connect()
    try:

        async def work(conn: Connection) -> list[tuple[str, str]]:
            made = []
            for n in range(count):
                created = await create_location(conn, f"bench {n}")
                location = Location(created.id, False, "US")
                service = ContactService(LocationScope(conn, location))
                contact, _ = await service.upsert(
                    prepare_contact({"email": f"c{n}@example.com"}, location)
                )
                made.append((created.api_key, contact["id"]))
            return made

        return await db.run(work, write=True)
    finally:
        await db.close()


def get_script(reads: list[tuple[str, str]]) -> str:
    """A wrk script whose requests walk the locations in turn, each reading its contact."""
    rows = ",\n".join(f'  {{"Bearer {key}", "/v1/contacts/{cid}"}}' for key, cid in reads)
    return f"""
local reads = {{
{rows}
}}
local n = 0
function setup(thread)
  thread:set("n", math.random(#reads))
end
function request()
  n = n % #reads + 1
  return wrk.format("GET", reads[n][2], {{["Authorization"] = reads[n][1]}})
end
"""


def measure(url: str, script: str, seconds: int, pids: list[int]) -> tuple[WrkResult, float]:
    """wrk's figures, and the CPU microseconds per request of `pids`."""
    before = cpu_seconds(pids)
    result = wrk(url, seconds, script)
    return result, (cpu_seconds(pids) - before) / result.requests * 1e6


def redis_pid(url: str) -> int:
    client = redis.Redis.from_url(url)
    try:
        return int(client.info("server")["process_id"])
    finally:
        client.close()


def line(name: str, results: list[WrkResult], base: list[WrkResult], cpu: list[float]) -> str:
    ratio = median([r.rps / b.rps for r, b in zip(results, base, strict=True)])
    cost = f"  server CPU {median(cpu):5.0f} us/request" if cpu else ""
    return (
        f"{name:<22} {median([r.rps for r in results]):>8.0f} req/s  yardstick ratio "
        f"{ratio:5.3f}  p50 {median([r.p50_ms for r in results]):6.2f} ms  "
        f"p99 {median([r.p99_ms for r in results]):6.2f} ms{cost}"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--locations", type=int, default=2000)
    args = parser.parse_args()
    with (
        tempfile.TemporaryDirectory() as tmp,
        fresh_database("postgresql") as url,
        redis_server() as redis_url,
    ):
        upgrade(Settings(database_url=url))
        script = get_script(asyncio.run(locations_with_a_contact(url, args.locations)))
        common = ("--database", url, "--workers", "1", "--no-worker", *DEFAULT_LIMITS)
        with (
            yardstick() as ystick,
            serve(Path(tmp), *common) as local,
            serve(Path(tmp), *common, "--rate-limit-store", redis_url) as shared,
        ):
            servers = {"in-process store": local, "Redis store": shared}
            redis_process, redis_cpu = redis_pid(redis_url), list[float]()
            wrk(ystick + "/", 2)  # warm-up: every key verified, every connection open
            for server in servers.values():
                wrk(server.url + "/", 2, script)
            base: list[WrkResult] = []
            results: dict[str, list[WrkResult]] = {name: [] for name in servers}
            cpu: dict[str, list[float]] = {name: [] for name in servers}
            for _ in range(args.rounds):
                base.append(wrk(ystick + "/", args.seconds))
                for name, server in servers.items():
                    redis_before = cpu_seconds([redis_process])
                    tree = process_tree(server.pid)
                    result, cost = measure(server.url + "/", script, args.seconds, tree)
                    results[name].append(result)
                    cpu[name].append(cost)
                    if server is shared:
                        redis_used = cpu_seconds([redis_process]) - redis_before
                        redis_cpu.append(redis_used / result.requests * 1e6)
    print(f"GET by id, {args.locations} locations in turn, PostgreSQL, 1 process per server, "
          f"{args.rounds} rounds of {args.seconds} s (medians)")  # fmt: skip
    print(line("yardstick", base, base, []))
    for name in servers:
        print(line(f"GET by id, {name}", results[name], base, cpu[name]))
    local_rps, shared_rps = (results[name] for name in servers)
    ratio = median([s.rps / r.rps for s, r in zip(shared_rps, local_rps, strict=True)])
    print(f"Redis store / in-process store, requests per second: {ratio:.3f}")
    print(f"redis-server CPU per request: {median(redis_cpu):.0f} us")


if __name__ == "__main__":
    main()
