"""Crash safety: every write that was answered 200 survives a SIGKILL of the server."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from tests.live import create_location, live_server

WRITER_THREADS = 6


def _write_until_refused(base_url: str, key: str, thread: int, acknowledged: list[str]) -> None:
    with httpx.Client(headers={"Authorization": f"Bearer {key}"}, timeout=5) as client:
        for n in range(100_000):
            email = f"crash-{thread}-{n}@example.com"
            try:
                response = client.post(f"{base_url}/v1/contacts/", json={"email": email})
            except httpx.TransportError:
                return  # the server is gone
            assert response.status_code == 200, response.text
            acknowledged.append(email)


def test_acknowledged_writes_survive_sigkill(database_url: str, tmp_path: Path) -> None:
    _, key = create_location(database_url)
    acknowledged: list[str] = []
    with live_server(database_url, tmp_path, "--no-worker", "--rate-limit", "off") as server:
        writers = [
            threading.Thread(
                target=_write_until_refused, args=(server.base_url, key, t, acknowledged)
            )
            for t in range(WRITER_THREADS)
        ]
        for writer in writers:
            writer.start()
        time.sleep(1.5)
        server.kill()
        for writer in writers:
            writer.join(timeout=30)
    assert len(acknowledged) > 50, "the writers should have been acknowledged many times"

    with live_server(database_url, tmp_path, "--no-worker", "--rate-limit", "off") as server:
        auth = {"Authorization": f"Bearer {key}"}
        client = httpx.Client(base_url=server.base_url, headers=auth, timeout=10)

        def found(email: str) -> bool:
            response = client.get("/v1/contacts/lookup", params={"email": email})
            return len(response.json()["contacts"]) == 1

        with client, ThreadPoolExecutor(4) as pool:
            verdicts = list(pool.map(found, acknowledged))
        missing = [email for email, ok in zip(acknowledged, verdicts, strict=True) if not ok]
    print(f"crash test: {len(acknowledged)} writes acknowledged before SIGKILL, "
          f"{len(acknowledged) - len(missing)} found after restart")  # fmt: skip
    assert missing == []
