"""The `contactapi` command."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from collections.abc import Awaitable, Callable
from importlib.metadata import version
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from pydantic import ValidationError

from contactapi.agencies import repository as agency_repo
from contactapi.agencies import service as agencies
from contactapi.core import ConfigurationError, iso_ms
from contactapi.db.engine import Connection, create_database
from contactapi.db.migrate import pending, upgrade
from contactapi.locations import repository as location_repo
from contactapi.locations import service as locations
from contactapi.logs import configure_logging
from contactapi.ratelimit import RateLimit, parse_daily_limit, state_file
from contactapi.settings import Settings
from contactapi.startup import (
    DATABASE_ERRORS,
    HEADER_TIMEOUT_MS,
    MAX_CONNECTIONS_PER_WORKER,
    WORKER_STOP_SECONDS,
    check_database_url,
    check_listen_address,
    check_tls_files,
    database_problem,
    raise_file_limit,
)

app = typer.Typer(help="A self-hostable server for the REI Software Contact API.",
                  no_args_is_help=True, add_completion=False)  # fmt: skip
db_app = typer.Typer(help="Database administration.", no_args_is_help=True)
locations_app = typer.Typer(help="Locations (each has its own contacts and API keys).",
                            no_args_is_help=True)  # fmt: skip
keys_app = typer.Typer(help="API keys.", no_args_is_help=True)
agency_app = typer.Typer(help="Agencies (each manages its locations through /v1/locations/).",
                         no_args_is_help=True)  # fmt: skip
agency_keys_app = typer.Typer(help="Agency API keys.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(locations_app, name="locations")
app.add_typer(keys_app, name="keys")
app.add_typer(agency_app, name="agency")
webhooks_app = typer.Typer(help="Webhook subscriptions (events sent to your URLs).",
                           no_args_is_help=True)  # fmt: skip
app.add_typer(webhooks_app, name="webhooks")
agency_app.add_typer(agency_keys_app, name="keys")

DatabaseOption = Annotated[
    str | None,
    typer.Option("--database", help="Database URL (sqlite:///file.db or postgresql://...)."),
]
T = TypeVar("T")


class Terminated(BaseException):
    """SIGTERM before the server took over its handling (during migrations, say): unwinds,
    so an open transaction rolls back, then the command exits."""


def _terminate(signum: int, frame: object) -> None:
    raise Terminated()


def load_settings(database: str | None, **overrides: Any) -> Settings:
    values = {k: v for k, v in overrides.items() if v is not None}
    if database:
        values["database_url"] = database
    try:
        settings = Settings(**values)
    except ValidationError as exc:
        problem = exc.errors()[0]
        field = ".".join(str(part) for part in problem["loc"])
        where = f"--{field.removesuffix('_url').replace('_', '-')}"
        message = str(problem["msg"]).removeprefix("Value error, ")
        raise ConfigurationError(f"{where}: {message}") from exc
    check_database_url(settings)
    return settings


def run_in_transaction(settings: Settings, work: Callable[[Connection], Awaitable[T]]) -> T:
    async def main() -> T:
        db = create_database(settings)
        await db.connect()
        try:
            return await db.run(work, write=True)
        finally:
            await db.close()

    try:
        return asyncio.run(main())
    except locations.LocationError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc


def default_workers() -> int:
    """One process per core: they share the load, and on SQLite take turns at the write lock
    for SQL only. At most 4: each holds a pool of `pool_size` PostgreSQL connections, and more
    SQLite writers only wait longer for the one write lock."""
    return min(os.cpu_count() or 1, 4)


@app.command()
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
    no_worker: Annotated[bool, typer.Option("--no-worker", help="Run no queue worker.")] = False,
    ssl_certfile: Annotated[str | None, typer.Option(help="TLS certificate (PEM).")] = None,
    ssl_keyfile: Annotated[str | None, typer.Option(help="TLS private key (PEM).")] = None,
) -> None:
    """Serve the API (applies pending migrations first)."""
    from granian.constants import HTTPModes, Interfaces, Loops, RuntimeModes
    from granian.http import HTTP1Settings
    from granian.server import Server

    signal.signal(signal.SIGTERM, _terminate)  # until the server installs its own handler
    settings = load_settings(database, rate_limit=rate_limit, daily_limit=daily_limit)
    try:
        RateLimit.parse(settings.rate_limit)
    except ValueError as exc:
        raise ConfigurationError(f"--rate-limit: {exc}") from exc
    try:
        parse_daily_limit(settings.daily_limit)
    except ValueError as exc:
        raise ConfigurationError(f"--daily-limit: {exc}") from exc
    check_listen_address(host, port)
    check_tls_files(ssl_certfile, ssl_keyfile)
    state_file(settings.state_dir, settings.database_url, None)  # a private state directory
    upgrade(settings)
    # The server processes build their settings from the environment: hand ours over.
    os.environ["CONTACTAPI_DATABASE_URL"] = settings.database_url
    os.environ["CONTACTAPI_RATE_LIMIT"] = settings.rate_limit
    os.environ["CONTACTAPI_DAILY_LIMIT"] = settings.daily_limit
    os.environ["CONTACTAPI_RUN_WORKER"] = "false" if no_worker else "true"
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


@app.command()
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
            await db.close()
        return runner

    typer.echo(f"worker {os.getpid()} started", err=True)
    done = asyncio.run(main())
    typer.echo(
        f"worker {os.getpid()} stopped: {done.processed} jobs done, {done.failed} failed", err=True
    )


@db_app.command("upgrade")
def db_upgrade(database: DatabaseOption = None) -> None:
    """Apply pending migrations."""
    signal.signal(signal.SIGTERM, _terminate)
    applied = upgrade(load_settings(database))
    if applied:
        typer.echo(f"applied migrations: {', '.join(applied)}; the database is up to date")
    else:
        typer.echo("the database was already up to date")


def _print_list(header: list[str], items: list[dict[str, Any]], as_json: bool) -> None:
    """JSON lines, or a header line then one tab-separated line per item (`-` for none)."""
    if as_json:
        for item in items:
            typer.echo(json.dumps(item))
        return
    typer.echo("\t".join(header))
    for item in items:
        typer.echo("\t".join("-" if v is None else str(v) for v in item.values()))


@db_app.command("backup")
def db_backup(
    file: Annotated[Path, typer.Argument(help="The backup file to create (must not exist).")],
    database: DatabaseOption = None,
) -> None:
    """Copy a SQLite database, consistently, while the server runs (SQLite's online backup).
    PostgreSQL: use pg_dump."""
    from contactapi.db.backup import backup

    size = backup(load_settings(database), file)
    typer.echo(f"backed up to {file} ({size:,} bytes)")


@db_app.command("restore")
def db_restore(
    file: Annotated[Path, typer.Argument(help="A file made by `db backup`.")],
    database: DatabaseOption = None,
    replace: Annotated[
        bool, typer.Option("--replace", help="Overwrite an existing database.")
    ] = False,
) -> None:
    """Restore a SQLite backup into the database (stop the server first), then apply any
    pending migrations."""
    from contactapi.db.backup import restore

    settings = load_settings(database)
    restore(settings, file, replace=replace)
    upgrade(settings)
    typer.echo(f"restored {file} into {settings.sqlite_path}")


def _country_option() -> Any:
    return typer.Option("--country", help="Default country for phone numbers (ISO alpha-2).")


@locations_app.command("create")
def locations_create(
    name: Annotated[str, typer.Option("--name", help="The location's name.")],
    database: DatabaseOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON line.")] = False,
    allow_duplicate_contacts: Annotated[
        bool, typer.Option("--allow-duplicate-contacts", help="POST /v1/contacts always creates.")
    ] = False,
    country: Annotated[str, _country_option()] = "US",
) -> None:
    """Create a location and its first API key (shown once)."""
    settings = load_settings(database)
    upgrade(settings)
    created = run_in_transaction(
        settings,
        lambda conn: locations.create_location(conn, name, allow_duplicate_contacts, country),
    )
    if as_json:
        typer.echo(json.dumps({"id": created.id, "name": created.name, "apiKey": created.api_key,
                               "apiKeyId": created.api_key_id}))  # fmt: skip
    else:
        typer.echo(f"location {created.id} ({created.name})")
        typer.echo(f"API key {created.api_key_id} (shown once): {created.api_key}")


@locations_app.command("list")
def locations_list(
    database: DatabaseOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON lines.")] = False,
) -> None:
    """List the locations."""
    settings = load_settings(database)
    upgrade(settings)
    rows = run_in_transaction(settings, location_repo.list_locations)
    items = [{"id": row["id"], "name": row["name"], "country": row["country"],
              "allowDuplicateContacts": bool(row["allow_duplicate_contacts"]),
              "agency": row["agency_id"]} for row in rows]  # fmt: skip
    _print_list(["id", "name", "country", "allow duplicates", "agency"], items, as_json)


@locations_app.command("update")
def locations_update(
    location_id: Annotated[str, typer.Argument(help="The location's id.")],
    database: DatabaseOption = None,
    allow_duplicate_contacts: Annotated[
        bool | None,
        typer.Option(
            "--allow-duplicate-contacts/--no-allow-duplicate-contacts",
            help="Whether POST /v1/contacts always creates (no dedupe by email or phone).",
        ),
    ] = None,
    country: Annotated[str | None, _country_option()] = None,
    agency: Annotated[
        str | None,
        typer.Option("--agency", help="Hand the location to this agency (`-`: to none)."),
    ] = None,
) -> None:
    """Change a location's settings."""
    settings = load_settings(database)
    upgrade(settings)
    run_in_transaction(
        settings,
        lambda conn: locations.update_location(
            conn, location_id, allow_duplicate_contacts, country, agency
        ),
    )
    typer.echo(f"location {location_id} updated")


@locations_app.command("delete")
def locations_delete(
    location_id: Annotated[str, typer.Argument(help="The location's id.")],
    database: DatabaseOption = None,
) -> None:
    """Delete a location: its keys stop at once (within a second on other servers); its data
    is removed in the background by the queue workers (the server's, or `contactapi worker`)."""
    settings = load_settings(database)
    upgrade(settings)
    run_in_transaction(settings, lambda conn: locations.delete_location(conn, location_id))
    typer.echo(f"location {location_id} deleted; its data is being removed in the background")


@keys_app.command("create")
def keys_create(
    location: Annotated[str, typer.Option("--location", help="The location's id.")],
    label: Annotated[str | None, typer.Option(help="What the key is for (shown by list).")] = None,
    database: DatabaseOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON line.")] = False,
) -> None:
    """Create another API key for a location (for rotation); its secret is printed once."""
    settings = load_settings(database)
    upgrade(settings)
    key = run_in_transaction(settings, lambda conn: locations.create_key(conn, location, label))
    if as_json:
        typer.echo(json.dumps({"id": key.id, "location": location, "label": label,
                               "apiKey": key.secret}))  # fmt: skip
    else:
        typer.echo(f"API key {key.id} (shown once): {key.secret}")


@keys_app.command("list")
def keys_list(
    location: Annotated[str, typer.Option("--location", help="The location's id.")],
    database: DatabaseOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON lines.")] = False,
) -> None:
    """A location's keys: id, label, created, last used (to the minute), revoked. Never the
    secrets, which are not stored."""
    settings = load_settings(database)
    upgrade(settings)
    rows = run_in_transaction(settings, lambda conn: locations.list_keys(conn, location))
    items = [{"id": row["id"], "label": row["label"], "prefix": row["key_prefix"],
              "created": iso_ms(row["created_at"]), "lastUsed": iso_ms(row["last_used_at"]),
              "revoked": iso_ms(row["revoked_at"])} for row in rows]  # fmt: skip
    _print_list(["id", "label", "prefix", "created", "last used", "revoked"], items, as_json)


@keys_app.command("revoke")
def keys_revoke(
    key_id: Annotated[str, typer.Argument(help="The key's id (from `keys list`).")],
    database: DatabaseOption = None,
) -> None:
    """Revoke an API key by its id: running servers refuse it within a second (their key
    cache)."""
    settings = load_settings(database)
    upgrade(settings)
    if not run_in_transaction(settings, lambda conn: locations.revoke_key(conn, key_id)):
        raise ConfigurationError(f"no active key {key_id!r}")
    typer.echo(f"key {key_id} revoked")


@agency_app.command("create")
def agency_create(
    name: Annotated[str, typer.Option("--name", help="The agency's name.")],
    database: DatabaseOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON line.")] = False,
) -> None:
    """Create an agency and its first agency key (shown once)."""
    settings = load_settings(database)
    upgrade(settings)
    created = run_in_transaction(settings, lambda conn: agencies.create_agency(conn, name))
    if as_json:
        typer.echo(json.dumps({"id": created.id, "name": created.name, "apiKey": created.api_key,
                               "apiKeyId": created.api_key_id}))  # fmt: skip
    else:
        typer.echo(f"agency {created.id} ({created.name})")
        typer.echo(f"agency key {created.api_key_id} (shown once): {created.api_key}")


@agency_app.command("list")
def agency_list(
    database: DatabaseOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON lines.")] = False,
) -> None:
    """List the agencies, with how many locations each has."""
    settings = load_settings(database)
    upgrade(settings)
    rows = run_in_transaction(settings, agency_repo.list_agencies)
    items = [{"id": row["id"], "name": row["name"], "locations": int(row["locations"])}
             for row in rows]  # fmt: skip
    _print_list(["id", "name", "locations"], items, as_json)


@agency_keys_app.command("create")
def agency_keys_create(
    agency: Annotated[str, typer.Option("--agency", help="The agency's id.")],
    label: Annotated[str | None, typer.Option(help="What the key is for.")] = None,
    database: DatabaseOption = None,
) -> None:
    """Create another agency key (for rotation); its secret is printed once."""
    settings = load_settings(database)
    upgrade(settings)
    key = run_in_transaction(settings, lambda conn: agencies.create_key(conn, agency, label))
    typer.echo(f"agency key {key.id} (shown once): {key.secret}")


@agency_keys_app.command("revoke")
def agency_keys_revoke(
    key_id: Annotated[str, typer.Argument(help="The key's id.")],
    database: DatabaseOption = None,
) -> None:
    """Revoke an agency key by its id: running servers refuse it within a second."""
    settings = load_settings(database)
    upgrade(settings)
    if not run_in_transaction(settings, lambda conn: agencies.revoke_key(conn, key_id)):
        raise ConfigurationError(f"no active agency key {key_id!r}")
    typer.echo(f"agency key {key_id} revoked")


@webhooks_app.command("create")
def webhooks_create(
    location: Annotated[str, typer.Option("--location", help="The location's id.")],
    url: Annotated[str, typer.Option("--url", help="Where the events are POSTed.")],
    event: Annotated[
        list[str], typer.Option("--event", help="An event type (repeat for several).")
    ],
    description: Annotated[str | None, typer.Option(help="What the subscription is for.")] = None,
    database: DatabaseOption = None,
) -> None:
    """Subscribe a URL to a location's events; prints the subscription with its secret, once."""
    from contactapi.webhooks import admin

    settings = load_settings(database)
    upgrade(settings)
    created = run_in_transaction(
        settings,
        lambda conn: admin.create(conn, location, url, event, description,
                                  settings.webhook_allow_private),
    )  # fmt: skip
    typer.echo(json.dumps(created))


@webhooks_app.command("list")
def webhooks_list(
    location: Annotated[str, typer.Option("--location", help="The location's id.")],
    database: DatabaseOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON lines.")] = False,
) -> None:
    """A location's subscriptions (never their secrets)."""
    from contactapi.webhooks import admin

    settings = load_settings(database)
    upgrade(settings)
    items = run_in_transaction(settings, lambda conn: admin.list_all(conn, location))
    rows = [{"id": w["id"], "url": w["url"], "events": ",".join(w["events"]),
             "disabled": w["disabled"]} for w in items]  # fmt: skip
    _print_list(["id", "url", "events", "disabled"], rows, as_json)


@webhooks_app.command("delete")
def webhooks_delete(
    webhook_id: Annotated[str, typer.Argument(help="The subscription's id.")],
    database: DatabaseOption = None,
) -> None:
    """Delete a subscription and its deliveries."""
    from contactapi.webhooks import admin

    settings = load_settings(database)
    upgrade(settings)
    if not run_in_transaction(settings, lambda conn: admin.delete(conn, webhook_id)):
        raise ConfigurationError(f"no webhook {webhook_id!r}")
    typer.echo(f"webhook {webhook_id} deleted")


@app.command()
def seed(
    location: Annotated[str, typer.Option("--location", help="The location's id.")],
    count: Annotated[int, typer.Option("--count", min=1, help="How many contacts to add.")],
    database: DatabaseOption = None,
    tag: Annotated[str | None, typer.Option(help="A tag every seeded contact carries.")] = None,
) -> None:
    """Load synthetic contacts (varied, deterministic) straight into the database."""
    from contactapi.contacts import seed as seeding

    settings = load_settings(database)
    upgrade(settings)

    def progress(done: int) -> None:
        typer.echo(f"{done}/{count} contacts", err=True)

    try:
        report = seeding.seed(settings, location, count, progress, tag)
    except seeding.UnknownLocation as exc:
        typer.echo(f"error: no location {location}", err=True)
        raise typer.Exit(2) from exc
    typer.echo(f"seeded {report.count} contacts into {location} in {report.seconds:.1f}s")


def _version(show: bool) -> None:
    if show:
        typer.echo(f"contactapi {version('contactapi')}")
        raise typer.Exit()


@app.callback()
def _options(
    show_version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version."),
    ] = False,
) -> None:
    """A self-hostable server for the REI Software Contact API."""


def main() -> None:
    """The command; an operator's mistake (a path, a port, an unreachable database) is one
    line on stderr and exit status 2, not a traceback."""
    try:
        app()
    except Terminated:
        sys.exit(128 + signal.SIGTERM)
    except ConfigurationError as exc:
        _fail(str(exc))
    except DATABASE_ERRORS as exc:
        _fail(f"cannot use the database: {database_problem(exc)}")


def _fail(message: str) -> None:
    typer.echo(f"error: {message}", err=True)
    sys.exit(2)
