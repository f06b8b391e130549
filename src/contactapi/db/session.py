"""The transaction boundary: one transaction per request, opened and committed here only.

An endpoint declared with `@endpoint(...)` gets a `Scope`: the caller's location and a
connection inside a transaction that commits when the handler returns and rolls back when it
raises. Services and repositories flush nothing and commit nothing themselves.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import Any, Literal

from starlette.requests import Request
from starlette.responses import Response

from contactapi.auth import Location, authenticate, bearer_token
from contactapi.db.engine import Connection, Database
from contactapi.errors import ValidationFailed, unknown_path_id
from contactapi.http import json_object, refuse_oversized
from contactapi.validation import storable


@dataclass(frozen=True, slots=True)
class Scope:
    """What a request may touch: one location's data, through one transaction."""

    conn: Connection
    location: Location

    @property
    def location_id(self) -> str:
        return self.location.id


# A handler gets the request, its scope, and the body (or what `prepare` made of it).
Handler = Callable[[Request, Scope, Any], Coroutine[Any, Any, Response]]
Prepare = Callable[[dict[str, Any], Location], Any]
BodyMode = Literal["none", "optional", "required"]


def endpoint(
    *,
    write: bool,
    body: BodyMode = "none",
    prepare: Prepare | None = None,
    snapshot: bool = False,
) -> Callable[[Handler], Any]:
    """`prepare`, when given, turns the body into what the handler takes (validation that
    needs no database) before the transaction opens: a write transaction then holds SQLite's
    write lock, and its batch, only for the database work. `snapshot`: a read whose several
    statements (a page and its total) must see one state of the database."""

    def wrap(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
        async def run(request: Request) -> Response:
            token = bearer_token(request)
            # The body is read before the transaction, so no lock waits on the network.
            if body == "none":
                refuse_oversized(request)  # the contract's 413 holds for every route
                data: dict[str, Any] = {}
            else:
                data = await json_object(request, required=body == "required")
            db: Database = request.app.state.db
            location = await authenticate(db, token)
            state = request.scope.setdefault("state", {})
            state["location_id"] = location.id
            limiter = request.app.state.rate_limiter
            if limiter is not None:
                state["rate_limit_headers"] = limiter.hit(location.id)
            # Refused before a query sees them: PostgreSQL would fail on them (a 500).
            for name, value in request.path_params.items():
                if not storable(value):
                    raise unknown_path_id(name)
            if b"%00" in request.scope["query_string"]:  # the only way a NUL arrives there
                for name, value in request.query_params.multi_items():
                    if not storable(value):
                        raise ValidationFailed.one(
                            name, f"The {name} must not contain NUL characters.", "invalid"
                        )
            payload = prepare(data, location) if prepare is not None else data
            # SQLite runs a write inside the next write batch, back to back with the others.
            return await db.run(
                lambda conn: handler(request, Scope(conn, location), payload),
                write=write,
                snapshot=snapshot,
            )

        run.__name__ = handler.__name__
        run.__doc__ = handler.__doc__
        return run

    return wrap


@dataclass
class WorkScope:
    """The worker's counterpart of `Scope`: one job, one transaction, one location."""

    conn: Connection
    location_id: str
