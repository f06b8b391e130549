"""A real `contactapi serve` in a subprocess, for tests that need processes, sockets or kills.

The server runs in its own session, so a kill reaches its worker processes too.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import httpx

CONTACTAPI = str(Path(sys.executable).with_name("contactapi"))
START_TIMEOUT_S = 30


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def create_location(database_url: str, *extra: str) -> tuple[str, str]:
    """(location id, API key) through the CLI, as a user would."""
    done = subprocess.run(
        [CONTACTAPI, "locations", "create", "--name", "Live", "--json", "--database",
         database_url, *extra],
        capture_output=True, check=True, timeout=START_TIMEOUT_S,
    )  # fmt: skip
    created = json.loads(done.stdout)
    return created["id"], created["apiKey"]


@dataclass
class LiveServer:
    base_url: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def kill(self) -> None:
        """SIGKILL to the whole server (main process and workers): a crash."""
        with suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()

    @property
    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


def _wait_until_healthy(server: LiveServer, scheme_url: str, verify: bool) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"contactapi serve exited:\n{server.log}")
        try:
            if httpx.get(f"{scheme_url}/health", timeout=1, verify=verify).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise TimeoutError(f"contactapi serve did not become healthy:\n{server.log}")


def wait_for_processes(server: LiveServer, count: int) -> None:
    """Until `count` distinct processes have answered /health, each on a new connection: a
    multi-process server is healthy once its first worker is, the others start a moment later."""
    seen: set[str] = set()
    deadline = time.monotonic() + START_TIMEOUT_S
    while len(seen) < count:
        if time.monotonic() > deadline:
            raise TimeoutError(f"only {len(seen)} of {count} processes answered:\n{server.log}")
        answer = httpx.get(f"{server.base_url}/health", timeout=5, verify=False)
        # A request id carries the id of the process that answered (after a 12-digit prefix).
        seen.add(answer.headers["x-request-id"][12:18])


@contextmanager
def live_server(
    database_url: str,
    log_dir: Path,
    *args: str,
    scheme: str = "http",
    port: int | None = None,
    env: Mapping[str, str] | None = None,
) -> Iterator[LiveServer]:
    """`contactapi serve` with `args`, its environment extended by `env`, logging to a file in
    `log_dir`; stopped on exit."""
    port = port or free_port()
    log_path = log_dir / f"server-{port}.log"
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            [CONTACTAPI, "serve", "--port", str(port), "--database", database_url, *args],
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            env={**os.environ, **(env or {})},
        )  # fmt: skip
    server = LiveServer(f"{scheme}://127.0.0.1:{port}", process, log_path)
    try:
        _wait_until_healthy(server, server.base_url, verify=False)
        yield server
    finally:
        server.stop()
