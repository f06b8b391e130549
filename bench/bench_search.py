"""List and search at scale: `contactapi seed` loads N contacts (default 1,000,000) into one
location of a fresh SQLite file and a fresh PostgreSQL database, `contactapi serve` answers,
and one keep-alive client times each case (p50/p99 over many requests):

- selective query (an email's local part: one match), common query (a last name: thousands
  of matches, first page), the unfiltered first page, a page reached by cursor after 500,000
  contacts, and a common query's total (limit=1, so the count is most of the work);
- terms matching ~5% of the location (issue 18): a tag (`query` equal to its name), the
  seed's common last name and company, and email domains (~12%), each with its exact total;
  every case measured in --runs rounds, then each one's medians and ranges;
- POST create with the search index maintained, by wrk (-t2 -c64), after a warm-up round:
  the median ratio over rounds alternating with the yardstick (bench/yardstick.py: a
  framework-free ASGI app on uvicorn answering a fixed 600-byte JSON);
- the memory of each serving process (RSS now, and its peak).

    .venv/bin/python -m bench.bench_search [--count N] [--only sqlite|postgresql]
    .venv/bin/python -m bench.bench_search --database URL --key KEY   # a seeded database

Needs wrk, and PostgreSQL at CONTACTAPI_BENCH_POSTGRES_URL or CONTACTAPI_TEST_POSTGRES_URL
(default postgresql://postgres@localhost:5432/postgres).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import sqlite3
import time
import urllib.parse
from pathlib import Path
from typing import Any

import psycopg

from bench.bench_contacts import post_script
from bench.common import (
    BACKENDS,
    ROOT,
    Backend,
    contactapi,
    create_location,
    fresh_database,
    median,
    percentile,
    serve,
    wrk,
    yardstick,
)
from contactapi.auth import hash_key
from contactapi.contacts.seed import COMMON_COMPANY, COMMON_LAST_NAME

# Each matches ~5% of the seeded contacts (contacts/seed.py): tags (`query` equal to a tag's
# name), the common last name and the common company; email domains match ~12% each.
FIVE_PERCENT_TAGS = ["absentee-owner", "pre-foreclosure", "under-contract", "appointment-set",
                     "newsletter", "probate"]  # fmt: skip
FIVE_PERCENT_NAMES = [COMMON_LAST_NAME, COMMON_LAST_NAME.title()]
FIVE_PERCENT_COMPANIES = [COMMON_COMPANY, COMMON_COMPANY.lower()]
DOMAINS = ["gmail.com", "yahoo.com", "outlook.com"]
COMMON_TERMS = ["garcia", "johnson", "martinez", "anderson", "thompson", "robinson", "walker",
                "hernandez", "campbell", "mitchell"]  # fmt: skip
DEEP_OFFSET = 500_000
NAMES: dict[Backend, str] = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
POST_ROUNDS = 3
START_TIMEOUT_S = 60.0  # a server over a million contacts


def memory_kb(pid: int) -> tuple[int, int]:
    status = Path(f"/proc/{pid}/status").read_text()
    rss = int(re.search(r"VmRSS:\s+(\d+)", status)[1])  # type: ignore[index]
    peak = int(re.search(r"VmHWM:\s+(\d+)", status)[1])  # type: ignore[index]
    return rss, peak


def report_memory(server_pid: int, when: str) -> None:
    """RSS and peak of each process that serves: the server's children (its main process
    only supervises them)."""
    children = Path(f"/proc/{server_pid}/task/{server_pid}/children").read_text().split()
    figures = ", ".join(
        f"RSS {rss / 1024:.0f} MB (peak {peak / 1024:.0f} MB)"
        for rss, peak in (memory_kb(int(pid)) for pid in children)
    )
    print(f"  server memory{when}, per serving process: {figures}", flush=True)


class Client:
    """One keep-alive connection, as a polling integration holds it."""

    def __init__(self, port: int, key: str) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port)
        self.headers = {"Authorization": f"Bearer {key}"}

    def get(self, path: str, params: dict[str, Any]) -> tuple[float, dict[str, Any]]:
        url = f"{path}?{urllib.parse.urlencode(params)}"
        started = time.perf_counter()
        self.conn.request("GET", url, headers=self.headers)
        response = self.conn.getresponse()
        body = response.read()
        elapsed = (time.perf_counter() - started) * 1000
        if response.status != 200:
            raise RuntimeError(f"{url}: {response.status} {body[:300]!r}")
        result: dict[str, Any] = json.loads(body)
        return elapsed, result


def sample_rows(url: str, location: str, depth: int) -> tuple[list[str], list[tuple[int, str]]]:
    """Emails to search for, and cursors `depth` contacts deep (newest first)."""
    order = "ORDER BY date_added DESC, id DESC"
    deep = "SELECT date_added, id FROM contacts WHERE location_id = {p} " + order + \
        " LIMIT 1 OFFSET {o}"  # fmt: skip
    emails_sql = "SELECT email FROM contacts WHERE location_id = {p} AND email IS NOT NULL" \
        " AND mod(date_added, 97) = 0 LIMIT 50"  # fmt: skip
    if url.startswith("sqlite"):
        db = sqlite3.connect(url.removeprefix("sqlite:///"))
        emails = [r[0] for r in db.execute(emails_sql.format(p="?"), (location,))]
        cursors = [tuple(db.execute(deep.format(p="?", o=depth + i * 97),
                                    (location,)).fetchone()) for i in range(20)]  # fmt: skip
        db.close()
    else:
        with psycopg.connect(url) as pg:
            emails = [r[0] for r in pg.execute(emails_sql.format(p="%s"), (location,))]
            cursors = [tuple(pg.execute(deep.format(p="%s", o=depth + i * 97),  # type: ignore[arg-type]
                                        (location,)).fetchone()) for i in range(20)]  # fmt: skip
    return [e.split("@")[0] + "@" for e in emails], cursors


def location_of(url: str, key: str) -> str:
    """The location an API key belongs to (keys are stored as their SHA-256)."""
    digest = hash_key(key)
    sql = "SELECT location_id FROM api_keys WHERE key_hash = {p}"
    if url.startswith("sqlite"):
        db = sqlite3.connect(url.removeprefix("sqlite:///"))
        row = db.execute(sql.format(p="?"), (digest,)).fetchone()
        db.close()
    else:
        with psycopg.connect(url) as pg:
            row = pg.execute(sql.format(p="%s"), (digest,)).fetchone()
    if row is None:
        raise SystemExit("no such API key in that database")
    return str(row[0])


Figures = dict[str, tuple[float, float, int, int]]


def measure(client: Client, cases: dict[str, list[dict[str, Any]]], requests: int) -> Figures:
    """Per case: p50 and p99 (ms), and the fewest and most matches its variants had."""
    figures: Figures = {}
    for name, variants in cases.items():
        for params in variants[:3]:  # warm-up
            client.get("/v1/contacts/", params)
        times, totals = [], []
        for i in range(requests):
            elapsed, body = client.get("/v1/contacts/", variants[i % len(variants)])
            times.append(elapsed)
            totals.append(body["meta"]["total"])
        figures[name] = (percentile(times, 0.5), percentile(times, 0.99), min(totals),
                         max(totals))  # fmt: skip
        print(f"  {name:<40} p50 {figures[name][0]:7.2f} ms  p99 {figures[name][1]:7.2f} ms"
              f"   (matches {min(totals)}..{max(totals)})", flush=True)  # fmt: skip
    return figures


def summarize(runs: list[Figures]) -> None:
    """Each case's median p50 and p99 over the runs, with their ranges."""
    print(f"  medians of {len(runs)} runs [range]:")
    for name in runs[0]:
        p50s, p99s = [run[name][0] for run in runs], [run[name][1] for run in runs]
        print(f"  {name:<40} p50 {median(p50s):7.2f} ms [{min(p50s):.2f}-{max(p50s):.2f}]"
              f"  p99 {median(p99s):7.2f} ms [{min(p99s):.2f}-{max(p99s):.2f}]",
              flush=True)  # fmt: skip


