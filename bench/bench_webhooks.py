"""Webhooks: events delivered per second to a local receiver by 1 and by 3 `contactapi worker`
processes, and the added cost of a subscription to POST create.

Deliveries: N contacts are written in one transaction with one subscription to ContactCreate
(N events, each its own contact, so no ordering holds any back), the workers already idle; the
clock runs from that commit until the receiver has counted N. Create cost: wrk POSTs new
contacts to `contactapi serve` (its own dispatcher delivering meanwhile) without, then with, a
subscription; the ratio of requests per second, in one run. Not a test; prints its figures.

    .venv/bin/python -m bench.bench_webhooks [N] [--seconds 5]
    .venv/bin/python -m bench.bench_webhooks --cost-only --rounds 5 [--cost-backend postgresql]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bench.bench_contacts import post_script
from bench.common import BACKENDS, BIN, ROOT, free_port, fresh_database, median, serve, wrk
from contactapi.contacts.schemas import prepare_contact
from contactapi.contacts.service import ContactService
from contactapi.db.engine import Connection, create_database
from contactapi.db.migrate import upgrade
from contactapi.locations.service import create_location
from contactapi.scope import Location, LocationScope
from contactapi.settings import Settings
from contactapi.webhooks.schemas import parse_webhook
from contactapi.webhooks.service import WebhookService

CLI = str(BIN / "contactapi")
ALLOW = {"CONTACTAPI_WEBHOOK_ALLOW_PRIVATE": "1"}


@contextmanager
def receiver() -> Iterator[str]:
    port = free_port()
    process = subprocess.Popen(
        [str(BIN / "uvicorn"), "bench.webhook_receiver:app", "--port", str(port), "--loop",
         "uvloop", "--http", "httptools", "--log-level", "warning", "--no-access-log"],
        cwd=ROOT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(url, timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(10)


def received(url: str) -> int:
    with urllib.request.urlopen(url, timeout=5) as answer:
        return int(answer.read())


async def subscribed_location(url: str, target: str) -> Location:
    db = create_database(Settings(database_url=url))
    await db.connect()
    try:

        async def work(conn: Connection) -> Location:
            created = await create_location(conn, "bench")
            location = Location(created.id, False, "US")
            body = {"url": target + "/hook", "events": ["ContactCreate"]}
            parse = parse_webhook(True, create=True)
            await WebhookService(LocationScope(conn, location)).create(parse(body))
            return location

        return await db.run(work, write=True)
    finally:
        await db.close()


async def write_events(url: str, location: Location, count: int) -> float:
    db = create_database(Settings(database_url=url))
    await db.connect()
    try:

        async def work(conn: Connection) -> None:
            service = ContactService(LocationScope(conn, location))
            for n in range(count):
                await service.upsert(prepare_contact({"email": f"w{n}@example.com"}, location))

        await db.run(work, write=True)
        return time.perf_counter()
    finally:
        await db.close()


def deliveries_per_second(url: str, workers: int, count: int, logs: Path) -> float:
    with receiver() as target:
        location = asyncio.run(subscribed_location(url, target))
        children = []
        for n in range(workers):
            with (logs / f"worker-{workers}-{n}.log").open("wb") as sink:
                children.append(
                    subprocess.Popen(
                        [CLI, "worker", "--database", url], stderr=sink, env={**os.environ, **ALLOW}
                    )
                )
        try:
            time.sleep(2.0)  # started and idle
            started = asyncio.run(write_events(url, location, count))
            while received(target) < count:
                time.sleep(0.01)
            return count / (time.perf_counter() - started)
        finally:
            for child in children:
                child.send_signal(signal.SIGTERM)
            for child in children:
                child.wait(30)


def new_location(name: str, database: str) -> dict[str, str]:
    command = [CLI, "locations", "create", "--name", name, "--json", "--database", database]
    created: dict[str, str] = json.loads(
        subprocess.run(command, check=True, capture_output=True, text=True).stdout
    )
    return created


def create_cost(
    workdir: Path, database: str, seconds: int, rounds: int, *extra: str
) -> tuple[float, float]:
    """POST create requests per second without and with a subscription (medians of the
    rounds, which alternate; each round's figures are printed too)."""
    with receiver() as target, serve(workdir, "--database", database, "--workers", "2",
                                     *extra) as server:  # fmt: skip
        plain, hooked = (new_location(name, database) for name in ("Plain", "Hooked"))
        subprocess.run(
            [CLI, "webhooks", "create", "--location", hooked["id"], "--url", target + "/hook",
             "--event", "ContactCreate", "--database", database],
            check=True, capture_output=True, env={**os.environ, **ALLOW},
        )  # fmt: skip
        without: list[float] = []
        with_hook: list[float] = []
        for _ in range(rounds):
            for key, figures in ((plain["apiKey"], without), (hooked["apiKey"], with_hook)):
                figures.append(
                    wrk(server.url + "/v1/contacts/", seconds, post_script(key), connections=32).rps
                )
            print(f"  round: {without[-1]:.0f}/s without, {with_hook[-1]:.0f}/s with",
                  flush=True)  # fmt: skip
    return median(without), median(with_hook)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("count", nargs="?", type=int, default=5000)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--cost-only", action="store_true")
    parser.add_argument("--cost-backend", choices=BACKENDS, action="append",
                        help="the database(s) of the create cost (default: sqlite)")  # fmt: skip
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        logs = Path(tmp)
        for backend in () if args.cost_only else BACKENDS:
            for workers in (1, 3):
                with fresh_database(backend) as url:
                    upgrade(Settings(database_url=url))
                    rate = deliveries_per_second(url, workers, args.count, logs)
                print(f"{backend:<10} workers={workers}  N={args.count}  {rate:8.0f} deliveries/s",
                      flush=True)  # fmt: skip
        # The outbox alone (no dispatcher in the server), then with the server's own
        # dispatcher delivering on the same two cores meanwhile.
        for backend in args.cost_backend or ["sqlite"]:
            for label, extra in (("outbox only", ("--no-worker",)), ("delivering too", ())):
                with fresh_database(backend) as database:
                    without, with_hook = create_cost(logs, database, args.seconds, args.rounds,
                                                     *extra)  # fmt: skip
                added = (without / with_hook - 1) * 100
                print(f"POST create, {label} ({backend}, 2 processes, wrk -c32): {without:.0f}/s"
                      f" without, {with_hook:.0f}/s with one subscription: added cost"
                      f" {added:.1f}% per create", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
