"""OpenAPI description of the opportunity routes."""

from __future__ import annotations

from typing import Any

from contactapi.opportunities.schemas import STATUSES
from contactapi.web.openapi import NULLABLE_STRING, Schema, ok, operation, path_param, ref

_STATUS: Schema = {"type": "string", "enum": list(STATUSES)}
_NULLABLE_INT: Schema = {"type": ["integer", "null"]}
_TIME: Schema = {"type": "string", "format": "date-time"}
OPPORTUNITY: Schema = {
    "type": "object",
    "required": ["id", "name", "monetaryValue", "pipelineId", "pipelineStageId", "assignedTo",
                 "status", "source", "lastStatusChangeAt", "createdAt", "updatedAt", "contact"],
    "properties": {
        "id": {"type": "string"},
        "name": {"type": "string"},
        "monetaryValue": {"type": "number", "minimum": 0},
        "pipelineId": {"type": "string"},
        "pipelineStageId": {"type": "string"},
        "assignedTo": NULLABLE_STRING,
        "status": _STATUS,
        "source": NULLABLE_STRING,
        "lastStatusChangeAt": {**_TIME, "description": "Moves only when the status changes."},
        "createdAt": _TIME,
        "updatedAt": _TIME,
        "contact": {
            "type": "object",
            "required": ["id", "name", "companyName", "email", "phone", "tags"],
            "properties": {
                "id": {"type": "string"},
                "name": NULLABLE_STRING,
                "companyName": NULLABLE_STRING,
                "email": NULLABLE_STRING,
                "phone": NULLABLE_STRING,
                "tags": {"type": "array", "items": {"type": "string"}},
            },
        },
    },
}  # fmt: skip
OPPORTUNITY_IN: Schema = {
    "type": "object",
    "required": ["title", "status", "stageId"],
    "description": "`contactId` or `email` is required too: without `contactId` the contact is"
    " found or created as `POST /v1/contacts/` does, with `name`, `phone`, `companyName` and"
    " `tags` (checked whenever sent). On PUT, optional fields left out keep their values.",
    "properties": {
        "title": {"type": "string", "maxLength": 255},
        "status": _STATUS,
        "stageId": {"type": "string", "description": "A stage of the path's pipeline"},
        "contactId": {"type": "string"},
        "email": {"type": "string", "format": "email"},
        "name": {"type": "string"},
        "phone": {"type": "string"},
        "companyName": {"type": "string"},
        "tags": {"type": "array", "items": {"type": "string"}},
        "monetaryValue": {"type": ["number", "null"], "minimum": 0},
        "assignedTo": {**NULLABLE_STRING, "description": "A user of the location"},
        "source": NULLABLE_STRING,
    },
}
STATUS_IN: Schema = {
    "type": "object",
    "required": ["status"],
    "properties": {"status": _STATUS, "stageId": {"type": "string"}},
}
_META: Schema = {
    "type": "object",
    "required": ["total", "nextPageUrl", "startAfterId", "startAfter", "currentPage",
                 "nextPage", "prevPage"],
    "properties": {
        "total": {"type": "integer", "description": "Every match, not just this page."},
        "nextPageUrl": {**NULLABLE_STRING, "description": "Null on the last page."},
        "startAfterId": NULLABLE_STRING,
        "startAfter": {**_NULLABLE_INT, "description": "createdAt of the page's last, epoch ms."},
        "currentPage": _NULLABLE_INT,
        "nextPage": _NULLABLE_INT,
        "prevPage": _NULLABLE_INT,
    },
}  # fmt: skip


def _query(name: str, description: str, schema: Schema) -> dict[str, Any]:
    return {"name": name, "in": "query", "description": description, "schema": schema}


