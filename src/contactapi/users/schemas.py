"""The user's wire shape: v1's object (`roles`, `permissions`); a password is read, hashed,
and never answered."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import orjson

from contactapi import validation as v

TYPES = ("account", "agency")
ROLES = ("admin", "user")
# v1's permission flags and what a user has when a create leaves one out (v1's example user).
PERMISSION_DEFAULTS: dict[str, bool] = {
    "campaignsEnabled": True,
    "campaignsReadOnly": False,
    "contactsEnabled": True,
    "workflowsEnabled": True,
    "triggersEnabled": True,
    "funnelsEnabled": True,
    "websitesEnabled": False,
    "opportunitiesEnabled": True,
    "dashboardStatsEnabled": True,
    "bulkRequestsEnabled": True,
    "appointmentsEnabled": True,
    "reviewsEnabled": True,
    "onlineListingsEnabled": True,
    "phoneCallEnabled": True,
    "conversationsEnabled": True,
    "assignedDataOnly": False,
    "adwordsReportingEnabled": False,
    "membershipEnabled": False,
    "facebookAdsReportingEnabled": False,
    "attributionsReportingEnabled": False,
    "settingsEnabled": True,
    "tagsEnabled": True,
    "leadValueEnabled": True,
    "marketingEnabled": True,
}
# A user may belong to this many locations (contract section 11's spirit: bounded lists).
MAX_USER_LOCATIONS = 1_000
MAX_PASSWORD = 1_024


@dataclass(frozen=True)
class UserInput:
    first_name: str
    last_name: str
    email: str
    type: str
    role: str
    location_ids: tuple[str, ...]
    permissions: dict[str, bool]
    # The password as sent; replaced by its Argon2 hash before the transaction opens.
    password: str | None = None
    password_hash: str | None = None

    def hashed(self, password_hash: str) -> UserInput:
        return replace(self, password=None, password_hash=password_hash)


def _choice(options: tuple[str, ...]) -> v.Validator:
    return lambda field, raw: v.choice(field, raw, options)


def _location_ids(field: str, raw: Any) -> tuple[str, ...] | None:
    if raw is None:
        return None
    if not isinstance(raw, list):
        raise v.FieldInvalid("The location ids must be an array.")
    if len(raw) > MAX_USER_LOCATIONS:
        raise v.FieldInvalid(f"A user may belong to at most {MAX_USER_LOCATIONS:,} locations.",
                             "max")  # fmt: skip
    if not all(isinstance(item, str) and v.storable(item) for item in raw):
        raise v.FieldInvalid("The location ids must be strings.")
    return tuple(dict.fromkeys(item.strip() for item in raw))


def _permissions(field: str, raw: Any) -> dict[str, bool] | None:
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise v.FieldInvalid("The permissions must be an object of true or false values.")
    known = {key: value for key, value in raw.items() if key in PERMISSION_DEFAULTS}
    if not all(isinstance(value, bool) for value in known.values()):
        raise v.FieldInvalid("Every permission must be true or false.")
    return {**PERMISSION_DEFAULTS, **known}


def _password(field: str, raw: Any) -> str | None:
    if raw is None:
        return None
    if not isinstance(raw, str) or not raw:
        raise v.FieldInvalid("The password must be a non-empty string.")
    if not v.storable(raw):
        raise v.FieldInvalid("The password must not contain NUL characters.")
    if len(raw) > MAX_PASSWORD:
        raise v.FieldInvalid(f"The password may not be greater than {MAX_PASSWORD} characters.",
                             "max")  # fmt: skip
    return raw


def parse_user(body: dict[str, Any]) -> v.Checked[UserInput]:
    """A create or PUT body: v1 requires the same fields for both (a PUT replaces the user;
    without `password` it keeps the one it has). `permissions` left out are v1's defaults."""

    def read(errors: v.Errors) -> UserInput:
        first_name = errors.read("firstName", v.text, body.get("firstName"), required=True)
        last_name = errors.read("lastName", v.text, body.get("lastName"), required=True)
        email = errors.read("email", v.email, body.get("email"), required=True)
        user_type = errors.read("type", _choice(TYPES), body.get("type"), required=True)
        role = errors.read("role", _choice(ROLES), body.get("role"), required=True)
        location_ids = errors.read("locationIds", _location_ids, body.get("locationIds"),
                                   required=True)  # fmt: skip
        permissions = errors.read("permissions", _permissions, body.get("permissions"))
        password = errors.read("password", _password, body.get("password"))
        return UserInput(first_name, last_name, email, user_type, role, location_ids,
                         permissions or dict(PERMISSION_DEFAULTS), password)  # fmt: skip

    return v.checked(read)


def user_to_api(row: Mapping[str, Any], location_ids: Sequence[str]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "firstName": row["first_name"],
        "lastName": row["last_name"],
        "email": row["email"],
        "roles": {"type": row["type"], "role": row["role"], "locationIds": list(location_ids)},
        "permissions": {**PERMISSION_DEFAULTS, **orjson.loads(row["permissions"])},
    }
