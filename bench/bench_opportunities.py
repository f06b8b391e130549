"""The opportunity list at scale: N opportunities (default 1,000,000) in one pipeline of one
location, on a fresh SQLite file and a fresh PostgreSQL database, `contactapi serve` answers,
and one keep-alive client times each case (p50/p99 over many requests), with its total:

- filters whose total is a sum of the kept counts (status; stage and status; user), first
  page and a page reached by cursor after 500,000 matches;
- the unfiltered first page and a page after 500,000;
- filters whose total is counted along their index (a date range, a minimum value): what they
  cost when their matches are many;
- `query` through the search index (migration 0011): common and rare words of names, contact
  fields, another filter beside it, and a page halfway through its matches.

The contacts come from `contactapi seed`; the opportunities are written here, straight into
the database, a chunk per statement (executemany on SQLite, COPY on PostgreSQL), as
`contactapi seed` loads contacts: the kept counts follow through the triggers.

    .venv/bin/python -m bench.bench_opportunities [--count N] [--only sqlite|postgresql]
        [--keep DIR]   (keeps the seeded databases in DIR, a file and a PostgreSQL database,
                        and measures them again on the next run with the same --keep)
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sqlite3
import string
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg

from bench.bench_search import NAMES, START_TIMEOUT_S, Client
from bench.common import (
    BACKENDS,
    POSTGRES_ADMIN_URL,
    ROOT,
    Backend,
    contactapi,
    create_location,
    fresh_database,
    percentile,
)
from bench.common import serve as serve_api
from contactapi.core import new_id
from contactapi.db.search import opportunities as opportunity_index

CONTACTS = 20_000
CHUNK = 50_000
DEEP = 500_000
STAGES = ["New", "Contacted", "Viewing", "Offer", "Closed"]
STATUSES = ["open"] * 6 + ["won"] * 2 + ["lost"] + ["abandoned"]
USERS = [new_id() for _ in range(10)]
WORDS = ["roof", "porch", "kitchen", "deck", "condo", "duplex", "lot", "cabin", "villa", "loft"]
YEARS_MS = 5 * 365 * 24 * 3600 * 1000
COLUMNS = ("location_id", "id", "pipeline_id", "stage_id", "contact_id", "name", "search_text",
           "monetary_value", "assigned_to", "status", "source", "last_status_change_at",
           "created_at", "updated_at")  # fmt: skip


def rows(location: str, pipeline: str, stages: list[str], contacts: list[str], count: int,
         rng: random.Random) -> Iterator[list[tuple[Any, ...]]]:  # fmt: skip
    """Chunks of opportunity rows, created over five years up to now."""
    now = int(time.time() * 1000)
    chunk: list[tuple[Any, ...]] = []
    for i in range(count):
        created = now - YEARS_MS + i * (YEARS_MS // count) + rng.randrange(1000)
        tail = "".join(rng.choices(string.ascii_lowercase, k=5))
        name = f"{rng.choice(WORDS)} {rng.choice(WORDS)} {tail}"
        chunk.append((location, new_id(), pipeline, rng.choice(stages), rng.choice(contacts),
                      name.title(), name, float(rng.randrange(100_000)), rng.choice(USERS),
                      rng.choice(STATUSES), "bench", created, created, created))  # fmt: skip
        if len(chunk) == CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def seed(url: str, count: int) -> tuple[dict[str, str], str, list[str]]:
    """A location with CONTACTS contacts and one pipeline holding `count` opportunities."""
    location = create_location(ROOT, "--database", url)
    contactapi(ROOT, "seed", "--location", location["id"], "--count", str(CONTACTS),
               "--database", url)  # fmt: skip
    pipeline, stages = new_id(), [str(uuid.uuid4()) for _ in STAGES]
    rng = random.Random(11)
    started = time.monotonic()
    marks = ", ".join(["{p}"] * len(COLUMNS))
    insert = f"INSERT INTO opportunities ({', '.join(COLUMNS)}) VALUES ({marks})"
    if url.startswith("sqlite"):
        db = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
        db.execute("PRAGMA journal_mode = WAL")
        db.execute("PRAGMA foreign_keys = ON")
        contacts = [r[0] for r in db.execute("SELECT id FROM contacts WHERE location_id = ?",
                                             (location["id"],))]  # fmt: skip
        db.execute("BEGIN")
        _pipeline_rows(lambda sql, args: db.execute(sql.format(p="?"), args), location["id"],
                       pipeline, stages)  # fmt: skip
        for chunk in rows(location["id"], pipeline, stages, contacts, count, rng):
            db.executemany(insert.format(p="?"), chunk)
        # What the server's write batch does before its COMMIT: the location's own index.
        opportunity_index.catch_up(db)
        db.execute("COMMIT")
        db.execute("ANALYZE")
        db.close()
    else:
        with psycopg.connect(url) as pg:
            contacts = [r[0] for r in pg.execute("SELECT id FROM contacts WHERE location_id = %s",
                                                 (location["id"],))]  # fmt: skip
            _pipeline_rows(lambda sql, args: pg.execute(sql.format(p="%s"), args),
                           location["id"], pipeline, stages)  # fmt: skip
            with pg.cursor() as cur:
                for chunk in rows(location["id"], pipeline, stages, contacts, count, rng):
                    with cur.copy(f"COPY opportunities ({', '.join(COLUMNS)}) FROM STDIN") as copy:
                        for row in chunk:
                            copy.write_row(row)
            pg.commit()
        with psycopg.connect(url, autocommit=True) as pg:
            pg.execute("VACUUM ANALYZE opportunities")
            pg.execute("VACUUM ANALYZE opportunity_counts")
    print(f"  {count:,} opportunities loaded in {time.monotonic() - started:.0f} s", flush=True)
    os.sync()
    return location, pipeline, stages


def _pipeline_rows(execute: Any, location: str, pipeline: str, stages: list[str]) -> None:
    execute("INSERT INTO pipelines (location_id, id, name, created_at) VALUES ({p}, {p}, {p}, 0)",
            (location, pipeline, "Bench"))  # fmt: skip
    for position, (stage, name) in enumerate(zip(stages, STAGES, strict=True)):
        execute("INSERT INTO pipeline_stages (location_id, id, pipeline_id, name, position)"
                " VALUES ({p}, {p}, {p}, {p}, {p})",
                (location, stage, pipeline, name, position))  # fmt: skip


def deep_cursors(
    client: Client, path: str, params: dict[str, Any], depth: int
) -> list[dict[str, Any]]:
    """Cursors `depth` matches deep (and a little further), found through the API itself:
    a page of 100 at a time from a numbered page near that depth."""
    cursors = []
    for extra in range(0, 20 * 97, 97):
        page = (depth + extra) // 100 + 1
        _, body = client.get(path, {**params, "limit": 100, "page": page})
        meta = body["meta"]
        cursors.append(
            {**params, "startAfter": meta["startAfter"], "startAfterId": meta["startAfterId"]}
        )
    return cursors


def measure(
    client: Client, path: str, name: str, variants: list[dict[str, Any]], requests: int
) -> None:
    for params in variants[:3]:  # warm-up
        client.get(path, params)
    times, totals = [], []
    for i in range(requests):
        elapsed, body = client.get(path, variants[i % len(variants)])
        times.append(elapsed)
        totals.append(body["meta"]["total"])
    print(f"  {name:<44} p50 {percentile(times, 0.5):7.2f} ms  p99 "
          f"{percentile(times, 0.99):7.2f} ms   (total {min(totals):,}..{max(totals):,})",
          flush=True)  # fmt: skip


def run_backend(url: str, count: int, requests: int, keep: Path | None, backend: Backend
                ) -> None:  # fmt: skip
    url, location, pipeline, stages = seeded(url, count, keep, backend)
    path = f"/v1/pipelines/{pipeline}/opportunities/"
    depth = min(DEEP, count // 2)
    with serve_api(ROOT, "--no-worker", "--database", url, timeout=START_TIMEOUT_S) as api:
        client = Client(api.port, location["apiKey"])
        now = int(time.time() * 1000)
        counted: dict[str, list[dict[str, Any]]] = {
            "status=open, first page": [{"status": "open"}],
            "stageId+status=open, first page": [{"stageId": s, "status": "open"} for s in stages],
            "unfiltered, first page": [{}],
        }
        for name, variants in counted.items():
            measure(client, path, name, variants, requests)
        open_deep = deep_cursors(client, path, {"status": "open"}, depth)
        measure(client, path, f"status=open, page after {depth:,}", open_deep, requests)
        all_deep = deep_cursors(client, path, {}, depth)
        measure(client, path, f"unfiltered, page after {depth:,}", all_deep, requests)
        # The users as the database holds them (a kept database was seeded by another run).
        _, sample = client.get(path, {"limit": 100})
        users = sorted({o["assignedTo"] for o in sample["opportunities"] if o.get("assignedTo")})
        scanned: dict[str, list[dict[str, Any]]] = {
            "assignedTo, first page (kept counts)": [{"assignedTo": u} for u in users],
            "last 30 days, first page (counted)": [
                {"startDate": now - 30 * 86_400_000, "endDate": now}
            ],
            "monetaryValue>=99000, first page (counted)": [{"monetaryValue": 99_000}],
        }
        for name, variants in scanned.items():
            measure(client, path, name, variants, max(5, requests // 30))
        measure_queries(client, path, requests)


def measure_queries(client: Client, path: str, requests: int) -> None:
    """`query`: common and rare words of opportunity names, contact fields (a name, an
    email, phone digits), with another filter, and a page halfway through many matches."""
    _, body = client.get(path, {"limit": 100, "page": 7})
    sample = body["opportunities"]
    tails = [o["name"].rsplit(" ", 1)[1].lower() for o in sample]
    emails = [o["contact"]["email"] for o in sample if o["contact"].get("email")]
    last_names = sorted({o["contact"]["name"].rsplit(" ", 1)[-1] for o in sample
                         if o["contact"].get("name")})  # fmt: skip
    phones = [o["contact"]["phone"][-7:] for o in sample if o["contact"].get("phone")]
    cases: dict[str, list[dict[str, Any]]] = {
        "query=kitchen deck (name, ~1%), first page": [{"query": "kitchen deck"}],
        "query=kitchen (name, ~19%), first page": [{"query": "kitchen"}],
        "query=<5-letter name tail>, first page": [{"query": t} for t in tails],
        "query=<contact email>, first page": [{"query": e} for e in emails],
        "query=<contact last name>, first page": [{"query": n} for n in last_names],
        "query=<7 phone digits>, first page": [{"query": p} for p in phones],
        "query=kitchen+status=won, first page": [{"query": "kitchen", "status": "won"}],
        "query=com (nearly every contact), first page": [{"query": "com"}],
    }
    for name, variants in cases.items():
        measure(client, path, name, variants, requests)
    for text in ("kitchen", "com"):
        _, body = client.get(path, {"query": text, "limit": 1})
        depth = body["meta"]["total"] // 2
        deep = deep_cursors(client, path, {"query": text}, depth)
        measure(client, path, f"query={text}, page after {depth:,}", deep, requests)


def seeded(url: str, count: int, keep: Path | None, backend: Backend
           ) -> tuple[str, dict[str, str], str, list[str]]:  # fmt: skip
    """A seeded database: made now, or (with `keep`) the one an earlier run kept there."""
    if keep is None:
        return url, *seed(url, count)
    state = keep / f"opportunities-{backend}-{count}.json"
    if state.exists():
        kept = json.loads(state.read_text())
        print(f"  reusing {kept['url']}", flush=True)
        return kept["url"], kept["location"], kept["pipeline"], kept["stages"]
    location, pipeline, stages = seed(url, count)
    state.write_text(json.dumps({"url": url, "location": location, "pipeline": pipeline,
                                 "stages": stages}))  # fmt: skip
    return url, location, pipeline, stages


def kept_database(keep: Path, backend: Backend, count: int) -> str:
    """A database that outlives the run: a file in `keep`, or a PostgreSQL database."""
    if backend == "sqlite":
        return f"sqlite:///{keep.resolve()}/opportunities-{count}.db"
    name = f"contactapi_bench_opportunities_{count}"
    if not (keep / f"opportunities-{backend}-{count}.json").exists():
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            admin.execute(f"CREATE DATABASE {name}")
    base, _, query = POSTGRES_ADMIN_URL.partition("?")
    return base.rsplit("/", 1)[0] + "/" + name + (f"?{query}" if query else "")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--only", choices=BACKENDS)
    parser.add_argument("--keep", type=Path, help="keep the seeded databases here, and reuse them")
    args = parser.parse_args()
    for backend in BACKENDS:
        if args.only in (None, backend):
            print(f"\n{NAMES[backend]}: {args.count:,} opportunities", flush=True)
            if args.keep is not None:
                args.keep.mkdir(parents=True, exist_ok=True)
                url = kept_database(args.keep, backend, args.count)
                run_backend(url, args.count, args.requests, args.keep, backend)
                continue
            with fresh_database(backend) as url:
                run_backend(url, args.count, args.requests, None, backend)


if __name__ == "__main__":
    main()
