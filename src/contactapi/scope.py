"""What a piece of work may touch: one location's data, through one transaction's connection.

Services and repositories are built from a scope, so every query they make starts from its
location: another location's rows are out of reach by construction.
"""

from __future__ import annotations

from dataclasses import dataclass

from contactapi.db.engine import Connection


@dataclass(frozen=True, slots=True)
class Location:
    """The caller's location, as its API key names it."""

    id: str
    allow_duplicate_contacts: bool
    country: str


@dataclass(frozen=True, slots=True)
class LocationScope:
    """A request's scope: the caller's location, and its transaction's connection."""

    conn: Connection
    location: Location

    @property
    def location_id(self) -> str:
        return self.location.id


@dataclass(frozen=True, slots=True)
class WorkScope:
    """A queued job's scope: the location it was queued for, and the job's transaction."""

    conn: Connection
    location_id: str
