"""Import and export: contacts imported per second (through the contacts service, as
`contactapi import` does) and exported per second, and the peak memory (RSS) of each command,
at two file sizes to show whether memory grows with the file, on both databases.

Each command runs as its own process (`contactapi import` / `export`), timed from start to
exit (start-up included); its CPU time (user + system) and peak RSS from wait4(). Rows per CPU
second tell what a command costs on a machine shared with other work. The baseline, in the
same run: `contactapi seed` of the same count, which loads rows straight into the tables (no
service, no validation). Not a test; prints its figures.

    .venv/bin/python -m bench.bench_transfer [--sizes 50000 100000] [--backend sqlite]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench.common import BACKENDS, BIN, fresh_database

CLI = str(BIN / "contactapi")
TAGS = ["buyer", "seller", "investor", "vip", "newsletter", "cold-call"]
CITIES = ["Austin", "Dallas", "Phoenix", "Atlanta", "Tampa", "Denver"]


@dataclass
class Run:
    seconds: float
    # The command's own CPU time (user + system): on a shared machine, what it cost, whatever
    # else ran beside it.
    cpu_seconds: float
    peak_mb: float
    output: str


def run(args: list[str]) -> Run:
    started = time.monotonic()
    with tempfile.TemporaryFile() as out:
        proc = subprocess.Popen([CLI, *args], stdout=out, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.monotonic() - started
        out.seek(0)
        text = out.read().decode(errors="replace")
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise RuntimeError(f"{args[0]} exited {code}:\n{text}")
    return Run(seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, text)


def write_input(path: Path, count: int, offset: int) -> None:
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(["First Name", "Last Name", "Email", "Phone", "Business Name", "City",
                         "State", "Tags"])  # fmt: skip
        for n in range(offset, offset + count):
            tags = ",".join(TAGS[(n + i) % len(TAGS)] for i in range(n % 3))
            writer.writerow([f"First{n}", f"Last{n}", f"person{n}@example.com",
                             f"+1212{2_000_000 + n:07d}", f"Company {n % 997}",
                             CITIES[n % len(CITIES)], "TX", tags])  # fmt: skip


def new_location(database: str) -> str:
    created = run(["locations", "create", "--name", "Bench", "--json", "--database", database])
    location: str = json.loads(created.output.splitlines()[-1])["id"]
    return location


def bench(backend: str, sizes: list[int]) -> None:
    with fresh_database(backend) as database, tempfile.TemporaryDirectory() as tmp:  # type: ignore[arg-type]
        print(f"\n{backend}", flush=True)
        offset = 0
        for size in sizes:
            source = Path(tmp) / f"in-{size}.csv"
            write_input(source, size, offset)
            offset += size
            seed_location = new_location(database)
            seeded = run(["seed", "--location", seed_location, "--count", str(size),
                          "--database", database])  # fmt: skip
            location = new_location(database)
            imported = run(["import", str(source), "--location", location,
                            "--database", database])  # fmt: skip
            output = Path(tmp) / f"out-{size}.csv"
            exported = run(["export", "--location", location, "--output", str(output),
                            "--database", database])  # fmt: skip
            rows = sum(1 for _ in output.open()) - 1
            assert rows == size, (rows, size)
            import_rate, seed_rate = size / imported.seconds, size / seeded.seconds
            print(f"  {size:>7,} rows: import {import_rate:7,.0f}/s ({imported.seconds:6.1f} s,"
                  f" {size / imported.cpu_seconds:7,.0f} per CPU s, peak"
                  f" {imported.peak_mb:4.0f} MB); seed baseline {seed_rate:7,.0f}/s"
                  f" ({size / seeded.cpu_seconds:7,.0f} per CPU s), import/seed"
                  f" {import_rate / seed_rate:.3f}", flush=True)  # fmt: skip
            print(f"  {size:>7,} rows: export {size / exported.seconds:7,.0f}/s"
                  f" ({exported.seconds:6.1f} s, {size / exported.cpu_seconds:7,.0f} per CPU s,"
                  f" peak {exported.peak_mb:4.0f} MB)", flush=True)  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[50_000, 100_000])
    parser.add_argument("--backend", choices=BACKENDS, action="append")
    args = parser.parse_args()
    for backend in args.backend or BACKENDS:
        bench(backend, args.sizes)


if __name__ == "__main__":
    main()
