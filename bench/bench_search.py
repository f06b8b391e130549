"""List and search at scale: `contactapi seed` loads N contacts (default 1,000,000) into one
location of a fresh SQLite file and a fresh PostgreSQL database, `contactapi serve` answers,
and one keep-alive client times each case (p50/p99 over many requests):

- selective query (an email's local part: one match), common query (a last name: thousands
  of matches, first page), the unfiltered first page, a page reached by cursor after 500,000
  contacts, and a common query's total (limit=1, so the count is most of the work);
- POST create with the search index maintained, by wrk (-t2 -c64), as a share of a
  framework-free ASGI app on uvicorn answering a fixed 600-byte JSON;
- the server process's memory (RSS now, and its peak).

Run: .venv/bin/python bench/bench_search.py [--count N] [--only sqlite|postgresql]
Needs wrk, and PostgreSQL at CONTACTAPI_TEST_POSTGRES_URL (default postgres@localhost).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import secrets
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg

BIN = Path(sys.executable).parent
HERE = Path(__file__).resolve().parent
ADMIN_URL = os.environ.get(
    "CONTACTAPI_TEST_POSTGRES_URL", "postgresql://postgres@localhost:5432/postgres"
)
COMMON_TERMS = ["garcia", "johnson", "martinez", "anderson", "thompson", "robinson", "walker",
                "hernandez", "campbell", "mitchell"]  # fmt: skip
DEEP_OFFSET = 500_000

# The yardstick: a framework-free ASGI app answering a fixed 600-byte JSON.
_BODY = json.dumps({"contact": {"id": "ocQHyuzHvysMo5N5VsXc", "note": "x" * 520}}).encode()
YARDSTICK_BODY = _BODY + b" " * (600 - len(_BODY))


async def yardstick_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] == "lifespan":
        while (await receive())["type"] != "lifespan.shutdown":
            await send({"type": "lifespan.startup.complete"})
        await send({"type": "lifespan.shutdown.complete"})
        return
    headers = [(b"content-type", b"application/json"),
               (b"content-length", str(len(YARDSTICK_BODY)).encode())]  # fmt: skip
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": YARDSTICK_BODY})


POST_SCRIPT = """
local counter = 0
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
  thread:set("run", math.random(1, 1000000000))
end
function request()
  counter = counter + 1
  local phone = string.format("+1%03d%07d", 200 + (run + tid) % 800, counter)
  local body = '{"email": "bench-' .. run .. '-' .. tid .. '-' .. counter .. '@example.com", '
    .. '"firstName": "Bench", "lastName": "Mark", "phone": "' .. phone .. '", '
    .. '"companyName": "Acme Realty", "tags": ["bench", "wrk"], "source": "wrk"}'
  return wrk.format("POST", "/v1/contacts/", {["Authorization"] = "Bearer KEY",
    ["Content-Type"] = "application/json"}, body)
end
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_up(url: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not come up")


@contextmanager
def server(args: list[str], health: str) -> Iterator[subprocess.Popen[bytes]]:
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_until_up(health)
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


def contactapi(*args: str) -> str:
    done = subprocess.run([str(BIN / "contactapi"), *args], check=True, capture_output=True,
                          text=True)  # fmt: skip
    return done.stdout


def wrk_rps(url: str, seconds: int, script: str = "") -> float:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as lua:
        lua.write(script)
    args = ["wrk", "-t2", "-c64", f"-d{seconds}s", *(["-s", lua.name] if script else []), url]
    out = subprocess.run(args, check=True, capture_output=True, text=True).stdout
    os.unlink(lua.name)
    if "Non-2xx" in out:
        raise RuntimeError(out)
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1])  # type: ignore[index]


def memory_kb(pid: int) -> tuple[int, int]:
    status = Path(f"/proc/{pid}/status").read_text()
    rss = int(re.search(r"VmRSS:\s+(\d+)", status)[1])  # type: ignore[index]
    peak = int(re.search(r"VmHWM:\s+(\d+)", status)[1])  # type: ignore[index]
    return rss, peak


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


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
    return [e.split("@")[0] + "@" for e in emails], cursors  # type: ignore[misc]


