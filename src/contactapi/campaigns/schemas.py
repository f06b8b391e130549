"""The campaign's wire shape and what a create request may send."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from contactapi import validation as v
from contactapi.core import iso_ms
from contactapi.errors import FieldErrors, ValidationFailed

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
    errors: FieldErrors = {}
    name: str | None = None
    try:
        name = v.text("name", body.get("name"))
        if name is None:
            errors["name"] = {"message": "The name field is mandatory.", "rule": "required"}
    except v.FieldInvalid as exc:
        errors["name"] = {"message": exc.message, "rule": exc.rule}
    status: str | None = None
    try:
        status = parse_status(body.get("status"))
    except ValidationFailed as exc:
        errors.update(exc.errors)
    if errors:
        raise ValidationFailed(errors)
    assert name is not None
    return CampaignInput(name=name, status=status or "draft")


def campaign_to_api(row: Mapping[str, Any]) -> dict[str, Any]:
    return {"id": row["id"], "name": row["name"], "status": row["status"]}


def membership_to_api(row: Mapping[str, Any]) -> dict[str, Any]:
    return {**campaign_to_api(row), "dateAdded": iso_ms(row["date_added"])}
