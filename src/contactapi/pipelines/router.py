"""Pipeline endpoints: v1's list, and our create, get, PUT and DELETE (bare objects)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from contactapi.errors import json_response
from contactapi.limits import parse_page
from contactapi.pipelines.schemas import PipelineInput, parse_pipeline
from contactapi.pipelines.service import PipelineService
from contactapi.scope import LocationScope
from contactapi.validation import Checked
from contactapi.web.endpoint import endpoint, endpoint_with_body
from contactapi.web.http import both_slashes, empty_ok


@endpoint(write=False, slow=True)
async def list_pipelines(request: Request, scope: LocationScope) -> Response:
    pipelines = await PipelineService(scope).all(parse_page(request.query_params))
    return json_response({"pipelines": pipelines})


@endpoint_with_body(parse_pipeline)
async def create_pipeline(
    request: Request, scope: LocationScope, payload: Checked[PipelineInput]
) -> Response:
    return json_response(await PipelineService(scope).create(payload))


@endpoint(write=False)
async def get_pipeline(request: Request, scope: LocationScope) -> Response:
    return json_response(await PipelineService(scope).get(request.path_params["pipelineId"]))


@endpoint_with_body(parse_pipeline)
async def update_pipeline(
    request: Request, scope: LocationScope, payload: Checked[PipelineInput]
) -> Response:
    pipeline_id = request.path_params["pipelineId"]
    return json_response(await PipelineService(scope).update(pipeline_id, payload))


@endpoint(write=True)
async def delete_pipeline(request: Request, scope: LocationScope) -> Response:
    await PipelineService(scope).delete(request.path_params["pipelineId"])
    return empty_ok()


_ONE = "/v1/pipelines/{pipelineId}"
routes: list[BaseRoute] = [
    *both_slashes("/v1/pipelines", list_pipelines, ["GET"]),
    *both_slashes("/v1/pipelines", create_pipeline, ["POST"]),
    *both_slashes(_ONE, get_pipeline, ["GET"]),
    *both_slashes(_ONE, update_pipeline, ["PUT"]),
    *both_slashes(_ONE, delete_pipeline, ["DELETE"]),
]
