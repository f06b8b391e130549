"""Appointment endpoints: parse, call the service, shape the answer."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from contactapi.appointments.listing import AppointmentListing
from contactapi.appointments.queries import parse_list_query, parse_slots_query
from contactapi.appointments.schemas import (
    BookingInput,
    prepare_booking,
    prepare_reschedule,
    prepare_status,
)
from contactapi.appointments.service import AppointmentService
from contactapi.appointments.slots import SlotService
from contactapi.errors import json_response
from contactapi.limits import parse_page
from contactapi.scope import LocationScope
from contactapi.validation import Checked
from contactapi.web.endpoint import endpoint, endpoint_with_body
from contactapi.web.http import both_slashes, empty_ok


@endpoint_with_body(prepare_booking)
async def book_appointment(
    request: Request, scope: LocationScope, payload: Checked[BookingInput]
) -> Response:
    return json_response(await AppointmentService(scope).book(payload))


@endpoint(write=False, slow=True)
async def free_slots(request: Request, scope: LocationScope) -> Response:
    query = parse_slots_query(request.query_params)
    return json_response(await SlotService(scope).free(query))


@endpoint(write=False, slow=True)
async def list_appointments(request: Request, scope: LocationScope) -> Response:
    query, page = parse_list_query(request.query_params), parse_page(request.query_params)
    return json_response(
        {"appointments": await AppointmentListing(scope).appointments(query, page)}
    )


@endpoint(write=False)
async def get_appointment(request: Request, scope: LocationScope) -> Response:
    appointment_id = request.path_params["appointmentId"]
    return json_response(await AppointmentService(scope).get(appointment_id))


@endpoint_with_body(prepare_reschedule)
async def reschedule_appointment(
    request: Request, scope: LocationScope, payload: Checked[dict[str, Any]]
) -> Response:
    appointment_id = request.path_params["appointmentId"]
    return json_response(await AppointmentService(scope).reschedule(appointment_id, payload))


@endpoint_with_body(prepare_status)
async def set_appointment_status(
    request: Request, scope: LocationScope, payload: Checked[str | None]
) -> Response:
    appointment_id = request.path_params["appointmentId"]
    return json_response(await AppointmentService(scope).set_status(appointment_id, payload))


@endpoint(write=True)
async def delete_appointment(request: Request, scope: LocationScope) -> Response:
    await AppointmentService(scope).delete(request.path_params["appointmentId"])
    return empty_ok()


@endpoint(write=False)
async def contact_appointments(request: Request, scope: LocationScope) -> Response:
    events = await AppointmentService(scope).for_contact(request.path_params["contactId"])
    return json_response({"events": events})


# The slots route before `{appointmentId}`, which would take `slots` for an id.
routes: list[BaseRoute] = [
    *both_slashes("/v1/appointments/slots", free_slots, ["GET"]),
    *both_slashes("/v1/appointments", list_appointments, ["GET"]),
    *both_slashes("/v1/appointments", book_appointment, ["POST"]),
    *both_slashes("/v1/appointments/{appointmentId}", get_appointment, ["GET"]),
    *both_slashes("/v1/appointments/{appointmentId}", reschedule_appointment, ["PUT"]),
    *both_slashes("/v1/appointments/{appointmentId}", delete_appointment, ["DELETE"]),
    *both_slashes("/v1/appointments/{appointmentId}/status", set_appointment_status, ["PUT"]),
    *both_slashes("/v1/contacts/{contactId}/appointments", contact_appointments, ["GET"]),
]
