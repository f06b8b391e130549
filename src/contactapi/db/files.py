"""The SQLite database file: where it may be, and who may read it."""

from __future__ import annotations

import os
from pathlib import Path

from contactapi.core import ConfigurationError


def prepare_sqlite_file(path: str) -> None:
    """Creates the database file, readable by its owner only, unless it exists; SQLite gives
    its WAL and other side files the same mode. A directory that does not exist is the
    operator's mistake (a typo), not a place to create an empty database."""
    if path == ":memory:":
        return
    directory = Path(path).parent
    if not directory.is_dir():
        raise ConfigurationError(f"no directory {directory} for the SQLite database {path}")
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
    except FileExistsError:
        if Path(path).is_dir():
            raise ConfigurationError(f"the SQLite database {path} is a directory") from None
        return
    except PermissionError as exc:
        raise ConfigurationError(
            f"cannot create the SQLite database {path}: {exc.strerror}"
        ) from exc
    os.close(fd)
