"""`contactapi agency`: agencies and their keys."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from contactapi.agencies import repository as agency_repo
from contactapi.agencies import service as agencies
from contactapi.commands.common import (
    DatabaseOption,
    load_settings,
    print_list,
    run_in_transaction,
)
from contactapi.core import ConfigurationError
from contactapi.db.migrate import upgrade

agency_app = typer.Typer(help="Agencies (each manages its locations through /v1/locations/).",
                         no_args_is_help=True)  # fmt: skip
agency_keys_app = typer.Typer(help="Agency API keys.", no_args_is_help=True)
agency_app.add_typer(agency_keys_app, name="keys")


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
    print_list(["id", "name", "locations"], items, as_json)


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
