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
class Agency:
    """The caller's agency, as its agency key names it: it manages the agency's locations."""

    id: str


# Who a key speaks for: a location (most routes) or an agency (locations, users).
Caller = Location | Agency


@dataclass(frozen=True, slots=True)
class CallerScope:
    """The scope of a route either kind of key may call (users, a location's own record)."""

    conn: Connection
    caller: Caller


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