_LIST_PARAMS = [
    _query("query", "Case-insensitive substring of the opportunity's name or its contact's "
           "name, email, company (or tags); a phone-shaped query matches the phone's digits.",
           {"type": "string", "maxLength": 255}),
    _query("status", "Only this status.", _STATUS),
    _query("stageId", "Only this stage.", {"type": "string"}),
    _query("assignedTo", "Only this user's.", {"type": "string"}),
    _query("monetaryValue", "At least this value.", {"type": "number", "minimum": 0}),
    _query("startDate", "Created at or after, epoch ms.", {"type": "integer", "minimum": 0}),
    _query("endDate", "Created at or before, epoch ms.", {"type": "integer", "minimum": 0}),
    _query("limit", "Per page.", {"type": "integer", "minimum": 1, "maximum": 100,
                                  "default": 20}),
    _query("startAfter", "Cursor: createdAt of the last seen, epoch ms.", {"type": "number"}),
    _query("startAfterId", "Cursor: the id of the last seen.", {"type": "string"}),
    _query("page", "Deprecated: page number (1-based), with limit.",
           {"type": "integer", "minimum": 1}),
]  # fmt: skip
_EXAMPLE = {
    "id": "7XExm1wr8gFeZpl6rQny",
    "name": "First Opp",
    "monetaryValue": 120,
    "pipelineId": "bCkKGpDsyPP4peuKowkG",
    "pipelineStageId": "8b897c8f-b859-49c1-88f2-ed590708a85c",
    "assignedTo": None,
    "status": "open",
    "source": "form",
    "lastStatusChangeAt": "2020-10-29T09:31:30.255Z",
    "createdAt": "2020-10-29T09:31:30.255Z",
    "updatedAt": "2020-10-29T09:44:02.263Z",
    "contact": {"id": "byMEV0NQinDhq8ZfiOi2", "name": "John Deo", "companyName": "Tesla Inc",
                "email": "john@deo.com", "phone": "+18887324197", "tags": ["buyer"]},
}  # fmt: skip
_BODY_EXAMPLE = {"title": "First Opp", "status": "open",
                 "stageId": "8b897c8f-b859-49c1-88f2-ed590708a85c", "email": "john@deo.com",
                 "name": "John Deo", "companyName": "Tesla Inc", "monetaryValue": 120,
                 "source": "form"}  # fmt: skip
_META_EXAMPLE = {"total": 1, "nextPageUrl": None, "startAfterId": "7XExm1wr8gFeZpl6rQny",
                 "startAfter": 1603963890255, "currentPage": 1, "nextPage": None,
                 "prevPage": None}  # fmt: skip
_PIPELINE = [path_param("pipelineId", "Pipeline id")]
_ONE = [*_PIPELINE, path_param("opportunityId", "Opportunity id")]

schemas: dict[str, Schema] = {
    "Opportunity": OPPORTUNITY,
    "OpportunityIn": OPPORTUNITY_IN,
    "OpportunityStatusIn": STATUS_IN,
}
_LIST: Schema = {"type": "object", "required": ["opportunities", "meta"], "properties": {
    "opportunities": {"type": "array", "items": ref("Opportunity")}, "meta": _META}}  # fmt: skip

paths: dict[str, dict[str, Any]] = {
    "/v1/pipelines/{pipelineId}/opportunities/": {
        "get": operation(
            "A pipeline's opportunities, newest first, filtered, by v1's cursor",
            "Opportunities",
            ok(_LIST),
            params=[*_PIPELINE, *_LIST_PARAMS],
            example={"opportunities": [_EXAMPLE], "meta": _META_EXAMPLE},
        ),
        "post": operation(
            "Create an opportunity",
            "Opportunities",
            ok(ref("Opportunity")),
            params=_PIPELINE,
            body=ref("OpportunityIn"),
            example=_EXAMPLE,
            body_example=_BODY_EXAMPLE,
        ),
    },
    "/v1/pipelines/{pipelineId}/opportunities/{opportunityId}": {
        "get": operation(
            "Get an opportunity",
            "Opportunities",
            ok(ref("Opportunity")),
            params=_ONE,
            example=_EXAMPLE,
        ),
        "put": operation(
            "Update an opportunity",
            "Opportunities",
            ok(ref("Opportunity")),
            params=_ONE,
            body=ref("OpportunityIn"),
            example=_EXAMPLE,
            body_example=_BODY_EXAMPLE,
        ),
        "delete": operation("Delete an opportunity", "Opportunities", ok(None), params=_ONE),
    },
    "/v1/pipelines/{pipelineId}/opportunities/{opportunityId}/status": {
        "put": operation(
            "Change an opportunity's status (and stage)",
            "Opportunities",
            ok(None),
            params=_ONE,
            body=ref("OpportunityStatusIn"),
            body_example={"status": "won", "stageId": "8b897c8f-b859-49c1-88f2-ed590708a85c"},
        ),
    },
}
