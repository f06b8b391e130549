"""Webhooks: how long a claim takes while a long line of one contact's deliveries waits behind
a failing one (held back for its receiver), on both databases. The claim should read the due
heads of the lines only, whatever waits behind them. Not a test; prints its figures.

    .venv/bin/python -m bench.bench_webhook_backlog [--backlog 100000]
"""

from __future__ import annotations

import argparse
import asyncio
import time

from bench.common import BACKENDS, fresh_database, median
from contactapi.core import new_id, now_ms, ordered_id
from contactapi.db.engine import Connection, create_database
from contactapi.db.migrate import upgrade
from contactapi.locations.service import create_location
from contactapi.settings import Settings
from contactapi.webhooks.dispatcher import Dispatcher

_INSERT = (
    "INSERT INTO webhook_deliveries (location_id, id, webhook_id, event_id, event_type, body,"
    " ordering_key, status, attempts, next_attempt_at, created_at)"
    " VALUES ($1, $2, $3, $4, 'ContactUpdate', '{}', $5, $6, '[]', $7, $8)"
)
DUE_HEADS = 64


async def claim_ms(url: str, backlog: int, rounds: int) -> list[float]:
    db = create_database(Settings(database_url=url))
    await db.connect()
    try:
        now = now_ms()

        async def fill(conn: Connection) -> None:
            location = (await create_location(conn, "backlog")).id
            webhook = new_id()
            await conn.execute(
                "INSERT INTO webhooks (location_id, id, url, events, secret, created_at)"
                " VALUES ($1, $2, 'http://127.0.0.1:9/hook', '[\"ContactUpdate\"]', 'whsec_x',"
                " $3)", location, webhook, now)  # fmt: skip
            held = new_id()
            # The failing head, backing off for an hour, and its line behind it.
            rows = [(location, ordered_id(), webhook, new_id(), held, "pending",
                     now + 3_600_000, now)]  # fmt: skip
            rows += [(location, ordered_id(), webhook, new_id(), held, "queued", now, now)
                     for _ in range(backlog)]  # fmt: skip
            # Other contacts' heads, due now.
            rows += [(location, ordered_id(), webhook, new_id(), new_id(), "pending", now - 1,
                      now) for _ in range(DUE_HEADS)]  # fmt: skip
            await conn.execute_many(_INSERT, rows)

        await db.run(fill, write=True)
        dispatcher = Dispatcher(db, allow_private=True)
        took = []
        for _ in range(rounds):
            started = time.perf_counter()
            claimed = await dispatcher.claim(DUE_HEADS)
            took.append((time.perf_counter() - started) * 1000)
            assert len(claimed) == DUE_HEADS, len(claimed)
            await db.run(lambda conn: conn.execute(
                "UPDATE webhook_deliveries SET locked_until = NULL"), write=True)  # fmt: skip
        return took
    finally:
        await db.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--backlog", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    for backend in BACKENDS:
        with fresh_database(backend) as url:
            upgrade(Settings(database_url=url))
            took = asyncio.run(claim_ms(url, args.backlog, args.rounds))
        print(f"{backend:<10} claim of {DUE_HEADS} due heads with {args.backlog:,} queued behind"
              f" a failing one: median {median(took):.1f} ms (min {min(took):.1f}, max"
              f" {max(took):.1f}, {args.rounds} claims)", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
