"""One tenant must not slow another: a bystander's GET latency while a neighbour searches a
large location one letter at a time, or bombs a contact with tags; and whether a search's
timing tells what another location holds.

    .venv/bin/python -m bench.bench_isolation [--contacts 300000] [--seconds 8]
        [--database URL]

The neighbour's location is seeded with `--contacts` contacts (`contactapi seed`). The
bystander reads one contact by id, one request at a time, throughout each phase; its p50/p99
are printed per phase, with the idle phase as the baseline. Search timing: a small location
(30 contacts) and the large one each search, alternately, for an email another location holds
and for one nobody holds; the ratio of their median times should be 1. The two emails are
different strings, which cost differently in the searching location's own index whoever
holds them: the same ratio measured before anyone held either email is printed as the control
(a leak shows as a ratio above its control).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from bench.common import contactapi, create_location, percentile, serve

LOAD_THREADS = 4


def bystander_latencies(url: str, key: str, contact_id: str, seconds: float) -> list[float]:
    """Milliseconds per GET by id, one after another, for `seconds`."""
    latencies: list[float] = []
    headers = {"Authorization": f"Bearer {key}"}
    with httpx.Client(headers=headers, timeout=30) as client:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            started = time.perf_counter()
            response = client.get(f"{url}/v1/contacts/{contact_id}")
            latencies.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, response.text
    return latencies


def under_load(load: Callable[[httpx.Client, threading.Event], None], key: str,
               measure: Callable[[], list[float]]) -> tuple[list[float], int]:  # fmt: skip
    """`measure()` while LOAD_THREADS threads run `load` until it ends; (its figures, load
    requests answered)."""
    stop = threading.Event()
    done = [0]
    lock = threading.Lock()

    def run() -> None:
        with httpx.Client(headers={"Authorization": f"Bearer {key}"}, timeout=120) as client:
            while not stop.is_set():
                load(client, stop)
                with lock:
                    done[0] += 1

    threads = [threading.Thread(target=run) for _ in range(LOAD_THREADS)]
    for thread in threads:
        thread.start()
    time.sleep(1)  # the load is running
    try:
        figures = measure()
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    return figures, done[0]


def report(name: str, latencies: list[float], load_requests: int | None = None) -> None:
    extra = f"  (neighbour's requests answered: {load_requests})" if load_requests else ""
    print(f"{name:<34} bystander GET p50 {percentile(latencies, 0.5):7.2f} ms"
          f"  p99 {percentile(latencies, 0.99):7.2f} ms  n={len(latencies)}{extra}")  # fmt: skip


def search_ms(client: httpx.Client, url: str, query: str) -> float:
    started = time.perf_counter()
    response = client.get(f"{url}/v1/contacts/", params={"query": query, "limit": 20})
    assert response.status_code == 200, response.text
    return (time.perf_counter() - started) * 1000


def timing_ratio(url: str, key: str, present: str, absent: str, rounds: int) -> float:
    """Median search time for `present` (held by another location) over `absent` (held by
    nobody), alternating."""
    times: dict[str, list[float]] = {present: [], absent: []}
    with httpx.Client(headers={"Authorization": f"Bearer {key}"}, timeout=60) as client:
        for query in (present, absent):
            search_ms(client, url, query)  # warm
        for _ in range(rounds):
            for query in (present, absent):
                times[query].append(search_ms(client, url, query))
    return statistics.median(times[present]) / statistics.median(times[absent])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--contacts", type=int, default=300_000)
    parser.add_argument("--seconds", type=float, default=8)
    parser.add_argument("--database", default=None)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        database = args.database or f"sqlite:///{workdir}/isolation.db"
        contactapi(workdir, "db", "upgrade", "--database", database)
        big = create_location(workdir, "--database", database)
        small = create_location(workdir, "--database", database)
        bystander = create_location(workdir, "--database", database)
        started = time.monotonic()
        contactapi(workdir, "seed", "--location", big["id"], "--count", str(args.contacts),
                   "--database", database)  # fmt: skip
        print(f"seeded {args.contacts} contacts in {time.monotonic() - started:.0f} s")
        with serve(workdir, "--database", database, "--no-worker") as running:
            url = running.url

            def post(key: str, path: str, body: object) -> dict[str, object]:
                response = httpx.post(f"{url}{path}", json=body, timeout=60,
                                      headers={"Authorization": f"Bearer {key}"})  # fmt: skip
                assert response.status_code == 200, response.text
                result: dict[str, object] = response.json()
                return result

            victim = post(bystander["apiKey"], "/v1/contacts/", {"email": "me@example.com"})
            victim_id = str(victim["contact"]["id"])  # type: ignore[index]
            for n in range(30):
                post(small["apiKey"], "/v1/contacts/", {"email": f"small{n}@example.org"})
            bomb_target = post(big["apiKey"], "/v1/contacts/", {"email": "bomb@example.com"})
            bomb_id = str(bomb_target["contact"]["id"])  # type: ignore[index]

            def measure() -> list[float]:
                return bystander_latencies(url, bystander["apiKey"], victim_id, args.seconds)

            report("idle", measure())

            def one_letter(client: httpx.Client, stop: threading.Event) -> None:
                client.get(f"{url}/v1/contacts/", params={"query": "a", "limit": 100})

            figures, count = under_load(one_letter, big["apiKey"], measure)
            report(f"one-letter searches ({args.contacts:,})", figures, count)

            tags = [f"bomb-{n:04d}-" + "x" * 200 for n in range(1000)]

            def tag_bomb(client: httpx.Client, stop: threading.Event) -> None:
                path = f"{url}/v1/contacts/{bomb_id}/tags/"
                client.post(path, json={"tags": tags})
                client.request("DELETE", path, json={"tags": tags})

            figures, count = under_load(tag_bomb, big["apiKey"], measure)
            report("tag bomb (1,000 tags of 210 chars)", figures, count)

            # Each ratio's control first, while nobody holds the email, then the ratio once
            # another location holds it (only the small location / only the big one).
            absent = "nobody.anywhere@example.net"
            small_control = timing_ratio(url, small["apiKey"], "only.big@example.net", absent, 200)
            post(big["apiKey"], "/v1/contacts/", {"email": "only.big@example.net"})
            big_control = timing_ratio(url, big["apiKey"], "only.small@example.net", absent, 100)
            post(small["apiKey"], "/v1/contacts/", {"email": "only.small@example.net"})
            small_ratio = timing_ratio(url, small["apiKey"], "only.big@example.net", absent, 200)
            big_ratio = timing_ratio(url, big["apiKey"], "only.small@example.net", absent, 100)
            print(f"search timing, present elsewhere / absent: small location {small_ratio:.3f},"
                  f" {args.contacts:,}-contact location {big_ratio:.3f}")  # fmt: skip
            print(f"  control, before anyone held it: small location {small_control:.3f},"
                  f" {args.contacts:,}-contact location {big_control:.3f}")  # fmt: skip


if __name__ == "__main__":
    main()
