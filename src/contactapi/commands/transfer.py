"""`contactapi import`, `export` and `migrate`: moving a location's data in and out
(`transfer/`)."""

from __future__ import annotations

import sys
from contextlib import ExitStack
from pathlib import Path
from typing import Annotated, TextIO

import typer

from contactapi.commands.common import DatabaseOption, load_settings
from contactapi.db.migrate import upgrade
from contactapi.errors import ValidationFailed
from contactapi.locations.service import LocationError
from contactapi.transfer.files import FORMATS, Format, guess_format
from contactapi.transfer.progress import progress

LocationOption = Annotated[str, typer.Option("--location", help="The location's id.")]
FormatOption = Annotated[
    str | None, typer.Option("--format", help="csv or jsonl (default: from the file's name).")
]
# Exit status of an interrupted command (SIGINT), as a shell reports it.
INTERRUPTED = 130


def _usage(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(2)


def _format(value: str | None, path: Path | None) -> Format:
    if value is None:
        return guess_format(path) if path is not None else "csv"
    if value not in FORMATS:
        raise _usage(f"--format: {value!r} is not one of csv, jsonl")
    return value


def _mapping(items: list[str]) -> dict[str, str]:
    mapping = {}
    for item in items:
        column, sep, field = item.partition("=")
        if not sep or not column:
            raise _usage(f"--map {item!r}: expected COLUMN=FIELD")
        mapping[column] = field.strip() or "-"
    return mapping


def import_command(
    file: Annotated[Path, typer.Argument(help="The CSV or JSON Lines file.")],
    location: LocationOption,
    fmt: FormatOption = None,
    map_columns: Annotated[
        list[str] | None,
        typer.Option("--map", help="COLUMN=FIELD (a contact or custom field; - to skip)."),
    ] = None,
    database: DatabaseOption = None,
) -> None:
    """Create or update contacts from a file, as POST /v1/contacts/ does; bad rows go to
    FILE.rejects.csv. Interrupted, the same command resumes where it stopped."""
    from contactapi.transfer import importer
    from contactapi.transfer.columns import UnknownTarget
    from contactapi.transfer.files import BadFile

    if not file.is_file():
        raise _usage(f"{file}: no such file")
    chosen = _format(fmt, file)
    mapping = _mapping(map_columns or [])
    settings = load_settings(database)
    upgrade(settings)
    try:
        with progress("import", None) as shown:
            report = importer.import_file(settings, location, file, chosen, mapping, shown)
    except (LocationError, UnknownTarget, BadFile) as exc:
        raise _usage(str(exc)) from exc
    except KeyboardInterrupt:
        typer.echo("interrupted: run the same command again to resume", err=True)
        raise typer.Exit(INTERRUPTED) from None
    if report.ignored_columns:
        typer.echo(f"ignored columns: {', '.join(report.ignored_columns)}", err=True)
    resumed = f" ({report.resumed_after:,} done before)" if report.resumed_after else ""
    typer.echo(f"imported {report.rows - report.rejected:,} of {report.rows:,} rows into"
               f" {location} in {report.seconds:.1f}s{resumed}")  # fmt: skip
    if report.rejected:
        typer.echo(f"{report.rejected:,} rows rejected: see {importer.rejects_path(file)}",
                   err=True)  # fmt: skip
        raise typer.Exit(1)


def export_command(
    location: LocationOption,
    fmt: FormatOption = None,
    query: Annotated[str | None, typer.Option("--query", help="Only a search's contacts.")] = None,
    output: Annotated[
        Path | None, typer.Option("--output", help="The file to write (default: stdout).")
    ] = None,
    database: DatabaseOption = None,
) -> None:
    """Write every contact of a location (or of a search) as CSV or JSON Lines."""
    from contactapi.transfer.exporter import export_contacts

    chosen = _format(fmt, output)
    settings = load_settings(database)
    upgrade(settings)
    with ExitStack() as stack:
        out: TextIO = sys.stdout
        if output is not None:
            out = stack.enter_context(output.open("w", encoding="utf-8", newline=""))
        try:
            with progress("export", None) as shown:
                report = export_contacts(settings, location, chosen, query, out, shown)
        except LocationError as exc:
            raise _usage(str(exc)) from exc
        except ValidationFailed as exc:
            raise _usage(f"--query: {next(iter(exc.errors.values()))['message']}") from exc
    typer.echo(f"exported {report.rows:,} contacts in {report.seconds:.1f}s", err=True)


def migrate_command(
    source_url: Annotated[str, typer.Option("--from", help="The source's base URL, without /v1.")],
    key: Annotated[
        str,
        typer.Option("--key", help="The source location's API key; - reads it from stdin."),
    ],
    location: LocationOption,
    database: DatabaseOption = None,
) -> None:
    """Copy a location from a server that speaks the v1 API (custom fields, contacts, notes,
    tasks, pipelines, opportunities) into LOCATION; run it again to resume or to check."""
    from contactapi.transfer.migrator import KINDS, migrate
    from contactapi.transfer.source import SourceError

    if not source_url.startswith(("http://", "https://")):
        raise _usage(f"--from: {source_url!r} is not an http(s) URL")
    if key == "-":  # kept out of the process list (`ps`)
        key = sys.stdin.readline().strip()
    settings = load_settings(database)
    upgrade(settings)
    try:
        report = migrate(settings, source_url, key, location, progress)
    except (LocationError, SourceError) as exc:
        raise _usage(str(exc)) from exc
    except KeyboardInterrupt:
        typer.echo("interrupted: run the same command again to resume", err=True)
        raise typer.Exit(INTERRUPTED) from None
    for failure in report.failures[:20]:
        typer.echo(f"not copied: {failure}", err=True)
    if len(report.failures) > 20:
        typer.echo(f"... and {len(report.failures) - 20} more not copied", err=True)
    typer.echo(f"{'kind':<15}{'source':>10}{'target':>10}{'copied now':>12}")
    for kind in KINDS:
        typer.echo(f"{kind:<15}{report.source[kind]:>10,}{report.target[kind]:>10,}"
                   f"{report.copied[kind]:>12,}")  # fmt: skip
    typer.echo(f"{report.requests:,} requests to the source ({report.rate_limited:,} answered"
               f" 429 and waited out) in {report.seconds:.1f}s")  # fmt: skip
    if not report.matches:
        typer.echo("error: the counts differ", err=True)
        raise typer.Exit(1)
