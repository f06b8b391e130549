"""Logging of the `contactapi` loggers (uvicorn configures only its own)."""

from __future__ import annotations

import logging


def configure_logging(level: str) -> None:
    """Write the `contactapi` loggers to stderr at `level`; idempotent."""
    logger = logging.getLogger("contactapi")
    logger.setLevel(level.upper())
    if not logger.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
        logger.addHandler(handler)
