"""Domain errors, and their mapping to the contract's shapes: the one place that does it."""

from __future__ import annotations

import logging
from collections.abc import Mapping

import orjson
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from contactapi import metrics

log = logging.getLogger("contactapi")

FieldErrors = dict[str, dict[str, str]]


class ApiError(Exception):
    """An error answered to the client."""

    status_code = 400

    def body(self) -> object:
        return {"msg": "Bad Request"}


class ServiceUnavailable(ApiError):
    """A passing condition (a busy database): the client may retry after a second."""

    status_code = 503

    def body(self) -> object:
        return {"msg": "Service Unavailable"}


class BadRequest(ApiError):
    def __init__(self, detail: str | None = None) -> None:
        super().__init__(detail)
        self.detail = detail

    def body(self) -> object:
        if self.detail:
            return {"msg": "Bad Request", "detail": self.detail}
        return {"msg": "Bad Request"}


class Unauthorized(ApiError):
    status_code = 401

    def body(self) -> object:
        return {"msg": "Unauthorized"}


class PayloadTooLarge(ApiError):
    status_code = 413

    def body(self) -> object:
        return {"msg": "Payload Too Large"}


class TooManyRequests(ApiError):
    status_code = 429

    def __init__(self, retry_after_seconds: int, headers: list[tuple[bytes, bytes]]) -> None:
        super().__init__()
        self.retry_after_seconds = retry_after_seconds
        self.headers = headers

    def body(self) -> object:
        return {"msg": "Too Many Requests"}


class ValidationFailed(ApiError):
    """422 with a field-keyed map, one entry per failing field."""

    status_code = 422

    def __init__(self, errors: FieldErrors) -> None:
        super().__init__(errors)
        self.errors = errors

    @classmethod
    def one(cls, field: str, message: str, rule: str) -> ValidationFailed:
        return cls({field: {"message": message, "rule": rule}})

    def body(self) -> object:
        return self.errors


def unknown_id(param: str, kind: str) -> ValidationFailed:
    """A path id that names no record of the caller's location (missing or another's)."""
    return ValidationFailed.one(param, f"The {kind} id is invalid.", "invalid")


# The kind of record each path parameter names, for ids refused before any query.
PATH_PARAM_KINDS = {
    "id": "contact",
    "contactId": "contact",
    "customFieldId": "custom field",
    "calendarId": "calendar",
    "appointmentId": "appointment",
    "teamId": "team",
    "serviceId": "service",
    "linkId": "link",
    "campaignId": "campaign",
    "workflowId": "workflow",
    "userId": "user",
    "locationId": "location",
    "pipelineId": "pipeline",
    "opportunityId": "opportunity",
}


def unknown_path_id(param: str) -> ValidationFailed:
    return unknown_id(param, PATH_PARAM_KINDS.get(param, "record"))


class JSONBytes(Response):
    """A body already encoded as JSON; its two headers are built directly (the generic
    header code is a measurable part of a contact read)."""

    media_type = "application/json"

    def init_headers(self, headers: Mapping[str, str] | None = None) -> None:
        assert headers is None
        self.raw_headers = [
            (b"content-length", str(len(self.body)).encode()),
            (b"content-type", b"application/json"),
        ]


def json_response(body: object, status_code: int = 200) -> Response:
    return JSONBytes(orjson.dumps(body), status_code)


async def api_error_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    response = json_response(exc.body(), exc.status_code)
    if isinstance(exc, ServiceUnavailable):
        response.headers["Retry-After"] = "1"
    if isinstance(exc, TooManyRequests):
        metrics.rate_limit_refused()
        response.headers["Retry-After"] = str(exc.retry_after_seconds)
        request.scope.setdefault("state", {})["rate_limit_headers"] = exc.headers
    return response


HTTP_MESSAGES = {404: "Not Found", 405: "Method Not Allowed"}


async def http_exception_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    message = HTTP_MESSAGES.get(exc.status_code, "Bad Request")
    return json_response({"msg": message}, exc.status_code)


async def server_error_handler(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return json_response({"msg": "Internal Server Error"}, 500)


exception_handlers = {
    ApiError: api_error_handler,
    HTTPException: http_exception_handler,
    Exception: server_error_handler,
}