def seed_backend(name: str, url: str, count: int) -> dict[str, str]:
    print(f"\n{name}: seeding {count:,} contacts", flush=True)
    location = create_location(ROOT, "--database", url)
    started = time.monotonic()
    contactapi(ROOT, "seed", "--location", location["id"], "--count", str(count), "--database", url)
    print(f"  seed: {time.monotonic() - started:.0f} s", flush=True)
    # The bulk load leaves ~1 GB of dirty pages for the kernel to write back: flushed now, so
    # that the writeback does not slow the first minutes of measured fsyncs.
    os.sync()
    return location


def run_backend(
    url: str,
    location: dict[str, str],
    count: int,
    requests: int,
    post_seconds: int,
    runs: int = 1,
) -> None:
    depth = min(DEEP_OFFSET, count // 2)
    emails, cursors = sample_rows(url, location["id"], depth)
    with serve(ROOT, "--no-worker", "--database", url, timeout=START_TIMEOUT_S) as api:
        client = Client(api.port, location["apiKey"])
        rng = random.Random(7)
        selective: list[dict[str, Any]] = [{"query": e} for e in emails]
        rng.shuffle(selective)
        cases: dict[str, list[dict[str, Any]]] = {
            "selective query (1 match)": selective,
            "common query, first page": [{"query": t} for t in COMMON_TERMS],
            "unfiltered first page": [{}],
            f"deep cursor page (after {depth:,})": [
                {"startAfter": v, "startAfterId": i} for v, i in cursors],
            "common query total (limit=1)": [{"query": t, "limit": 1} for t in COMMON_TERMS],
            "5% tag, first page": [{"query": t} for t in FIVE_PERCENT_TAGS],
            "5% last name, first page": [{"query": t} for t in FIVE_PERCENT_NAMES],
            "5% company, first page": [{"query": t} for t in FIVE_PERCENT_COMPANIES],
            "12% email domain, first page": [{"query": t} for t in DOMAINS],
            "5% tag, date_updated asc": [{"query": t, "sortBy": "date_updated",
                                          "order": "asc"} for t in FIVE_PERCENT_TAGS],
        }  # fmt: skip
        figures = []
        for run in range(runs):
            print(f"  run {run + 1} of {runs}", flush=True)
            figures.append(measure(client, cases, requests))
        if runs > 1:
            summarize(figures)
        report_memory(api.pid, "")

        if post_seconds <= 0:
            return
        with yardstick() as ystick:
            wrk(ystick + "/", 2)
            # The first seconds of writes after a bulk load run slower (caches, the WAL's first
            # growth): shown, but not in the figure, as bench_contacts warms up its GETs.
            warm_up = wrk(api.url + "/", post_seconds, post_script(location["apiKey"])).rps
            print(f"  POST create warm-up {warm_up:7.0f} req/s", flush=True)
            ratios = []
            for _ in range(POST_ROUNDS):
                base = wrk(ystick + "/", post_seconds).rps
                posts = wrk(api.url + "/", post_seconds, post_script(location["apiKey"])).rps
                ratios.append(posts / base)
                print(f"  POST create {posts:7.0f} req/s, yardstick {base:7.0f} req/s, "
                      f"ratio {posts / base:.3f}", flush=True)  # fmt: skip
            print(f"  POST create ratio, median of {POST_ROUNDS}: {median(ratios):.3f}")
        report_memory(api.pid, " after POSTs")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--runs", type=int, default=3, help="rounds of every case")
    parser.add_argument("--post-seconds", type=int, default=5)
    parser.add_argument("--only", choices=BACKENDS)
    parser.add_argument("--database", help="measure this seeded database instead (with --key)")
    parser.add_argument("--key", help="an API key of the seeded location in --database")
    args = parser.parse_args()
    if args.database:
        location = {"apiKey": args.key, "id": location_of(args.database, args.key)}
        run_backend(args.database, location, args.count, args.requests, args.post_seconds,
                    args.runs)  # fmt: skip
        return
    for backend in BACKENDS:
        if args.only in (None, backend):
            with fresh_database(backend) as url:
                location = seed_backend(NAMES[backend], url, args.count)
                run_backend(url, location, args.count, args.requests, args.post_seconds,
                            args.runs)  # fmt: skip


if __name__ == "__main__":
    main()
