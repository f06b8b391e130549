"""Opportunity endpoints: v1's list (with its cursor and meta), create, get, PUT, DELETE and
status change (answered with an empty body, as v1)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from contactapi.errors import json_response
from contactapi.opportunities.schemas import (
    OpportunityInput,
    StatusInput,
    parse_opportunity,
    parse_status_body,
)
from contactapi.opportunities.search import parse_opportunity_query
from contactapi.opportunities.service import OpportunityService
from contactapi.scope import LocationScope
from contactapi.validation import Checked
from contactapi.web.endpoint import endpoint, endpoint_with_body
from contactapi.web.http import both_slashes, empty_ok
from contactapi.web.pages import page_meta


@endpoint(write=False, snapshot=True, slow=True)
async def list_opportunities(request: Request, scope: LocationScope) -> Response:
    query = parse_opportunity_query(request.query_params)
    opportunities, result = await OpportunityService(scope).list(
        request.path_params["pipelineId"], query
    )
    return json_response(
        {"opportunities": opportunities, "meta": page_meta(request, query, result)}
    )


@endpoint_with_body(parse_opportunity)
async def create_opportunity(
    request: Request, scope: LocationScope, payload: Checked[OpportunityInput]
) -> Response:
    pipeline_id = request.path_params["pipelineId"]
    return json_response(await OpportunityService(scope).create(pipeline_id, payload))


@endpoint(write=False)
async def get_opportunity(request: Request, scope: LocationScope) -> Response:
    params = request.path_params
    opportunity = await OpportunityService(scope).get(params["pipelineId"], params["opportunityId"])
    return json_response(opportunity)


@endpoint_with_body(parse_opportunity)
async def update_opportunity(
    request: Request, scope: LocationScope, payload: Checked[OpportunityInput]
) -> Response:
    params = request.path_params
    opportunity = await OpportunityService(scope).update(
        params["pipelineId"], params["opportunityId"], payload
    )
    return json_response(opportunity)


@endpoint_with_body(parse_status_body)
async def update_status(
    request: Request, scope: LocationScope, payload: Checked[StatusInput]
) -> Response:
    params = request.path_params
    await OpportunityService(scope).set_status(
        params["pipelineId"], params["opportunityId"], payload
    )
    return empty_ok()


@endpoint(write=True)
async def delete_opportunity(request: Request, scope: LocationScope) -> Response:
    params = request.path_params
    await OpportunityService(scope).delete(params["pipelineId"], params["opportunityId"])
    return empty_ok()


_ALL = "/v1/pipelines/{pipelineId}/opportunities"
_ONE = _ALL + "/{opportunityId}"
routes: list[BaseRoute] = [
    *both_slashes(_ALL, list_opportunities, ["GET"]),
    *both_slashes(_ALL, create_opportunity, ["POST"]),
    *both_slashes(_ONE, get_opportunity, ["GET"]),
    *both_slashes(_ONE, update_opportunity, ["PUT"]),
    *both_slashes(_ONE, delete_opportunity, ["DELETE"]),
    *both_slashes(_ONE + "/status", update_status, ["PUT"]),
]
