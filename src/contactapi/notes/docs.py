"""OpenAPI description of the note routes."""

from __future__ import annotations

from typing import Any

from contactapi.web.openapi import PAGE_PARAMS, Schema, ok, operation, path_param, ref

NOTE: Schema = {
    "type": "object",
    "required": ["id", "body", "createdBy", "createdAt"],
    "properties": {
        "id": {"type": "string"},
        "body": {"type": "string"},
        "createdBy": {"type": ["string", "null"], "description": "The `userId` sent, if any"},
        "createdAt": {"type": "string", "format": "date-time"},
    },
}
NOTE_IN: Schema = {
    "type": "object",
    "required": ["body"],
    "properties": {
        "body": {"type": "string", "minLength": 1, "maxLength": 65536},
        "userId": {"type": "string", "description": "A user of the location"},
    },
}
_EXAMPLE = {"id": "Lj371SHlVMyfVlMcKiuk", "body": "Wants a 3-bed near the school.",
            "createdBy": None, "createdAt": "2020-10-20T12:52:17.561Z"}  # fmt: skip
_BODY_EXAMPLE = {"body": "Wants a 3-bed near the school."}
_CONTACT = [path_param("contactId", "Contact id")]
_NOTE = [*_CONTACT, path_param("noteId", "Note id")]

schemas: dict[str, Schema] = {"Note": NOTE, "NoteIn": NOTE_IN}

paths: dict[str, dict[str, Any]] = {
    "/v1/contacts/{contactId}/notes/": {
        "get": operation(
            "A contact's notes, newest first",
            "Notes",
            ok(
                {"type": "object", "properties": {"notes": {"type": "array", "items": ref("Note")}}}
            ),
            params=[*_CONTACT, *PAGE_PARAMS],
            example={"notes": [_EXAMPLE]},
        ),
        "post": operation(
            "Add a note to a contact",
            "Notes",
            ok(ref("Note")),
            params=_CONTACT,
            body=ref("NoteIn"),
            example=_EXAMPLE,
            body_example=_BODY_EXAMPLE,
        ),
    },
    "/v1/contacts/{contactId}/notes/{noteId}": {
        "get": operation("Get a note", "Notes", ok(ref("Note")), params=_NOTE, example=_EXAMPLE),
        "put": operation(
            "Replace a note's body",
            "Notes",
            ok(ref("Note")),
            params=_NOTE,
            body=ref("NoteIn"),
            example=_EXAMPLE,
            body_example=_BODY_EXAMPLE,
        ),
        "delete": operation("Delete a note", "Notes", ok(None), params=_NOTE),
    },
}
