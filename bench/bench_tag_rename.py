"""A tag rename across 100,000 contacts, on each database: how long it takes, and how long
another location's writes wait meanwhile.

    .venv/bin/python -m bench.bench_tag_rename [--contacts 100000] [--backend sqlite|postgresql]

The renamed location is seeded (`contactapi seed --tag bulk`: every contact carries `bulk`);
a bystander location creates contacts one after another throughout, and the longest and the
99th-percentile of its creates during the rename are printed beside the rename's own time.
"""

from __future__ import annotations

import argparse
import tempfile
import threading
import time
from pathlib import Path

import httpx

from bench.common import (
    BACKENDS,
    Backend,
    contactapi,
    create_location,
    fresh_database,
    percentile,
    serve,
)


def run(backend: Backend, contacts: int, workdir: Path) -> None:
    with fresh_database(backend) as database:
        contactapi(workdir, "db", "upgrade", "--database", database)
        big = create_location(workdir, "--database", database)
        bystander = create_location(workdir, "--database", database)
        contactapi(workdir, "seed", "--location", big["id"], "--count", str(contacts),
                   "--tag", "bulk", "--database", database)  # fmt: skip
        with serve(workdir, "--database", database, "--no-worker", timeout=60) as running:
            url = running.url
            headers = {"Authorization": f"Bearer {big['apiKey']}"}
            tags = httpx.get(f"{url}/v1/tags/", headers=headers, timeout=60).json()["tags"]
            bulk = next(tag for tag in tags if tag["name"] == "bulk")
            latencies: list[tuple[float, float]] = []  # (started, milliseconds)
            stop = threading.Event()

            def write() -> None:
                auth = {"Authorization": f"Bearer {bystander['apiKey']}"}
                with httpx.Client(headers=auth, timeout=120) as client:
                    n = 0
                    while not stop.is_set():
                        n += 1
                        started = time.perf_counter()
                        response = client.post(f"{url}/v1/contacts/",
                                               json={"email": f"w{n}@example.com"})  # fmt: skip
                        assert response.status_code == 200, response.text
                        latencies.append((started, (time.perf_counter() - started) * 1000))

            writer = threading.Thread(target=write)
            writer.start()
            time.sleep(1)
            began = time.perf_counter()
            renamed = httpx.put(f"{url}/v1/tags/{bulk['id']}", json={"name": "renamed"},
                                headers=headers, timeout=600)  # fmt: skip
            ended = time.perf_counter()
            time.sleep(0.5)
            stop.set()
            writer.join()
            assert renamed.status_code == 200, renamed.text
            found = httpx.get(f"{url}/v1/contacts/", params={"query": "renamed", "limit": 1},
                              headers=headers, timeout=120).json()["meta"]["total"]  # fmt: skip
            during = [ms for started, ms in latencies if began - 0.1 <= started <= ended]
            before = [ms for started, ms in latencies if started < began]
            print(f"{backend:<10} rename of {contacts:,} contacts: {ended - began:.2f} s;"
                  f" found by search afterwards: {found:,}")  # fmt: skip
            print(f"{'':<10} bystander creates: before p99 {percentile(before, 0.99):.1f} ms;"
                  f" during: {len(during)} creates, longest {max(during, default=0):.0f} ms,"
                  f" p99 {percentile(during, 0.99) if during else 0:.0f} ms")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--backend", choices=BACKENDS, action="append")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        for backend in args.backend or BACKENDS:
            run(backend, args.contacts, Path(tmp))


if __name__ == "__main__":
    main()
