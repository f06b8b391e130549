"""Appointment endpoints: parse, call the service, shape the answer."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from contactapi.appointments.service import AppointmentService
from contactapi.db.session import Scope, endpoint
from contactapi.errors import json_response
from contactapi.http import both_slashes, empty_ok


@endpoint(write=True, body="required")
async def book_appointment(request: Request, scope: Scope, body: dict[str, Any]) -> Response:
    return json_response(await AppointmentService(scope).book(body))


@endpoint(write=False)
async def get_appointment(request: Request, scope: Scope, body: dict[str, Any]) -> Response:
    appointment_id = request.path_params["appointmentId"]
    return json_response(await AppointmentService(scope).get(appointment_id))


@endpoint(write=True, body="required")
async def reschedule_appointment(request: Request, scope: Scope, body: dict[str, Any]) -> Response:
    appointment_id = request.path_params["appointmentId"]
    return json_response(await AppointmentService(scope).reschedule(appointment_id, body))


@endpoint(write=True, body="required")
async def set_appointment_status(request: Request, scope: Scope, body: dict[str, Any]) -> Response:
    appointment_id = request.path_params["appointmentId"]
    return json_response(await AppointmentService(scope).set_status(appointment_id, body))


@endpoint(write=True)
async def delete_appointment(request: Request, scope: Scope, body: dict[str, Any]) -> Response:
    await AppointmentService(scope).delete(request.path_params["appointmentId"])
    return empty_ok()


@endpoint(write=False)
async def contact_appointments(request: Request, scope: Scope, body: dict[str, Any]) -> Response:
    events = await AppointmentService(scope).for_contact(request.path_params["contactId"])
    return json_response({"events": events})


routes: list[BaseRoute] = [
    *both_slashes("/v1/appointments", book_appointment, ["POST"]),
    *both_slashes("/v1/appointments/{appointmentId}", get_appointment, ["GET"]),
    *both_slashes("/v1/appointments/{appointmentId}", reschedule_appointment, ["PUT"]),
    *both_slashes("/v1/appointments/{appointmentId}", delete_appointment, ["DELETE"]),
    *both_slashes("/v1/appointments/{appointmentId}/status", set_appointment_status, ["PUT"]),
    *both_slashes("/v1/contacts/{contactId}/appointments", contact_appointments, ["GET"]),
]
