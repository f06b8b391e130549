"""What `contactapi serve` checks and sets before it starts: each mistake an operator makes
often (a port in use, a missing file, a bad URL) becomes one line naming it."""

from __future__ import annotations

import asyncio
import logging
import resource
import socket
import sqlite3
from contextlib import suppress
from pathlib import Path

import asyncpg
from redis.exceptions import RedisError
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError

from contactapi.core import ConfigurationError
from contactapi.db.engine import UNAVAILABLE
from contactapi.ratelimit_redis import check_reachable
from contactapi.settings import Settings

log = logging.getLogger("contactapi")

# A connection must send its request's headers within this; an idle keep-alive connection is
# closed after it too.
HEADER_TIMEOUT_MS = 10_000
# Connections one worker process holds open at once, idle ones included.
MAX_CONNECTIONS_PER_WORKER = 32_768
WORKER_STOP_SECONDS = 10

# What reaching or using a database raises, for either driver, when the database is down,
# unreachable or not a database.
DATABASE_ERRORS = (*UNAVAILABLE, DBAPIError, ArgumentError, asyncpg.PostgresError, sqlite3.Error)


def database_problem(exc: BaseException) -> str:
    """The driver's own words, first line only."""
    cause = getattr(exc, "orig", None) or exc
    text = str(cause).strip().splitlines()
    return text[0] if text else type(cause).__name__


def check_database_url(settings: Settings) -> None:
    if settings.is_postgresql:
        try:
            url = make_url(settings.sqlalchemy_url)
            _ = url.port  # a port that is not a number fails here
        except (ArgumentError, ValueError) as exc:
            raise ConfigurationError(f"the database URL is malformed: {exc}") from exc
        if not url.host and not url.query.get("host"):
            raise ConfigurationError("the database URL names no host")
        return
    directory = Path(settings.sqlite_path).parent
    if not directory.is_dir():
        raise ConfigurationError(
            f"no directory {directory} for the SQLite database {settings.sqlite_path}"
        )


def check_rate_limit_store(settings: Settings) -> None:
    """A Redis store's URL must parse, and the Redis answer, unless the limiter fails open
    (then it may come up later; until it does, requests pass uncounted)."""
    if not settings.rate_limit_store:
        return
    try:
        asyncio.run(check_reachable(settings.rate_limit_store))
    except ValueError as exc:
        raise ConfigurationError(f"--rate-limit-store is malformed: {exc}") from exc
    except RedisError as exc:
        if not settings.rate_limit_fail_open:
            raise ConfigurationError(
                f"--rate-limit-store is unreachable: {exc} (--rate-limit-fail-open to start anyway)"
            ) from exc
        log.warning("the rate limit store is unreachable, requests pass uncounted: %s", exc)


def check_listen_address(host: str, port: int) -> None:
    """Refuses a port out of range, or one another process listens on. The server binds its
    sockets with SO_REUSEPORT (one per worker), which would let a second server share the
    port silently: this probe binds without it, so it fails while anyone listens there."""
    if not 1 <= port <= 65535:
        raise ConfigurationError(f"--port must be between 1 and 65535, not {port}")
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise ConfigurationError(f"cannot listen on {host}: {exc.strerror}") from exc
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            raise ConfigurationError(f"cannot listen on {host}:{port}: {exc.strerror}") from exc


def check_tls_files(certfile: str | None, keyfile: str | None) -> None:
    if (certfile is None) != (keyfile is None):
        raise ConfigurationError("--ssl-certfile and --ssl-keyfile go together")
    for option, path in (("--ssl-certfile", certfile), ("--ssl-keyfile", keyfile)):
        if path is None:
            continue
        try:
            with open(path, "rb") as file:
                file.read(1)
        except OSError as exc:
            raise ConfigurationError(f"{option}: cannot read {path}: {exc.strerror}") from exc


def raise_file_limit() -> None:
    """Every connection is a file descriptor: the soft limit (often 1,024) goes up to the
    hard one, inherited by the worker processes."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or soft < hard:
        target = hard if hard != resource.RLIM_INFINITY else 1 << 20
        # Some systems refuse even their own hard limit (macOS caps it lower): keep the soft one.
        with suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
