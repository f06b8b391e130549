"""POST create and GET by id against the yardstick, alternately, in one run.

    .venv/bin/python -m bench.bench_contacts [--seconds 5] [--rounds 3] [--only sqlite|postgresql]
    .venv/bin/python -m bench.bench_contacts --database URL --seed N   # seeds, prints the key
    .venv/bin/python -m bench.bench_contacts --database URL --key KEY  # a seeded database

Starts `contactapi serve` with default settings (durable commits, auth and validation on) but
the rate limit off, over a fresh database of each kind (a SQLite file in a temp dir, a new
PostgreSQL database at CONTACTAPI_BENCH_POSTGRES_URL), or over a database seeded once by
`--seed` (`contactapi seed`: seeding a million takes minutes, so it is reused across runs).
Also starts the yardstick (bench/yardstick.py) on uvicorn with uvloop and httptools. Each
round, wrk (-t2) drives in turn: the yardstick and GET by id at 64 connections, then for each
of `--connections` the yardstick and POST create at that many. Prints, over the rounds, the
median and range of requests per second, of the ratio to the yardstick measured at the same
connection count in the same round, of p50/p99 latency, and of the whole machine's CPU per
request (wrk, servers, database and kernel together), with the share of the CPUs busy: on a
machine whose CPUs are all busy, requests per second is CPUs / CPU per request.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import time
import urllib.request

import psycopg

from bench.common import (
    BACKENDS,
    POSTGRES_ADMIN_URL,
    ROOT,
    WrkResult,
    contactapi,
    create_location,
    fresh_database,
    median,
    serve,
    wrk,
    yardstick,
)

_POST_SCRIPT = """
local counter = 0
local threads = 0
-- Phones must be valid numbers: area codes in use, exchanges 200-999 (all valid there). None
-- of them is `contactapi seed`'s (contacts/seed.py): a seeded location's phones would
-- otherwise match some new ones, which then update a seeded contact.
local areas = {201, 202, 203, 206, 214, 215, 303, 310, 401, 503,
               504, 612, 646, 718, 801, 804, 816, 904, 917, 971}
function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
  thread:set("run", RUN)
