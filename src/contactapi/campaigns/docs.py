"""OpenAPI description of the campaign routes."""

from __future__ import annotations

from typing import Any

from contactapi.campaigns.schemas import CAMPAIGN_STATUSES
from contactapi.web.openapi import PAGE_PARAMS, Schema, ok, operation, path_param, ref

_STATUS: Schema = {"type": "string", "enum": list(CAMPAIGN_STATUSES)}

CAMPAIGN: Schema = {
    "type": "object",
    "required": ["id", "name", "status"],
    "properties": {"id": {"type": "string"}, "name": {"type": "string"}, "status": _STATUS},
}
CAMPAIGN_IN: Schema = {
    "type": "object",
    "required": ["name"],
    "properties": {
        "name": {"type": "string"},
        "status": {**_STATUS, "description": "Default draft."},
    },
}
MEMBERSHIP: Schema = {
    "type": "object",
    "required": ["id", "name", "status", "dateAdded"],
    "properties": {**CAMPAIGN["properties"], "dateAdded": {"type": "string"}},
}


def _list_of(key: str, item: Schema) -> Schema:
    return {"type": "object", "required": [key],
            "properties": {key: {"type": "array", "items": item}}}  # fmt: skip


_ONE: Schema = {"type": "object", "required": ["campaign"],
                "properties": {"campaign": ref("Campaign")}}  # fmt: skip
_CONTACT_ID = path_param("contactId", "Contact id")
_CAMPAIGN_ID = path_param("campaignId", "Campaign id (never the literal remove-all)")

_CAMPAIGN_EXAMPLE = {
    "id": "ocQHyuzHvysMo5N5VsXc",
    "name": "New Leads Nurture",
    "status": "published",
}
_LIST_EXAMPLE = {
    "campaigns": [
        _CAMPAIGN_EXAMPLE,
        {"id": "Y2I9XM1Kd8dHqZxwFCtr", "name": "Motivated Sellers Follow-up", "status": "draft"},
    ]
}
_MEMBERSHIPS_EXAMPLE = {
    "campaigns": [{**_CAMPAIGN_EXAMPLE, "dateAdded": "2020-10-29T09:31:30.255Z"}]
}

schemas: dict[str, Schema] = {
    "Campaign": CAMPAIGN,
    "CampaignIn": CAMPAIGN_IN,
    "CampaignMembership": MEMBERSHIP,
}

paths: dict[str, dict[str, Any]] = {
    "/v1/campaigns/": {
        "get": operation(
            "List the location's campaigns",
            "Campaigns",
            ok(_list_of("campaigns", ref("Campaign"))),
            params=[{"name": "status", "in": "query", "schema": _STATUS}, *PAGE_PARAMS],
            example=_LIST_EXAMPLE,
        ),
        "post": operation(
            "Create a campaign",
            "Campaigns",
            ok(_ONE),
            body=ref("CampaignIn"),
            example={"campaign": {**_CAMPAIGN_EXAMPLE, "status": "draft"}},
            body_example={"name": "New Leads Nurture", "status": "draft"},
        ),
    },
    "/v1/campaigns/{campaignId}": {
        "get": operation(
            "Get a campaign",
            "Campaigns",
            ok(_ONE),
            params=[_CAMPAIGN_ID],
            example={"campaign": _CAMPAIGN_EXAMPLE},
        ),
    },
    "/v1/contacts/{contactId}/campaigns/": {
        "get": operation(
            "A contact's campaigns",
            "Campaigns",
            ok(_list_of("campaigns", ref("CampaignMembership"))),
            params=[_CONTACT_ID],
            example=_MEMBERSHIPS_EXAMPLE,
        ),
    },
    "/v1/contacts/{contactId}/campaigns/{campaignId}": {
        "post": operation(
            "Add a contact to a campaign (idempotent)",
            "Campaigns",
            ok(None),
            params=[_CONTACT_ID, _CAMPAIGN_ID],
        ),
        "delete": operation(
            "Remove a contact from a campaign",
            "Campaigns",
            ok(None),
            params=[_CONTACT_ID, _CAMPAIGN_ID],
        ),
    },
    "/v1/contacts/{contactId}/campaigns/remove-all": {
        "delete": operation(
            "Remove a contact from every campaign", "Campaigns", ok(None), params=[_CONTACT_ID]
        ),
    },
}
