"""Note endpoints: parse, call the service, shape the answer (v1's bare objects)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from contactapi.errors import json_response
from contactapi.limits import parse_page
from contactapi.notes.schemas import NoteInput, parse_note
from contactapi.notes.service import NoteService
from contactapi.scope import LocationScope
from contactapi.validation import Checked
from contactapi.web.endpoint import endpoint, endpoint_with_body
from contactapi.web.http import both_slashes, empty_ok


@endpoint(write=False, slow=True)
async def list_notes(request: Request, scope: LocationScope) -> Response:
    page = parse_page(request.query_params)
    notes = await NoteService(scope).list(request.path_params["contactId"], page)
    return json_response({"notes": notes})


@endpoint_with_body(parse_note)
async def create_note(
    request: Request, scope: LocationScope, payload: Checked[NoteInput]
) -> Response:
    return json_response(await NoteService(scope).create(request.path_params["contactId"], payload))


@endpoint(write=False)
async def get_note(request: Request, scope: LocationScope) -> Response:
    params = request.path_params
    return json_response(await NoteService(scope).get(params["contactId"], params["noteId"]))


@endpoint_with_body(parse_note)
async def update_note(
    request: Request, scope: LocationScope, payload: Checked[NoteInput]
) -> Response:
    params = request.path_params
    note = await NoteService(scope).update(params["contactId"], params["noteId"], payload)
    return json_response(note)


@endpoint(write=True)
async def delete_note(request: Request, scope: LocationScope) -> Response:
    params = request.path_params
    await NoteService(scope).delete(params["contactId"], params["noteId"])
    return empty_ok()


_NOTES = "/v1/contacts/{contactId}/notes"
routes: list[BaseRoute] = [
    *both_slashes(_NOTES, list_notes, ["GET"]),
    *both_slashes(_NOTES, create_note, ["POST"]),
    *both_slashes(_NOTES + "/{noteId}", get_note, ["GET"]),
    *both_slashes(_NOTES + "/{noteId}", update_note, ["PUT"]),
    *both_slashes(_NOTES + "/{noteId}", delete_note, ["DELETE"]),
]
