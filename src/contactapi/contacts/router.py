"""Contact endpoints: parse, call the service, shape the answer."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from contactapi.contacts.schemas import ContactInput, prepare_contact
from contactapi.contacts.search import parse_list_query
from contactapi.contacts.service import ContactService, prepare_create
from contactapi.errors import json_response
from contactapi.scope import LocationScope
from contactapi.validation import Checked
from contactapi.web.endpoint import endpoint, endpoint_with_body
from contactapi.web.http import both_slashes, empty_ok
from contactapi.web.pages import page_meta


@endpoint_with_body(prepare_create)
async def create_contact(
    request: Request, scope: LocationScope, prepared: Checked[ContactInput]
) -> Response:
    contact, is_new = await ContactService(scope).upsert(prepared)
    return json_response({"contact": contact, "new": is_new})


@endpoint(write=False)
async def get_contact(request: Request, scope: LocationScope) -> Response:
    contact = await ContactService(scope).get(request.path_params["id"])
    return json_response({"contact": contact})


@endpoint_with_body(prepare_contact)
async def update_contact(
    request: Request, scope: LocationScope, prepared: Checked[ContactInput]
) -> Response:
    contact = await ContactService(scope).update(request.path_params["id"], prepared)
    return json_response({"contact": contact})


@endpoint(write=True)
async def delete_contact(request: Request, scope: LocationScope) -> Response:
    await ContactService(scope).delete(request.path_params["id"])
    return empty_ok()


@endpoint(write=False, snapshot=True, slow=True)
async def list_contacts(request: Request, scope: LocationScope) -> Response:
    query = parse_list_query(request.query_params)
    contacts, result = await ContactService(scope).list(query)
    return json_response({"contacts": contacts, "meta": page_meta(request, query, result)})


def _query_phone(raw: str | None) -> str | None:
    """`?phone=+4919...` arrives as ` 4919...` when the client did not encode the `+`
    (the reference's own example): a leading space can only have been a plus."""
    if raw is not None and raw.startswith(" ") and raw.strip()[:1].isdigit():
        return "+" + raw.strip()
    return raw


@endpoint(write=False)
async def lookup_contacts(request: Request, scope: LocationScope) -> Response:
    params = request.query_params
    contacts = await ContactService(scope).lookup(
        params.get("email"), _query_phone(params.get("phone"))
    )
    return json_response({"contacts": contacts})


routes: list[BaseRoute] = [
    *both_slashes("/v1/contacts/lookup", lookup_contacts, ["GET"]),
    *both_slashes("/v1/contacts", create_contact, ["POST"]),
    *both_slashes("/v1/contacts", list_contacts, ["GET"]),
    *both_slashes("/v1/contacts/{id}", get_contact, ["GET"]),
    *both_slashes("/v1/contacts/{id}", update_contact, ["PUT"]),
    *both_slashes("/v1/contacts/{id}", delete_contact, ["DELETE"]),
]
