"""Every storage test runs twice: on SQLite and on PostgreSQL.

One migrated database per backend per test session; each test makes its own location, and
since every query is scoped to a location, tests cannot see each other's data.
PostgreSQL comes from CONTACTAPI_TEST_POSTGRES_URL (an admin URL; a fresh database is created
and dropped), default postgresql://postgres@localhost:5432/postgres.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import psycopg
import pytest
from starlette.applications import Starlette

from contactapi.app import create_app
from contactapi.db.migrate import upgrade
from contactapi.settings import Settings
from tests.factories import Api, make_location

ADMIN_URL = os.environ.get(
    "CONTACTAPI_TEST_POSTGRES_URL", "postgresql://postgres@localhost:5432/postgres"
)


def _with_database(url: str, name: str) -> str:
    base, _, query = url.partition("?")
    base = base.rsplit("/", 1)[0] + "/" + name
    return f"{base}?{query}" if query else base


@contextmanager
def postgres_database(prefix: str) -> Iterator[str]:
    """The URL of a new, empty database on the test server, dropped on exit."""
    name = f"{prefix}_{secrets.token_hex(4)}"
    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    try:
        yield _with_database(ADMIN_URL, name)
    finally:
        with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE {name} WITH (FORCE)")


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    if request.param == "sqlite":
        path: Path = tmp_path_factory.mktemp("db") / "test.db"
        url = f"sqlite:///{path}"
        upgrade(Settings(database_url=url))
        yield url
        return
    with postgres_database("contactapi_test") as url:
        upgrade(Settings(database_url=url))
        yield url


@pytest.fixture(scope="session")
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, rate_limit="off", run_worker=False)


@pytest.fixture(scope="session")
async def app(settings: Settings) -> AsyncIterator[Starlette]:
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture(scope="session")
async def http(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


@pytest.fixture
async def api(app: Starlette, http: httpx.AsyncClient) -> Api:
    """A client authenticated as a fresh location."""
    return await make_location(app, http)


@pytest.fixture
def backend(database_url: str) -> str:
    return "postgresql" if database_url.startswith("postgresql") else "sqlite"


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real redis-server for the shared rate limit store, one per test session."""
    from tests.services import redis_server

    with redis_server(tmp_path_factory.mktemp("redis")) as url:
        yield url
