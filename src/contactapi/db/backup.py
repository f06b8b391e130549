"""Backups of the SQLite database: SQLite's online backup API, which copies a consistent
snapshot (every transaction committed before the copy began, none after) while the server
keeps writing. PostgreSQL is backed up with its own tools (`pg_dump`; see docs)."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from contactapi.core import ConfigurationError
from contactapi.db.files import prepare_sqlite_file
from contactapi.settings import Settings

# The whole copy in one step, one read transaction: in WAL mode it reads one snapshot while the
# server's writers go on (a reader never blocks them), so the copy is consistent and no write
# waits for it.
PAGES_PER_STEP = -1
BUSY_TIMEOUT_SECONDS = 10.0


def _sqlite_only(settings: Settings, what: str) -> str:
    if settings.is_postgresql:
        raise ConfigurationError(f"{what} is for SQLite databases; back up PostgreSQL with"
                                 " pg_dump and restore with pg_restore")  # fmt: skip
    return settings.sqlite_path


def backup(settings: Settings, target: Path) -> int:
    """Copies the database to `target` (a new file, 0600); returns its size in bytes."""
    source_path = _sqlite_only(settings, "db backup")
    if not Path(source_path).is_file():
        raise ConfigurationError(f"no database at {source_path}")
    if target.exists():
        raise ConfigurationError(f"{target} exists: back up to a new file")
    prepare_sqlite_file(str(target))
    with (
        sqlite3.connect(source_path, timeout=BUSY_TIMEOUT_SECONDS) as source,
        sqlite3.connect(target) as copy,
    ):
        source.backup(copy, pages=PAGES_PER_STEP)
    return target.stat().st_size


def restore(settings: Settings, backup_file: Path, *, replace: bool) -> None:
    """Copies `backup_file` over the database (the server must be stopped). An existing
    database is replaced only when `replace` says so."""
    target = _sqlite_only(settings, "db restore")
    if not backup_file.is_file():
        raise ConfigurationError(f"no backup at {backup_file}")
    with sqlite3.connect(f"file:{backup_file}?mode=ro", uri=True) as source:
        if source.execute("PRAGMA quick_check").fetchone()[0] != "ok":
            raise ConfigurationError(f"{backup_file} is not an intact SQLite database")
        if Path(target).exists() and os.path.getsize(target) > 0 and not replace:
            raise ConfigurationError(f"{target} exists: pass --replace to overwrite it")
        prepare_sqlite_file(target)
        with sqlite3.connect(target) as copy:
            source.backup(copy)
