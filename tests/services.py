"""Real servers the tests start themselves: a Redis and an haproxy, each on a free port of
the loopback address, stopped on exit. Both come from Debian's packages (scripts/test.sh
installs them); a test that needs one fails, never skips, when it is missing."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.live import START_TIMEOUT_S, free_port


def program(name: str) -> str:
    """The path of a Debian package's program (haproxy lives in /usr/sbin, which a
    non-root PATH may lack)."""
    found = shutil.which(name) or shutil.which(name, path="/usr/sbin:/usr/bin")
    assert found, f"{name} is missing: scripts/test.sh installs it (apt-get install {name})"
    return found


def _wait_for_port(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args!r} exited:\n{log.read_text(errors='replace')}")
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise TimeoutError(f"{process.args!r} did not listen on {port}")


@contextmanager
def _running(args: list[str], port: int, log: Path) -> Iterator[subprocess.Popen[bytes]]:
    with log.open("ab") as out:
        process = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT)
    try:
        _wait_for_port(port, process, log)
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def redis_server(directory: Path, port: int | None = None) -> Iterator[str]:
    """A throwaway redis-server (nothing saved to disk): its URL."""
    port = port or free_port()
    args = [program("redis-server"), "--port", str(port), "--bind", "127.0.0.1",
            "--save", "", "--appendonly", "no", "--dir", str(directory)]  # fmt: skip
    with _running(args, port, directory / f"redis-{port}.log"):
        yield f"redis://127.0.0.1:{port}/0"


HAPROXY_CONFIG = """\
defaults
    mode http
    timeout connect 5s
    timeout client 30s
    timeout server 30s

frontend api
    bind 127.0.0.1:{port}
    default_backend machines

backend machines
    balance roundrobin
{servers}
"""


@contextmanager
def haproxy(directory: Path, backends: list[str]) -> Iterator[str]:
    """haproxy balancing round robin over `backends` (host:port each): its base URL."""
    port = free_port()
    servers = "\n".join(f"    server m{n} {address}" for n, address in enumerate(backends))
    config = directory / f"haproxy-{port}.cfg"
    config.write_text(HAPROXY_CONFIG.format(port=port, servers=servers))
    # -db: stay in the foreground, so the test owns the process.
    args = [program("haproxy"), "-db", "-f", str(config)]
    with _running(args, port, directory / f"haproxy-{port}.log"):
        yield f"http://127.0.0.1:{port}"
