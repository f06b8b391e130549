"""Campaign endpoints, and a contact's campaign memberships."""

from __future__ import annotations

from starlette.convertors import StringConvertor, register_url_convertor
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from contactapi.campaigns.schemas import CampaignInput, parse_campaign
from contactapi.campaigns.service import CampaignService
from contactapi.errors import json_response
from contactapi.limits import parse_page
from contactapi.scope import LocationScope
from contactapi.validation import Checked
from contactapi.web.endpoint import endpoint, endpoint_with_body
from contactapi.web.http import both_slashes, empty_ok


class CampaignIdConvertor(StringConvertor):
    """A campaign id is any path segment but `remove-all`, which names its own route: a POST
    there is 405, never "add to the campaign called remove-all"."""

    regex = "(?!remove-all(?:/|$))[^/]+"


register_url_convertor("campaign_id", CampaignIdConvertor())


@endpoint_with_body(parse_campaign)
async def create_campaign(
    request: Request, scope: LocationScope, payload: Checked[CampaignInput]
) -> Response:
    return json_response({"campaign": await CampaignService(scope).create(payload)})


@endpoint(write=False, slow=True)
async def list_campaigns(request: Request, scope: LocationScope) -> Response:
    params = request.query_params
    campaigns = await CampaignService(scope).find(params.get("status"), parse_page(params))
    return json_response({"campaigns": campaigns})


@endpoint(write=False)
async def get_campaign(request: Request, scope: LocationScope) -> Response:
    campaign = await CampaignService(scope).get(request.path_params["campaignId"])
    return json_response({"campaign": campaign})


@endpoint(write=True)
async def add_contact(request: Request, scope: LocationScope) -> Response:
    params = request.path_params
    await CampaignService(scope).add_contact(params["contactId"], params["campaignId"])
    return empty_ok()


@endpoint(write=True)
async def remove_contact(request: Request, scope: LocationScope) -> Response:
    params = request.path_params
    await CampaignService(scope).remove_contact(params["contactId"], params["campaignId"])
    return empty_ok()


@endpoint(write=True)
async def remove_from_all(request: Request, scope: LocationScope) -> Response:
    await CampaignService(scope).remove_from_all(request.path_params["contactId"])
    return empty_ok()


@endpoint(write=False)
async def contact_campaigns(request: Request, scope: LocationScope) -> Response:
    campaigns = await CampaignService(scope).of_contact(request.path_params["contactId"])
    return json_response({"campaigns": campaigns})


_MEMBER = "/v1/contacts/{contactId}/campaigns/{campaignId:campaign_id}"

routes: list[BaseRoute] = [
    *both_slashes("/v1/campaigns", list_campaigns, ["GET"]),
    *both_slashes("/v1/campaigns", create_campaign, ["POST"]),
    *both_slashes("/v1/campaigns/{campaignId}", get_campaign, ["GET"]),
    *both_slashes("/v1/contacts/{contactId}/campaigns", contact_campaigns, ["GET"]),
    *both_slashes("/v1/contacts/{contactId}/campaigns/remove-all", remove_from_all, ["DELETE"]),
    *both_slashes(_MEMBER, add_contact, ["POST"]),
    *both_slashes(_MEMBER, remove_contact, ["DELETE"]),
]
