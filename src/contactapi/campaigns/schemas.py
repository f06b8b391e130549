"""The campaign's wire shape and what a create request may send."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from contactapi import validation as v
from contactapi.core import iso_ms
from contactapi.errors import ValidationFailed

CAMPAIGN_STATUSES = ("draft", "published")


@dataclass(frozen=True)
class CampaignInput:
    name: str
    status: str


def parse_status(value: Any) -> str | None:
    """A campaign status, or None when none was given; 422 keyed `status` otherwise."""
    try:
        return v.choice("status", value, CAMPAIGN_STATUSES)
    except v.FieldInvalid as exc:
        raise ValidationFailed.one("status", exc.message, exc.rule) from exc


def parse_campaign(body: Mapping[str, Any]) -> CampaignInput:
    fields = v.FieldReader(body)
    name = fields.read("name", v.text, required=True)
    status = fields.read("status", lambda key, value: v.choice(key, value, CAMPAIGN_STATUSES))
    fields.raise_errors()
    return CampaignInput(name=name, status=status or "draft")


def campaign_to_api(row: Mapping[str, Any]) -> dict[str, Any]:
    return {"id": row["id"], "name": row["name"], "status": row["status"]}


def membership_to_api(row: Mapping[str, Any]) -> dict[str, Any]:
    return {**campaign_to_api(row), "dateAdded": iso_ms(row["date_added"])}
