"""Rate limiter accuracy: requests let through in one 10-second window, with 1 and with 3
server processes, against the default limit (100 requests per 10 s per location).

    .venv/bin/python -m bench.bench_ratelimit

Each run starts `contactapi serve --workers N` on a fresh SQLite file and drives GETs from
several threads for exactly one window from a cold start; an exact limiter lets 100 through.
"""

from __future__ import annotations

import tempfile
import threading
import time
from pathlib import Path

import httpx

from bench.common import contactapi_server, create_location

WINDOW_SECONDS = 10
THREADS = 8


def let_through(base_url: str, key: str) -> tuple[int, int]:
    counts = {"ok": 0, "limited": 0}
    lock = threading.Lock()
    deadline = time.monotonic() + WINDOW_SECONDS

    def drive() -> None:
        with httpx.Client(headers={"Authorization": f"Bearer {key}"}, timeout=10) as client:
            while time.monotonic() < deadline:
                status = client.get(f"{base_url}/v1/contacts/lookup?email=a@example.com")
                with lock:
                    counts["ok" if status.status_code == 200 else "limited"] += 1

    threads = [threading.Thread(target=drive) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return counts["ok"], counts["limited"]


def main() -> None:
    for workers in (1, 3):
        with tempfile.TemporaryDirectory() as tmp:
            workdir = Path(tmp)
            key = create_location(workdir)["apiKey"]
            # contactapi_server passes --rate-limit off; a later flag wins, so set it again.
            with contactapi_server(
                workdir, "--workers", str(workers), "--rate-limit", "100/10s"
            ) as base:
                ok, limited = let_through(base, key)
        print(
            f"{workers} process(es): {ok} let through of {ok + limited} in {WINDOW_SECONDS} s "
            f"(limit 100, error {abs(ok - 100)}%)"
        )


if __name__ == "__main__":
    main()
