"""`contactapi db`: migrations, backups."""

from __future__ import annotations

import signal
from pathlib import Path
from typing import Annotated

import typer

from contactapi.commands.common import DatabaseOption, load_settings, terminate
from contactapi.db.migrate import upgrade

db_app = typer.Typer(help="Database administration.", no_args_is_help=True)


@db_app.command("upgrade")
def db_upgrade(database: DatabaseOption = None) -> None:
    """Apply pending migrations."""
    signal.signal(signal.SIGTERM, terminate)
    applied = upgrade(load_settings(database))
    if applied:
        typer.echo(f"applied migrations: {', '.join(applied)}; the database is up to date")
    else:
        typer.echo("the database was already up to date")


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
