"""The campaign's wire shape and what a create request may send."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from contactapi import validation as v
from contactapi.core import iso_ms
from contactapi.errors import ValidationFailed
from contactapi.scope import Location

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


def parse_campaign(body: dict[str, Any], location: Location) -> v.Checked[CampaignInput]:
    """A create body, read before the transaction; the service reports its failures."""
    return v.checked(
        lambda errors: CampaignInput(*v.name_and_status(body, CAMPAIGN_STATUSES, errors))
    )


def campaign_to_api(row: Mapping[str, Any]) -> dict[str, Any]:
    return {"id": row["id"], "name": row["name"], "status": row["status"]}


def membership_to_api(row: Mapping[str, Any]) -> dict[str, Any]:
    return {**campaign_to_api(row), "dateAdded": iso_ms(row["date_added"])}
