"""Test data: locations with keys, and contacts made through the API."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from starlette.applications import Starlette

from contactapi.agencies.service import create_agency
from contactapi.app import create_app
from contactapi.db.engine import Connection
from contactapi.db.migrate import upgrade
from contactapi.locations.service import NewLocation, create_location, update_location
from contactapi.settings import Settings


@dataclass
class Api:
    """An HTTP client speaking as one location."""

    http: httpx.AsyncClient
    location_id: str
    key: str
    key_id: str = ""
    # The agency the location belongs to, speaking with its agency key.
    agency: Api | None = None

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"}

    async def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        headers = {**self.headers, **kwargs.pop("headers", {})}
        return await self.http.request(method, url, headers=headers, **kwargs)

    async def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return await self.request("GET", url, **kwargs)

    async def post(self, url: str, **kwargs: Any) -> httpx.Response:
        return await self.request("POST", url, **kwargs)

    async def put(self, url: str, **kwargs: Any) -> httpx.Response:
        return await self.request("PUT", url, **kwargs)

    async def delete(self, url: str, **kwargs: Any) -> httpx.Response:
        return await self.request("DELETE", url, **kwargs)

    async def make_contact(self, **fields: Any) -> dict[str, Any]:
        body = {"email": f"c-{secrets.token_hex(6)}@example.com", **fields}
        response = await self.post("/v1/contacts/", json=body)
        assert response.status_code == 200, response.text
        contact: dict[str, Any] = response.json()["contact"]
        return contact


async def make_location(
    app: Starlette, http: httpx.AsyncClient, *, allow_duplicates: bool = False, country: str = "US"
) -> Api:
    """A location made as the CLI makes it, handed to an agency of its own (`Api.agency`)."""
    agency = await make_agency(app, http)

    async def create(conn: Connection) -> NewLocation:
        created = await create_location(conn, "Test location", allow_duplicates, country)
        await update_location(conn, created.id, None, None, agency.location_id)
        return created

    created = await app.state.db.run(create, write=True)
    return Api(http, created.id, created.api_key, created.api_key_id, agency)


async def make_agency(app: Starlette, http: httpx.AsyncClient) -> Api:
    """A client speaking as a new agency (its `location_id` is the agency's id)."""
    created = await app.state.db.run(lambda conn: create_agency(conn, "Test agency"), write=True)
    return Api(http, created.id, created.api_key, created.api_key_id)


async def make_agency_location(agency: Api, **fields: Any) -> Api:
    """A location the agency creates through `/v1/locations/`, and a client speaking as it."""
    body = {"businessName": f"Branch {secrets.token_hex(3)}", **fields}
    response = await agency.post("/v1/locations/", json=body)
    assert response.status_code == 200, response.text
    created = response.json()
    return Api(agency.http, created["id"], created["apiKey"], agency=agency)


@asynccontextmanager
async def own_sqlite_app(path: Path) -> AsyncIterator[Api]:
    """An app of its own on a new SQLite file at `path`, and a client of a location in it
    (for what the shared test database can't show: one location alone, another process)."""
    settings = Settings(database_url=f"sqlite:///{path}", rate_limit="off", run_worker=False)
    upgrade(settings)
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://own") as client:
            yield await make_location(application, client)