end
function request()
  counter = counter + 1
  -- Every request is a new contact: email and phone unique per thread, run and request.
  local area = areas[(run + tid) % #areas + 1]
  local exchange = 200 + (math.floor(run / 20) + math.floor(counter / 10000)) % 800
  local phone = string.format("+1%03d%03d%04d", area, exchange, counter % 10000)
  local body = '{"email": "bench-' .. run .. '-' .. tid .. '-' .. counter .. '@example.com", '
    .. '"firstName": "Bench", "lastName": "Mark", "phone": "' .. phone .. '", '
    .. '"companyName": "Acme Realty", "tags": ["bench", "wrk"], "source": "wrk"}'
  return wrk.format("POST", "/v1/contacts/", {["Authorization"] = "Bearer KEY",
    ["Content-Type"] = "application/json"}, body)
end
"""


def post_script(key: str) -> str:
    """A wrk script whose every request creates a contact. Each call gives the emails and
    phones a new run number: wrk's Lua random numbers are the same in every process, so
    a run number drawn there would make every later round update the first round's
    contacts instead of creating new ones."""
    run = secrets.randbelow(10**9)
    return _POST_SCRIPT.replace("KEY", key).replace("RUN", str(run))


GET_SCRIPT = """
wrk.headers["Authorization"] = "Bearer KEY"
"""


def make_contact(base: str, key: str) -> str:
    body = json.dumps({"email": "bench@example.com", "firstName": "Bench", "tags": ["a"]}).encode()
    request = urllib.request.Request(
        base + "/v1/contacts/",
        data=body,
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request) as response:
        contact_id: str = json.loads(response.read())["contact"]["id"]
    return contact_id


def contact_count(base: str, key: str) -> int:
    request = urllib.request.Request(
        base + "/v1/contacts/?limit=1", headers={"Authorization": f"Bearer {key}"}
    )
    with urllib.request.urlopen(request) as response:
        total: int = json.loads(response.read())["meta"]["total"]
    return total


def _spread(values: list[float], fmt: str) -> str:
    return f"{median(values):{fmt}} [{min(values):{fmt}}..{max(values):{fmt}}]"


def report(name: str, results: list[WrkResult], base: list[WrkResult]) -> None:
    """Median [min..max] over the rounds of each figure."""
    ratios = [r.rps / b.rps for r, b in zip(results, base, strict=True)]
    print(
        f"  {name:<16} {_spread([r.rps for r in results], '6.0f')} req/s"
        f"  ratio {_spread(ratios, '.3f')}"
        f"  p50 {_spread([r.p50_ms for r in results], '.2f')} ms"
        f"  p99 {_spread([r.p99_ms for r in results], '.2f')} ms"
        f"  CPU {_spread([r.cpu_us for r in results], '.0f')} us/req"
        f" ({median([r.busy for r in results]):.0%} busy)",
        flush=True,
    )


def measure(url: str, key: str, seconds: int, rounds: int, connections: list[int]) -> None:
    """Serves `url` and runs the rounds; the database keeps the contacts created."""
    with yardstick() as ystick, serve(ROOT, "--database", url, timeout=120) as api:
        before = contact_count(api.url, key)
        contact_id = make_contact(api.url, key)
        get_url = f"{api.url}/v1/contacts/{contact_id}"
        get_script = GET_SCRIPT.replace("KEY", key)
        wrk(ystick + "/", 2)  # warm-ups: the GET's, and the first writes after a start
        wrk(get_url, 2, get_script)
        warm_up = wrk(api.url + "/", seconds, post_script(key), connections[0])
        print(f"  POST warm-up {warm_up.rps:.0f} req/s", flush=True)
        base: dict[int, list[WrkResult]] = {c: [] for c in {64, *connections}}
        gets: list[WrkResult] = []
        posts: dict[int, list[WrkResult]] = {c: [] for c in connections}
        for _ in range(rounds):
            base[64].append(wrk(ystick + "/", seconds))
            gets.append(wrk(get_url, seconds, get_script))
            for count in connections:
                if count != 64:
                    base[count].append(wrk(ystick + "/", seconds, connections=count))
                posts[count].append(wrk(api.url + "/", seconds, post_script(key), count))
        for count in sorted(base):
            report(f"yardstick c{count}", base[count], base[count])
        report("GET by id c64", gets, base[64])
        for count in connections:
            report(f"POST create c{count}", posts[count], base[count])
        # Each answered POST made a new contact (requests still in flight when wrk stopped
        # may add a few more): the figure is of creates, not of updates.
        created = contact_count(api.url, key) - before - 1
        answered = sum(r.requests for results in posts.values() for r in results)
        answered += warm_up.requests
        print(f"  contacts created: {created} for {answered} answered POSTs "
              f"(now {before + created + 1:,})", flush=True)  # fmt: skip
        if created < answered:
            raise SystemExit("some POSTs updated a contact instead of creating one")


def seed(url: str, count: int) -> str:
    """A location with `count` contacts in `url` (a PostgreSQL database is created if
    missing): its API key. The bulk load's dirty pages are flushed before anything is timed."""
    if url.startswith("postgresql"):
        name = url.rsplit("/", 1)[1].partition("?")[0]
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
            found = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
            if not found.fetchone():
                admin.execute(f"CREATE DATABASE {name}")
    location = create_location(ROOT, "--database", url)
    started = time.monotonic()
    contactapi(ROOT, "seed", "--location", location["id"], "--count", str(count), "--database", url)
    os.sync()
    print(f"seeded {count:,} contacts in {time.monotonic() - started:.0f} s", flush=True)
    return location["apiKey"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, nargs="+", default=[32, 64])
    parser.add_argument("--only", choices=BACKENDS)
    parser.add_argument("--database", help="measure this database (with --key, or --seed)")
    parser.add_argument("--key", help="an API key of a location in --database")
    parser.add_argument("--seed", type=int, help="first seed this many contacts in --database")
    args = parser.parse_args()
    timing = (args.seconds, args.rounds, args.connections)
    if args.database:
        key = seed(args.database, args.seed) if args.seed else args.key
        if not key:
            raise SystemExit("--database needs --key or --seed")
        print(f"{args.database} (key {key})", flush=True)
        measure(args.database, key, *timing)
        return
    for backend in BACKENDS:
        if args.only in (None, backend):
            with fresh_database(backend) as url:
                print(f"{backend}, fresh database", flush=True)
                measure(url, create_location(ROOT, "--database", url)["apiKey"], *timing)


if __name__ == "__main__":
    main()