def measure(client: Client, cases: dict[str, list[dict[str, Any]]], requests: int) -> None:
    for name, variants in cases.items():
        for params in variants[:3]:  # warm-up
            client.get("/v1/contacts/", params)
        times, totals = [], []
        for i in range(requests):
            elapsed, body = client.get("/v1/contacts/", variants[i % len(variants)])
            times.append(elapsed)
            totals.append(body["meta"]["total"])
        print(f"  {name:<34} p50 {percentile(times, 0.5):7.2f} ms  p99 "
              f"{percentile(times, 0.99):7.2f} ms   (matches {min(totals)}..{max(totals)})",
              flush=True)  # fmt: skip


def run_backend(name: str, url: str, count: int, requests: int, post_seconds: int) -> None:
    print(f"\n{name}: seeding {count:,} contacts", flush=True)
    location = json.loads(contactapi("locations", "create", "--name", "Bench", "--json",
                                     "--database", url).strip().splitlines()[-1])  # fmt: skip
    started = time.monotonic()
    contactapi("seed", "--location", location["id"], "--count", str(count), "--database", url)
    print(f"  seed: {time.monotonic() - started:.0f} s", flush=True)
    depth = min(DEEP_OFFSET, count // 2)
    emails, cursors = sample_rows(url, location["id"], depth)
    port = free_port()
    args = [str(BIN / "contactapi"), "serve", "--port", str(port), "--rate-limit", "off",
            "--no-worker", "--database", url]  # fmt: skip
    with server(args, f"http://127.0.0.1:{port}/health") as proc:
        client = Client(port, location["apiKey"])
        rng = random.Random(7)
        cases = {
            "selective query (1 match)": [{"query": e} for e in emails],
            "common query, first page": [{"query": t} for t in COMMON_TERMS],
            "unfiltered first page": [{}],
            f"deep cursor page (after {depth:,})": [
                {"startAfter": v, "startAfterId": i} for v, i in cursors],
            "common query total (limit=1)": [{"query": t, "limit": 1} for t in COMMON_TERMS],
        }  # fmt: skip
        rng.shuffle(cases["selective query (1 match)"])
        measure(client, cases, requests)
        rss, peak = memory_kb(proc.pid)
        print(f"  server memory: RSS {rss / 1024:.0f} MB, peak {peak / 1024:.0f} MB", flush=True)

        ystick_port = free_port()
        ystick = [str(BIN / "uvicorn"), "bench_search:yardstick_app", "--app-dir", str(HERE),
                  "--port", str(ystick_port), "--loop", "uvloop", "--http", "httptools",
                  "--log-level", "warning", "--no-access-log"]  # fmt: skip
        with server(ystick, f"http://127.0.0.1:{ystick_port}/"):
            script = POST_SCRIPT.replace("KEY", location["apiKey"])
            wrk_rps(f"http://127.0.0.1:{ystick_port}/", 2)
            ratios = []
            for _ in range(2):
                base = wrk_rps(f"http://127.0.0.1:{ystick_port}/", post_seconds)
                posts = wrk_rps(f"http://127.0.0.1:{port}/", post_seconds, script)
                ratios.append(posts / base)
                print(f"  POST create {posts:7.0f} req/s, yardstick {base:7.0f} req/s, "
                      f"ratio {posts / base:.3f}", flush=True)  # fmt: skip
        rss, peak = memory_kb(proc.pid)
        print(f"  server memory after POSTs: RSS {rss / 1024:.0f} MB, peak {peak / 1024:.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--post-seconds", type=int, default=5)
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    args = parser.parse_args()
    if args.only != "postgresql":
        with tempfile.TemporaryDirectory() as tmp:
            run_backend("SQLite", f"sqlite:///{tmp}/bench.db", args.count, args.requests,
                        args.post_seconds)  # fmt: skip
    if args.only != "sqlite":
        name = f"contactapi_bench_{secrets.token_hex(4)}"
        with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
            admin.execute(f"CREATE DATABASE {name}")  # type: ignore[arg-type]
        try:
            url = ADMIN_URL.rsplit("/", 1)[0] + "/" + name
            run_backend("PostgreSQL", url, args.count, args.requests, args.post_seconds)
        finally:
            with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
                admin.execute(f"DROP DATABASE {name} WITH (FORCE)")  # type: ignore[arg-type]


if __name__ == "__main__":
    main()
