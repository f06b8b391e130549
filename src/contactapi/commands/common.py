"""What the commands share: the database option, settings, one transaction, lists."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, TypeVar

import typer
from pydantic import ValidationError

from contactapi.core import ConfigurationError
from contactapi.db.engine import Connection, create_database
from contactapi.locations import service as locations
from contactapi.settings import Settings
from contactapi.startup import check_database_url

DatabaseOption = Annotated[
    str | None,
    typer.Option("--database", help="Database URL (sqlite:///file.db or postgresql://...)."),
]
T = TypeVar("T")


class Terminated(BaseException):
    """SIGTERM before the server took over its handling (during migrations, say): unwinds,
    so an open transaction rolls back, then the command exits."""


def terminate(signum: int, frame: object) -> None:
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


def print_list(header: list[str], items: list[dict[str, Any]], as_json: bool) -> None:
    """JSON lines, or a header line then one tab-separated line per item (`-` for none)."""
    if as_json:
        for item in items:
            typer.echo(json.dumps(item))
        return
    typer.echo("\t".join(header))
    for item in items:
        typer.echo("\t".join("-" if v is None else str(v) for v in item.values()))
