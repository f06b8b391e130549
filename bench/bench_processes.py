"""Request throughput of 1, 2 and 4 server processes on one PostgreSQL, in one run: GET by id
and POST create, with the CPU each request costs the server and the database.

    .venv/bin/python -m bench.bench_processes [--seconds 5] [--rounds 3]

Three `contactapi serve` run side by side on one new PostgreSQL database
(CONTACTAPI_BENCH_POSTGRES_URL), with `--workers 1`, `2` and `4`, the limits off; each round
drives the yardstick (bench/yardstick.py), then each server with wrk (-t2 -c64): GETs of one
contact, then POSTs that each create a contact. CPU per request is read from /proc: the
server's processes, and the PostgreSQL backends serving its database. On a machine with few
cores wrk, the server and PostgreSQL share them: the CPU figures say what more cores buy.
"""

from __future__ import annotations

import argparse
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

from bench.bench_contacts import GET_SCRIPT, make_contact, post_script
from bench.common import (
    WrkResult,
    cpu_seconds,
    create_location,
    fresh_database,
    median,
    process_tree,
    serve,
    wrk,
    yardstick,
)

PROCESSES = (1, 2, 4)


def backends(database_url: str) -> list[int]:
    """The PostgreSQL server processes serving `database_url`'s connections now."""
    with psycopg.connect(database_url) as conn:
        rows = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
            " AND pid <> pg_backend_pid()"
        ).fetchall()
    return [row[0] for row in rows]


@dataclass
class Runs:
    results: list[WrkResult] = field(default_factory=list)
    server_us: list[float] = field(default_factory=list)
    database_us: list[float] = field(default_factory=list)

    def line(self, name: str, base: list[WrkResult], one: Runs | None) -> str:
        rps = median([r.rps for r in self.results])
        ratio = median([r.rps / b.rps for r, b in zip(self.results, base, strict=True)])
        scale = ""
        if one:
            pairs = zip(self.results, one.results, strict=True)
            scale = f" x{median([r.rps / o.rps for r, o in pairs]):4.2f}"
        return (
            f"{name:<18} {rps:>7.0f} req/s{scale:<6} yardstick ratio {ratio:5.3f}  "
            f"p50 {median([r.p50_ms for r in self.results]):6.2f} ms  "
            f"p99 {median([r.p99_ms for r in self.results]):6.2f} ms  "
            f"CPU/request: server {median(self.server_us):4.0f} us, "
            f"PostgreSQL {median(self.database_us):4.0f} us"
        )


def measure(runs: Runs, url: str, script: str, seconds: int, pid: int, database: str) -> None:
    server, db = process_tree(pid), backends(database)
    before_server, before_db = cpu_seconds(server), cpu_seconds(db)
    result = wrk(url, seconds, script)
    runs.results.append(result)
    runs.server_us.append((cpu_seconds(server) - before_server) / result.requests * 1e6)
    runs.database_us.append((cpu_seconds(db) - before_db) / result.requests * 1e6)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, fresh_database("postgresql") as database:
        workdir = Path(tmp)
        options = ("--database", database, "--no-worker", "--workers")
        with (
            yardstick() as ystick,
            serve(workdir, *options, "1") as one,
            serve(workdir, *options, "2") as two,
            serve(workdir, *options, "4") as four,
        ):
            key = create_location(workdir, "--database", database)["apiKey"]
            servers = dict(zip(PROCESSES, (one, two, four), strict=True))
            contact_id = make_contact(one.url, key)
            get_script = GET_SCRIPT.replace("KEY", key)
            gets = {n: Runs() for n in PROCESSES}
            posts = {n: Runs() for n in PROCESSES}
            base: list[WrkResult] = []
            wrk(ystick + "/", 2)  # warm-up
            for server in servers.values():
                wrk(f"{server.url}/v1/contacts/{contact_id}", 2, get_script)
            for _ in range(args.rounds):
                base.append(wrk(ystick + "/", args.seconds))
                for n, server in servers.items():
                    get_url = f"{server.url}/v1/contacts/{contact_id}"
                    measure(gets[n], get_url, get_script, args.seconds, server.pid, database)
                    measure(posts[n], server.url + "/", post_script(key), args.seconds,
                            server.pid, database)  # fmt: skip
    print(f"One PostgreSQL, wrk -t2 -c64, {args.rounds} rounds of {args.seconds} s (medians); "
          "xN: requests per second against 1 process")  # fmt: skip
    print(f"{'yardstick':<18} {median([r.rps for r in base]):>7.0f} req/s")
    for kind, runs in (("GET by id", gets), ("POST create", posts)):
        for n in PROCESSES:
            print(runs[n].line(f"{kind}, {n} proc", base, runs[1] if n > 1 else None))


if __name__ == "__main__":
    main()
