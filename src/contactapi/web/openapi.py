"""The OpenAPI document: shared pieces here, each domain's paths in its `docs.py`."""

from __future__ import annotations

from typing import Any

Schema = dict[str, Any]

NULLABLE_STRING: Schema = {"type": ["string", "null"]}


def text_in(max_length: int, **extra: Any) -> Schema:
    """A string a request may send (or null), with the server's length limit."""
    return {"type": ["string", "null"], "maxLength": max_length, **extra}


MESSAGE_SCHEMA: Schema = {
    "type": "object",
    "required": ["msg"],
    "properties": {"msg": {"type": "string"}, "detail": {"type": "string"}},
}
FIELD_ERRORS_SCHEMA: Schema = {
    "type": "object",
    "description": "One entry per failing field, keyed by the field (or path parameter).",
    "additionalProperties": {
        "type": "object",
        "required": ["message", "rule"],
        "properties": {
            "message": {"type": "string"},
            "rule": {"type": "string", "enum": ["required", "invalid", "max", "duplicate"]},
        },
    },
}


def ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def json_content(schema: Schema) -> dict[str, Any]:
    return {"content": {"application/json": {"schema": schema}}}


def error_responses(
    *, body: bool = False, validation: bool = True, path_params: bool = False
) -> dict[str, Any]:
    responses: dict[str, Any] = {
        "401": {
            "description": "Missing, unknown or revoked API key",
            **json_content(ref("Message")),
        },
        "429": {"description": "Rate limit exceeded", **json_content(ref("Message"))},
    }
    if body:
        responses["400"] = {
            "description": "Body is not a JSON object",
            **json_content(ref("Message")),
        }
        responses["413"] = {"description": "Body over 1 MiB", **json_content(ref("Message"))}
    if path_params:
        # A path id holding `/` (sent as %2F) splits into other segments: no such route, or a
        # route without this method.
        responses["404"] = {"description": "No such route", **json_content(ref("Message"))}
        responses["405"] = {"description": "Method not allowed on the route",
                            **json_content(ref("Message"))}  # fmt: skip
    if validation:
        responses["422"] = {"description": "Validation failed", **json_content(ref("FieldErrors"))}
    return responses


def with_example(holder: dict[str, Any], example: Any) -> dict[str, Any]:
    """A copy of a response or request body whose JSON content carries `example`."""
    media = holder["content"]["application/json"]
    return {**holder, "content": {"application/json": {**media, "example": example}}}


def ok(schema: Schema | None, description: str = "OK") -> dict[str, Any]:
    if schema is None:
        return {"200": {"description": f"{description} (empty body)"}}
    return {"200": {"description": description, **json_content(schema)}}


def path_param(name: str, description: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "description": description,
            "schema": {"type": "string"}}  # fmt: skip


# The paging parameters of the lists v1 answers whole (contract section 11).
PAGE_PARAMS: list[dict[str, Any]] = [
    {"name": "limit", "in": "query", "description": "At most this many items (1-1000, default"
     " 1000).", "schema": {"type": "integer", "minimum": 1, "maximum": 1000}},
    {"name": "startAfterId", "in": "query", "description": "Continue after the item with this"
     " id (the last of the previous page).", "schema": {"type": "string"}},
]  # fmt: skip


def operation(
    summary: str,
    tag: str,
    success: dict[str, Any],
    *,
    params: list[dict[str, Any]] | None = None,
    body: Schema | None = None,
    validation: bool = True,
    example: Any = None,
    body_example: Any = None,
) -> dict[str, Any]:
    """One operation. `example` is placed on the success answer's JSON body, `body_example` on
    the request body's; each must be valid against the schema beside it."""
    if example is not None:
        success = {
            status: with_example(response, example) if "content" in response else response
            for status, response in success.items()
        }
        if not any("content" in response for response in success.values()):
            raise ValueError(f"{summary!r}: an example for a success answer without a body")
    if body_example is not None and body is None:
        raise ValueError(f"{summary!r}: a body example without a body")
    op: dict[str, Any] = {
        "summary": summary,
        "tags": [tag],
        "security": [{"bearer": []}],
        "parameters": params or [],
        "responses": {
            **success,
            **error_responses(
                body=body is not None,
                validation=validation,
                path_params=any(param["in"] == "path" for param in params or []),
            ),
        },
    }
    if body is not None:
        request_body = {"required": True, **json_content(body)}
        op["requestBody"] = (
            request_body if body_example is None else with_example(request_body, body_example)
        )
    return op


def build_document(paths: dict[str, dict[str, Any]], schemas: dict[str, Schema]) -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "contactapi",
            "version": "1.0.0",
            "description": "The REI Software (HighLevel v1) Contact API. Authenticate with "
            "`Authorization: Bearer <location API key>`.",
        },
        "paths": {
            "/health": {
                "get": {
                    "summary": "Liveness: the database answers",
                    "security": [],
                    "responses": ok(
                        {"type": "object", "properties": {"status": {"type": "string"}}}
                    ),
                }
            },
            **paths,
        },
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {"Message": MESSAGE_SCHEMA, "FieldErrors": FIELD_ERRORS_SCHEMA, **schemas},
        },
    }
