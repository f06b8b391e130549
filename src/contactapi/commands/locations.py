"""`contactapi locations` and `contactapi keys`."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

from contactapi.commands.common import (
    DatabaseOption,
    load_settings,
    print_list,
    run_in_transaction,
)
from contactapi.core import ConfigurationError, iso_ms
from contactapi.db.migrate import upgrade
from contactapi.locations import repository as location_repo
from contactapi.locations import service as locations

locations_app = typer.Typer(help="Locations (each has its own contacts and API keys).",
                            no_args_is_help=True)  # fmt: skip
keys_app = typer.Typer(help="API keys.", no_args_is_help=True)


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
    print_list(["id", "name", "country", "allow duplicates", "agency"], items, as_json)


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
    print_list(["id", "label", "prefix", "created", "last used", "revoked"], items, as_json)


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
