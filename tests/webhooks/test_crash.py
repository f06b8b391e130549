"""At least once across a crash: a server SIGKILLed while its events are undelivered (the
receiver is down) delivers every one of them after a restart, each under its one
`webhookId`."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import postgres_database
from tests.live import CONTACTAPI, create_location, free_port, live_server
from tests.webhooks.receiver import receiver

ALLOW = {"CONTACTAPI_WEBHOOK_ALLOW_PRIVATE": "1"}


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database of its own: the server's dispatcher sends only this test's events."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/crash.db"
        return
    with postgres_database("contactapi_crash") as url:
        yield url


def test_events_survive_a_sigkill_and_arrive_after_a_restart(
    tmp_path: Path, fresh_database: str
) -> None:
    database = fresh_database
    location, key = create_location(database)
    port = free_port()
    made = subprocess.run(
        [CONTACTAPI, "webhooks", "create", "--location", location, "--url",
         f"http://127.0.0.1:{port}/ok", "--event", "ContactCreate", "--database", database],
        capture_output=True, text=True, env={**os.environ, **ALLOW}, timeout=60,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    assert json.loads(made.stdout)["secret"].startswith("whsec_")
    args = ("--workers", "1", "--rate-limit", "off")
    with live_server(database, tmp_path, *args, env=ALLOW) as server:
        with httpx.Client(headers={"Authorization": f"Bearer {key}"}) as client:
            for i in range(30):
                answer = client.post(f"{server.base_url}/v1/contacts/",
                                     json={"email": f"k{i}@example.com"})  # fmt: skip
                assert answer.status_code == 200
        os.killpg(server.process.pid, signal.SIGKILL)
        server.process.wait()
    with receiver(port) as hooks, live_server(database, tmp_path, *args, env=ALLOW):
        deadline = time.monotonic() + 40
        while time.monotonic() < deadline:
            ids = {item.json["webhookId"] for item in hooks.at("/ok")}
            if len(ids) >= 30:
                break
            time.sleep(0.2)
        emails = {item.json["email"] for item in hooks.at("/ok")}
    assert len(ids) == 30 and emails == {f"k{i}@example.com" for i in range(30)}
