"""OpenAPI description of the pipeline routes."""

from __future__ import annotations

from typing import Any

from contactapi.web.openapi import PAGE_PARAMS, Schema, ok, operation, path_param, ref

_STAGE: Schema = {
    "type": "object",
    "required": ["id", "name"],
    "properties": {"id": {"type": "string", "format": "uuid"}, "name": {"type": "string"}},
}
PIPELINE: Schema = {
    "type": "object",
    "required": ["id", "name", "stages"],
    "properties": {
        "id": {"type": "string"},
        "name": {"type": "string"},
        "stages": {"type": "array", "items": _STAGE, "description": "In board order."},
    },
}
PIPELINE_IN: Schema = {
    "type": "object",
    "required": ["name", "stages"],
    "properties": {
        "name": {"type": "string", "maxLength": 255},
        "stages": {
            "type": "array",
            "minItems": 1,
            "maxItems": 100,
            "description": "The whole stage list, in board order. On PUT a stage sent with its"
            " `id` keeps it (and its opportunities); a stage left out is removed, which is a 422"
            " while it holds opportunities.",
            "items": {
                "type": "object",
                "required": ["name"],
                "properties": {"name": {"type": "string"}, "id": {"type": "string"}},
            },
        },
    },
}
_EXAMPLE = {
    "id": "bCkKGpDsyPP4peuKowkG",
    "name": "First Pipeline",
    "stages": [
        {"id": "8b897c8f-b859-49c1-88f2-ed590708a85c", "name": "First Stage"},
        {"id": "7915dedc-8f18-44d5-8bc3-77c04e994a10", "name": "Offer Made"},
    ],
}
_BODY_EXAMPLE = {"name": "First Pipeline", "stages": [{"name": "First Stage"},
                                                      {"name": "Offer Made"}]}  # fmt: skip
_ONE = [path_param("pipelineId", "Pipeline id")]

schemas: dict[str, Schema] = {"Pipeline": PIPELINE, "PipelineIn": PIPELINE_IN}

paths: dict[str, dict[str, Any]] = {
    "/v1/pipelines/": {
        "get": operation(
            "The location's pipelines with their stages, oldest first",
            "Pipelines",
            ok(
                {
                    "type": "object",
                    "required": ["pipelines"],
                    "properties": {"pipelines": {"type": "array", "items": ref("Pipeline")}},
                }
            ),
            params=PAGE_PARAMS,
            example={"pipelines": [_EXAMPLE]},
        ),
        "post": operation(
            "Create a pipeline (ours: v1 has no such route); stage ids are new UUIDs",
            "Pipelines",
            ok(ref("Pipeline")),
            body=ref("PipelineIn"),
            example=_EXAMPLE,
            body_example=_BODY_EXAMPLE,
        ),
    },
    "/v1/pipelines/{pipelineId}": {
        "get": operation(
            "Get a pipeline", "Pipelines", ok(ref("Pipeline")), params=_ONE, example=_EXAMPLE
        ),
        "put": operation(
            "Rename a pipeline and replace its stage list",
            "Pipelines",
            ok(ref("Pipeline")),
            params=_ONE,
            body=ref("PipelineIn"),
            example=_EXAMPLE,
            body_example={
                "name": "First Pipeline",
                "stages": [
                    {"id": "8b897c8f-b859-49c1-88f2-ed590708a85c", "name": "First Stage"},
                    {"name": "Offer Made"},
                ],
            },
        ),
        "delete": operation(
            "Delete a pipeline that holds no opportunities (else 422 keyed pipelineId)",
            "Pipelines",
            ok(None),
            params=_ONE,
        ),
    },
}
