"""`contactapi webhooks`: a location's subscriptions."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from contactapi.commands.common import (
    DatabaseOption,
    load_settings,
    print_list,
    run_in_transaction,
)
from contactapi.core import ConfigurationError
from contactapi.db.migrate import upgrade

webhooks_app = typer.Typer(help="Webhook subscriptions (events sent to your URLs).",
                           no_args_is_help=True)  # fmt: skip


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
    print_list(["id", "url", "events", "disabled"], rows, as_json)


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
