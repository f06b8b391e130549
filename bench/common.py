"""Shared benchmark plumbing: free ports, servers as subprocesses, fresh databases, wrk runs
and their figures."""

from __future__ import annotations

import json
import os
import re
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import psycopg

BIN = Path(sys.executable).parent
ROOT = Path(__file__).resolve().parent.parent
POSTGRES_ADMIN_URL = os.environ.get(
    "CONTACTAPI_BENCH_POSTGRES_URL",
    os.environ.get("CONTACTAPI_TEST_POSTGRES_URL", "postgresql://postgres@localhost:5432/postgres"),
)

Backend = Literal["sqlite", "postgresql"]
BACKENDS: tuple[Backend, ...] = ("sqlite", "postgresql")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_up(url: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not come up")


@contextmanager
def process(
    args: list[str], cwd: Path, env: dict[str, str] | None = None
) -> Iterator[subprocess.Popen[bytes]]:
    proc = subprocess.Popen(
        args,
        cwd=cwd,
        env={**os.environ, **(env or {})},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


@dataclass(frozen=True)
class Server:
    url: str
    port: int
    pid: int


@contextmanager
def server(
    command: list[str],
    cwd: Path,
    health_path: str,
    timeout: float = 30.0,
    env: dict[str, str] | None = None,
) -> Iterator[Server]:
    """`command --port N` on a free port, once `health_path` answers; stopped on exit."""
    port = free_port()
    with process([*command, "--port", str(port)], cwd, env) as proc:
        running = Server(f"http://127.0.0.1:{port}", port, proc.pid)
        wait_until_up(running.url + health_path, timeout)
        yield running


@contextmanager
def yardstick() -> Iterator[str]:
    args = [str(BIN / "uvicorn"), "bench.yardstick:app", "--loop", "uvloop", "--http", "httptools",
            "--log-level", "warning", "--no-access-log"]  # fmt: skip
    with server(args, ROOT, "/") as running:
        yield running.url


@contextmanager
def serve(
    workdir: Path, *extra: str, timeout: float = 30.0, env: dict[str, str] | None = None
) -> Iterator[Server]:
    """`contactapi serve` with the rate limit and daily quota off, in `workdir` (its default
    SQLite file lives there unless `extra` names a --database), its environment extended by
    `env`."""
    command = [str(BIN / "contactapi"), "serve", "--rate-limit", "off", "--daily-limit", "off",
               *extra]  # fmt: skip
    with server(command, workdir, "/health", timeout, env) as running:
        yield running


@contextmanager
def contactapi_server(workdir: Path, *extra: str) -> Iterator[str]:
    """`contactapi serve` as a user runs it, in `workdir`: its base URL."""
    with serve(workdir, *extra) as running:
        yield running.url


def contactapi(workdir: Path, *args: str) -> str:
    """The CLI's standard output."""
    return subprocess.run(
        [str(BIN / "contactapi"), *args], cwd=workdir, check=True, capture_output=True, text=True
    ).stdout


def create_location(workdir: Path, *extra: str) -> dict[str, str]:
    out = contactapi(workdir, "locations", "create", "--name", "Bench", "--json", *extra)
    result: dict[str, str] = json.loads(out.strip().splitlines()[-1])
    return result


@contextmanager
def fresh_database(backend: Backend) -> Iterator[str]:
    """The URL of an empty database, dropped on exit: a SQLite file in a temporary directory, or
    a new database on the PostgreSQL server of POSTGRES_ADMIN_URL."""
    if backend == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            yield f"sqlite:///{tmp}/bench.db"
        return
    name = f"contactapi_bench_{secrets.token_hex(4)}"
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    try:
        base, _, query = POSTGRES_ADMIN_URL.partition("?")
        yield base.rsplit("/", 1)[0] + "/" + name + (f"?{query}" if query else "")
    finally:
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE {name} WITH (FORCE)")


@dataclass
class WrkResult:
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    # The whole machine's CPU (every process: wrk, the servers, the database, the kernel) per
    # answered request, in microseconds, and the share of the CPUs busy meanwhile.
    cpu_us: float = 0.0
    busy: float = 0.0


def _cpu_jiffies() -> tuple[int, int]:
    """Busy and total jiffies of all CPUs since boot (/proc/stat's first line)."""
    fields = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle, iowait
    return sum(fields) - idle, sum(fields)


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _latency(text: str, percentile: str) -> float:
    match = re.search(rf"^\s*{percentile}%\s+([\d.]+)(us|ms|s)\s*$", text, re.MULTILINE)
    if not match:
        raise RuntimeError(f"no {percentile}% latency in wrk output:\n{text}")
    return float(match[1]) * _UNITS[match[2]]


def wrk(url: str, seconds: int, script: str | None = None, connections: int = 64) -> WrkResult:
    args = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency"]
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as lua:
        lua.write(script or "")
    if script:
        args += ["-s", lua.name]
    busy_before, total_before = _cpu_jiffies()
    out = subprocess.run([*args, url], check=True, capture_output=True, text=True).stdout
    busy_after, total_after = _cpu_jiffies()
    os.unlink(lua.name)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1])  # type: ignore[index]
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if non2xx:
        raise RuntimeError(f"{non2xx[1]} failed requests against {url}:\n{out}")
    requests = int(re.search(r"(\d+) requests in", out)[1])  # type: ignore[index]
    busy = busy_after - busy_before
    cpu_us = busy / os.sysconf("SC_CLK_TCK") / max(requests, 1) * 1e6
    return WrkResult(rps, _latency(out, "50"), _latency(out, "99"), requests, cpu_us,
                     busy / max(total_after - total_before, 1))  # fmt: skip


def median(values: list[float]) -> float:
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank value at `share` (0..1) of the sorted values."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def _listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


@contextmanager
def redis_server() -> Iterator[str]:
    """A throwaway redis-server on a free port (nothing saved): its URL."""
    port = free_port()
    with tempfile.TemporaryDirectory() as tmp:
        args = ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                "--appendonly", "no", "--dir", tmp]  # fmt: skip
        with process(args, ROOT):
            deadline = time.monotonic() + 10
            while not _listening(port):
                if time.monotonic() > deadline:
                    raise RuntimeError("redis-server did not come up")
                time.sleep(0.05)
            yield f"redis://127.0.0.1:{port}/0"


def process_tree(pid: int) -> list[int]:
    """`pid` and its descendants (a server's worker processes)."""
    found = [pid]
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            found += process_tree(int(child))
    return found


def cpu_seconds(pids: list[int]) -> float:
    """User and system CPU time the processes have used so far (gone ones count 0)."""
    ticks = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")
