"""`contactapi serve` and `contactapi worker`."""

from __future__ import annotations

import asyncio
import os
import signal
from pathlib import Path
from typing import Annotated

import typer

from contactapi import metrics
from contactapi.commands.common import DatabaseOption, load_settings, terminate
from contactapi.core import ConfigurationError
from contactapi.db.engine import create_database
from contactapi.db.migrate import pending, upgrade
from contactapi.logs import configure_logging
from contactapi.ratelimit import RateLimit, parse_daily_limit, private_dir, state_file
from contactapi.settings import Settings
from contactapi.startup import (
    HEADER_TIMEOUT_MS,
    MAX_CONNECTIONS_PER_WORKER,
    WORKER_STOP_SECONDS,
    check_listen_address,
    check_rate_limit_store,
    check_tls_files,
    raise_file_limit,
)


def metrics_directory(settings: Settings) -> Path:
    """The directory the processes of one server and its workers write their metrics to."""
    if settings.metrics_dir:
        return Path(settings.metrics_dir)
    return metrics.default_directory(private_dir(settings.state_dir), settings.database_url)


def default_workers() -> int:
    """One process per core: they share the load, and on SQLite take turns at the write lock
    for SQL only. At most 4: each holds a pool of `pool_size` PostgreSQL connections, and more
    SQLite writers only wait longer for the one write lock."""
    return min(os.cpu_count() or 1, 4)


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on (1-65535).")] = 8000,
    database: DatabaseOption = None,
    workers: Annotated[
        int | None,
        typer.Option(help="Server processes (default: one per CPU core, at most 4).", min=1),
    ] = None,
    rate_limit: Annotated[
        str | None, typer.Option(help="Per-location limit, like 100/10s, or off.")
    ] = None,
    daily_limit: Annotated[
        str | None, typer.Option(help="Requests per location per day (UTC), or off.")
    ] = None,
    rate_limit_store: Annotated[
        str | None,
        typer.Option(
            help="Count the limits in this Redis (redis://host:6379/0), shared by every "
            "machine of the server; default: this machine's processes only."
        ),
    ] = None,
    rate_limit_fail_open: Annotated[
        bool,
        typer.Option(
            "--rate-limit-fail-open",
            help="While the Redis store is unreachable, let requests through uncounted "
            "(default: answer 503).",
        ),
    ] = False,
    no_worker: Annotated[bool, typer.Option("--no-worker", help="Run no queue worker.")] = False,
    ssl_certfile: Annotated[str | None, typer.Option(help="TLS certificate (PEM).")] = None,
    ssl_keyfile: Annotated[str | None, typer.Option(help="TLS private key (PEM).")] = None,
) -> None:
    """Serve the API (applies pending migrations first)."""
    from granian.constants import HTTPModes, Interfaces, Loops, RuntimeModes
    from granian.http import HTTP1Settings
    from granian.server import Server

    signal.signal(signal.SIGTERM, terminate)  # until the server installs its own handler
    settings = load_settings(database, rate_limit=rate_limit, daily_limit=daily_limit,
                             rate_limit_store=rate_limit_store,
                             rate_limit_fail_open=rate_limit_fail_open or None)  # fmt: skip
    try:
        RateLimit.parse(settings.rate_limit)
    except ValueError as exc:
        raise ConfigurationError(f"--rate-limit: {exc}") from exc
    try:
        parse_daily_limit(settings.daily_limit)
    except ValueError as exc:
        raise ConfigurationError(f"--daily-limit: {exc}") from exc
    check_rate_limit_store(settings)
    check_listen_address(host, port)
    check_tls_files(ssl_certfile, ssl_keyfile)
    if settings.metrics and settings.metrics_port:
        check_listen_address(settings.metrics_host, settings.metrics_port)
    state_file(settings.state_dir, settings.database_url, None)  # a private state directory
    upgrade(settings)
    # The server processes build their settings from the environment: hand ours over.
    os.environ["CONTACTAPI_DATABASE_URL"] = settings.database_url
    os.environ["CONTACTAPI_RATE_LIMIT"] = settings.rate_limit
    os.environ["CONTACTAPI_DAILY_LIMIT"] = settings.daily_limit
    os.environ["CONTACTAPI_RATE_LIMIT_STORE"] = settings.rate_limit_store
    os.environ["CONTACTAPI_RATE_LIMIT_FAIL_OPEN"] = str(settings.rate_limit_fail_open).lower()
    os.environ["CONTACTAPI_RUN_WORKER"] = "false" if no_worker else "true"
    if settings.metrics:
        # Cleaned by this parent before its processes start; a multi-process directory even
        # with one process, which a `contactapi worker` may share.
        directory = metrics_directory(settings)
        metrics.prepare_directory(directory)
        os.environ["CONTACTAPI_METRICS_DIR"] = str(directory)
    raise_file_limit()
    # Granian: its HTTP layer is written in Rust and costs about half of uvicorn's per request.
    Server(
        "contactapi.app:create_served_app",
        factory=True,
        address=host,
        port=port,
        interface=Interfaces.ASGI,
        workers=workers or default_workers(),
        loop=Loops.uvloop,
        # One Python event loop per worker: a single-threaded runtime feeds it with less
        # hand-off (measured ~10% more contact reads per second).
        runtime_mode=RuntimeModes.st,
        websockets=False,
        ssl_cert=Path(ssl_certfile) if ssl_certfile else None,
        ssl_key=Path(ssl_keyfile) if ssl_keyfile else None,
        log_access=False,
        # Connections that send nothing are closed after 10 s; the idle ones after a response
        # wait for that long too (granian's one timeout for both).
        http1_settings=HTTP1Settings(header_read_timeout=HEADER_TIMEOUT_MS),
        # HTTP/1.1 only: in `auto` mode the connection waits to learn its protocol before the
        # timeout starts, so a connection that sends nothing would be held for ever.
        http=HTTPModes.http1,
        # Connections each worker serves at once: idle ones count, so room for many.
        backpressure=MAX_CONNECTIONS_PER_WORKER,
        # A worker that has not stopped this long after SIGTERM (one that received it while
        # starting, before it could handle it) is killed: SIGTERM always stops the server.
        workers_kill_timeout=WORKER_STOP_SECONDS,
    ).serve()


