"""`contactapi seed`: synthetic contacts, straight into the database."""

from __future__ import annotations

from typing import Annotated

import typer

from contactapi.commands.common import DatabaseOption, load_settings
from contactapi.db.migrate import upgrade
from contactapi.transfer.progress import progress


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
    try:
        with progress("seed", count, "contacts") as shown:
            report = seeding.seed(settings, location, count, shown.update, tag)
    except seeding.UnknownLocation as exc:
        typer.echo(f"error: no location {location}", err=True)
        raise typer.Exit(2) from exc
    typer.echo(f"seeded {report.count} contacts into {location} in {report.seconds:.1f}s")
