"""Wire conventions of contract section 1: auth, bodies, error shapes, health, docs."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from starlette.applications import Starlette
from starlette.routing import Route

from contactapi.app import create_app
from contactapi.settings import Settings
from tests.factories import Api


@pytest.mark.parametrize(
    "header",
    [None, "", "Bearer", "Bearer ", "Basic abc", "Bearer capi_unknownkey", "bearer x" * 100],
)
async def test_missing_malformed_or_unknown_key_is_401(
    http: httpx.AsyncClient, header: str | None
) -> None:
    headers = {} if header is None else {"Authorization": header}
    response = await http.get("/v1/contacts/lookup?email=a@b.co", headers=headers)
    assert response.status_code == 401
    assert response.json() == {"msg": "Unauthorized"}


async def test_revoked_key_is_401(app: Starlette, api: Api) -> None:
    from contactapi.locations.service import create_key, revoke_key

    second = await app.state.db.run(lambda conn: create_key(conn, api.location_id), write=True)
    rotated = Api(api.http, api.location_id, second.secret, second.id)
    assert (await rotated.get("/v1/contacts/lookup?email=a@b.co")).status_code == 200
    assert await app.state.db.run(lambda conn: revoke_key(conn, api.key_id), write=True)
    assert (await api.get("/v1/contacts/lookup?email=a@b.co")).status_code == 401
    assert (await rotated.get("/v1/contacts/lookup?email=a@b.co")).status_code == 200


@pytest.mark.parametrize(
    "raw",
    [
        b"{",
        b"not json",
        b"[1, 2]",
        b'"text"',
        b"42",
        b"\xff\xfe{}",
        b'{"a": "\\ud800"}',
        b"[" * 5000,
    ],
)
async def test_body_that_is_not_a_json_object_is_400(api: Api, raw: bytes) -> None:
    response = await api.post("/v1/contacts/", content=raw)
    assert response.status_code == 400
    assert response.json()["msg"] == "Bad Request"


async def test_empty_body_is_400(api: Api) -> None:
    response = await api.post("/v1/contacts/", content=b"")
    assert response.status_code == 400


async def test_body_over_one_mebibyte_is_413(api: Api) -> None:
    big = b'{"email": "big@example.com", "source": "' + b"x" * (1024 * 1024) + b'"}'
    response = await api.post("/v1/contacts/", content=big)
    assert response.status_code == 413
    assert response.json() == {"msg": "Payload Too Large"}
    found = await api.get("/v1/contacts/lookup", params={"email": "big@example.com"})
    assert found.json() == {"contacts": []}


async def test_a_body_sent_in_chunks_is_read_whole_and_its_size_counted(api: Api) -> None:
    async def chunks(*parts: bytes) -> AsyncIterator[bytes]:
        for part in parts:
            yield part

    # No Content-Length: the size is known only once the chunks are read.
    sent = chunks(b'{"email": "chunked@', b'example.com", "firstName"', b': "Chunk"}')
    response = await api.post("/v1/contacts/", content=sent)
    assert response.status_code == 200, response.text
    assert response.json()["contact"]["firstName"] == "Chunk"
    oversized = chunks(b'{"email": "huge@example.com", "source": "', *[b"x" * 65536] * 17, b'"}')
    response = await api.post("/v1/contacts/", content=oversized)
    assert response.status_code == 413
    found = await api.get("/v1/contacts/lookup", params={"email": "huge@example.com"})
    assert found.json() == {"contacts": []}


async def test_body_over_one_mebibyte_is_413_on_routes_without_a_body_too(api: Api) -> None:
    response = await api.request("DELETE", "/v1/contacts/abc", content=b"x" * (1024 * 1024 + 1))
    assert response.status_code == 413
    assert response.json() == {"msg": "Payload Too Large"}


async def test_unknown_route_404_and_wrong_method_405(api: Api, http: httpx.AsyncClient) -> None:
    assert (await http.get("/v1/nothing-here")).json() == {"msg": "Not Found"}
    assert (await http.get("/v1/nothing-here")).status_code == 404
    response = await api.request("PATCH", "/v1/contacts/abc")
    assert response.status_code == 405
    assert response.json() == {"msg": "Method Not Allowed"}


async def test_health(http: httpx.AsyncClient) -> None:
    response = await http.get("/health")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


async def test_openapi_describes_routes_and_docs_render_offline(http: httpx.AsyncClient) -> None:
    document = (await http.get("/openapi.json")).json()
    assert document["openapi"].startswith("3.")
    assert {"/v1/contacts/", "/v1/contacts/{id}", "/v1/contacts/lookup"} <= set(document["paths"])
    page = await http.get("/docs")
    assert page.status_code == 200
    assert "http" not in page.text.replace("http-equiv", "")  # every asset is local
    asset = await http.get("/docs/static/swagger-ui-bundle.js")
    assert asset.status_code == 200 and len(asset.content) > 100_000


async def test_unhandled_fault_is_500_without_trace(settings: Settings) -> None:
    async def broken(request: object) -> None:
        raise RuntimeError("secret internals")

    app = create_app(settings)
    app.router.routes.append(Route("/boom", broken))
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        response = await client.get("/boom")
    assert response.status_code == 500
    assert response.json() == {"msg": "Internal Server Error"}
    assert response.headers["x-request-id"]
    assert "secret" not in response.text


async def test_a_path_with_a_trailing_newline_is_not_the_route_without_it(api: Api) -> None:
    await api.make_contact()
    # A regex's `$` also matches before a final newline: this was the contact list.
    listed = await api.get("/v1/contacts/%0A")
    assert listed.status_code == 422
    assert listed.json() == {"id": {"message": "The contact id is invalid.", "rule": "invalid"}}
    assert (await api.get("/v1/contacts%0A")).status_code == 404