def worker(
    database: DatabaseOption = None,
    batch_size: Annotated[int, typer.Option(help="Jobs claimed at a time.", min=1)] = 20,
) -> None:
    """Run a queue worker and webhook dispatcher (any number may run beside the server) until
    SIGTERM or Ctrl-C.

    It expects a migrated database: start the server or run `contactapi db upgrade` first."""
    from contactapi.jobs import JOB_HANDLERS
    from contactapi.queue.worker import Worker
    from contactapi.webhooks.dispatcher import Dispatcher
    from contactapi.webhooks.signing import signing_keys

    settings = load_settings(database)
    configure_logging(settings.log_level)
    if pending(settings):
        raise ConfigurationError(
            "the database is not migrated: run `contactapi db upgrade` (or start the server)"
        )
    if settings.metrics:  # its figures reach a scrape through the server's directory
        directory = metrics_directory(settings)
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        metrics.start(True, str(directory), "worker")

    async def main() -> Worker:
        db = create_database(settings)
        await db.connect()
        runner = Worker(
            db, JOB_HANDLERS, lease_seconds=settings.job_lease_seconds, batch_size=batch_size
        )
        dispatcher = Dispatcher(db, allow_private=settings.webhook_allow_private)

        def stop() -> None:
            runner.stop()
            dispatcher.stop()

        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop)
        try:
            await signing_keys(db)
            await asyncio.gather(runner.run(), dispatcher.run())
        finally:
            metrics.stop()
            await db.close()
        return runner

    typer.echo(f"worker {os.getpid()} started", err=True)
    done = asyncio.run(main())
    typer.echo(
        f"worker {os.getpid()} stopped: {done.processed} jobs done, {done.failed} failed", err=True
    )
