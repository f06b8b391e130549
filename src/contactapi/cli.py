"""The `contactapi` command: its groups, assembled (`commands/`), and one-line errors."""

from __future__ import annotations

import signal
import sys
from importlib.metadata import version
from typing import Annotated

import typer

from contactapi.commands.agencies import agency_app
from contactapi.commands.common import Terminated
from contactapi.commands.db import db_app
from contactapi.commands.locations import keys_app, locations_app
from contactapi.commands.seed import seed
from contactapi.commands.server import serve, worker
from contactapi.commands.transfer import export_command, import_command, migrate_command
from contactapi.commands.webhooks import webhooks_app
from contactapi.core import ConfigurationError
from contactapi.startup import DATABASE_ERRORS, database_problem

app = typer.Typer(help="A self-hostable server for the REI Software Contact API.",
                  no_args_is_help=True, add_completion=False)  # fmt: skip
app.command()(serve)
app.command()(worker)
app.command()(seed)
app.command("import")(import_command)
app.command("export")(export_command)
app.command("migrate")(migrate_command)
app.add_typer(db_app, name="db")
app.add_typer(locations_app, name="locations")
app.add_typer(keys_app, name="keys")
app.add_typer(agency_app, name="agency")
app.add_typer(webhooks_app, name="webhooks")


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
