"""The location's wire shape: v1's object (address, `business`, `social`, `settings`), which an
agency key reads and writes through `/v1/locations/`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import orjson
import pycountry

from contactapi import validation as v

# The profile's plain text fields (v1's names), kept as sent.
TEXT_FIELDS = ("address", "city", "state", "postalCode", "website", "firstName", "lastName")
SOCIAL_FIELDS = ("facebookUrl", "googlePlus", "linkedIn", "foursquare", "twitter", "yelp",
                 "instagram", "youtube", "pinterest", "blogRss", "googlePlaceId")  # fmt: skip
# v1's settings; `allowDuplicateContact` is the location's dedupe rule (POST /v1/contacts/).
SETTINGS = ("allowDuplicateContact", "allowDuplicateOpportunity", "allowFacebookNameMerge",
            "disableContactTimezone")  # fmt: skip
MAX_URL = 2_048


@dataclass(frozen=True)
class LocationInput:
    """The fields a body sent, read and normalised (v1's names); those it left out are absent:
    a PUT changes only what it sends."""

    fields: dict[str, Any]


def _country(field: str, raw: Any) -> str | None:
    code = v.text(field, raw, 64)
    if code is None:
        return None
    country = pycountry.countries.get(alpha_2=code.upper())
    if country is None:
        raise v.FieldInvalid("The country must be an ISO 3166-1 alpha-2 code, like US.")
    return str(country.alpha_2)


def _url(field: str, raw: Any) -> str | None:
    return v.text(field, raw, MAX_URL)


def _flags(field: str, raw: Any) -> dict[str, bool] | None:
    if raw is None:
        return None
    if not isinstance(raw, dict) or not all(
        isinstance(raw[name], bool) for name in SETTINGS if name in raw
    ):
        raise v.FieldInvalid("The settings must be an object of true or false values.")
    return {name: raw[name] for name in SETTINGS if name in raw}


def _social(field: str, raw: Any) -> dict[str, str | None] | None:
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise v.FieldInvalid("The social links must be an object of strings.")
    return {name: v.text(f"{field}.{name}", raw.get(name), MAX_URL) for name in SOCIAL_FIELDS
            if name in raw}  # fmt: skip


def parse_location(body: dict[str, Any]) -> v.Checked[LocationInput]:
    """A create or PUT body: `businessName` required (v1); `twilio`, `mailgun` and `snapshot`
    are ignored (they configure services this server does not run, and hold secrets)."""

    def read(errors: v.Errors) -> LocationInput:
        fields: dict[str, Any] = {}
        fields["businessName"] = errors.read("businessName", v.text, body.get("businessName"),
                                             required=True)  # fmt: skip
        for name in TEXT_FIELDS:
            if name in body:
                text_reader: v.Validator = _url if name == "website" else v.text
                fields[name] = errors.read(name, text_reader, body[name])
        readers: dict[str, v.Validator] = {"country": _country, "timezone": v.timezone,
                                           "email": v.email, "settings": _flags,
                                           "social": _social}  # fmt: skip
        for name, reader in readers.items():
            if name in body:
                fields[name] = errors.read(name, reader, body[name])
        if "phone" in body:
            country = fields.get("country") or "US"
            fields["phone"] = errors.read(
                "phone", lambda k, r: v.phone(k, r, country, stored=False), body["phone"]
            )
        return LocationInput(fields)

    return v.checked(read)


def location_to_api(row: Mapping[str, Any]) -> dict[str, Any]:
    profile: dict[str, Any] = orjson.loads(row["profile"]) if row["profile"] else {}
    text = {name: profile.get(name) for name in TEXT_FIELDS}
    place = {"address": text["address"], "city": text["city"], "country": row["country"],
             "state": text["state"], "postalCode": text["postalCode"],
             "website": text["website"], "timezone": row["timezone"]}  # fmt: skip
    settings = {name: bool(profile.get("settings", {}).get(name, False)) for name in SETTINGS}
    settings["allowDuplicateContact"] = bool(row["allow_duplicate_contacts"])
    return {
        "id": row["id"],
        "name": row["name"],
        **place,
        "firstName": text["firstName"],
        "lastName": text["lastName"],
        "email": profile.get("email"),
        "phone": profile.get("phone"),
        "business": {"name": row["name"], "email": profile.get("email"), **place},
        "social": {name: profile.get("social", {}).get(name) for name in SOCIAL_FIELDS},
        "settings": settings,
    }


def location_values(data: LocationInput, row: Mapping[str, Any] | None) -> dict[str, Any]:
    """The columns a create (`row` None) or a PUT over `row` stores."""
    fields = data.fields
    profile: dict[str, Any] = orjson.loads(row["profile"]) if row and row["profile"] else {}
    for name in (*TEXT_FIELDS, "email", "phone"):
        if name in fields:
            profile[name] = fields[name]
    if fields.get("social") is not None:
        profile["social"] = {**profile.get("social", {}), **fields["social"]}
    settings = {**profile.get("settings", {}), **(fields.get("settings") or {})}
    profile["settings"] = {k: value for k, value in settings.items() if k != SETTINGS[0]}
    values: dict[str, Any] = {
        "name": fields["businessName"],
        "profile": orjson.dumps(profile).decode(),
    }
    if "email" in fields:
        values["email_lower"] = v.email_key(fields["email"]) if fields["email"] else None
    if "timezone" in fields:
        values["timezone"] = fields["timezone"]
    if fields.get("country"):
        values["country"] = fields["country"]
    if SETTINGS[0] in settings:
        values["allow_duplicate_contacts"] = settings[SETTINGS[0]]
    return values
