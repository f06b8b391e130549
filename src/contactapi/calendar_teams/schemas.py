"""The calendar team's wire shape (v1's "calendar provider"): a name, its users, and
`calendarConfig`, whose `slug` names the team's booking page."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from contactapi import validation as v
from contactapi.scope import Location

MAX_SLUG = 100
MAX_TEAM_USERS = 100
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
FLAGS = ("shouldAssignContactToTeamMember", "shouldSkipAssigningContactForExisting")


@dataclass(frozen=True)
class TeamInput:
    name: str
    user_ids: list[str]
    # calendarName, description and the two flags.
    config: dict[str, Any]
    slug: str


def slug(field: str, value: Any) -> str | None:
    """Lowercase letters and digits in words joined by hyphens (`sales-team`)."""
    raw = v.text(field, value, MAX_SLUG)
    if raw is None:
        return None
    if not _SLUG.match(raw.lower()):
        raise v.FieldInvalid(
            f"The {field} may hold only letters, digits and single hyphens between them."
        )
    return raw.lower()


def id_list(field: str, value: Any, most: int = MAX_TEAM_USERS) -> list[str] | None:
    """A list of ids (strings), without repeats, in the order sent."""
    if value is None:
        return None
    if not isinstance(value, list):
        raise v.FieldInvalid(f"The {v.label(field)} must be a list of ids.")
    if len(value) > most:
        raise v.FieldInvalid(f"The {v.label(field)} may not have more than {most} items.", "max")
    ids = [v.text(field, item, 64) for item in value]
    if any(item is None for item in ids):
        raise v.FieldInvalid(f"The {v.label(field)} must not hold empty ids.")
    return list(dict.fromkeys(item for item in ids if item is not None)) or None


def parse_team(body: dict[str, Any], location: Location) -> v.Checked[TeamInput]:
    """A create or PUT body (both take the whole team), read before the transaction."""

    def read(errors: v.Errors) -> TeamInput:
        name = errors.read("name", v.text, body.get("name"), required=True)
        user_ids = errors.read("userIds", id_list, body.get("userIds"), required=True)
        config = body.get("calendarConfig")
        if config is not None and not isinstance(config, dict):
            errors.add("calendarConfig", "The calendarConfig must be an object.")
            config = {}
        config = config or {}
        read_config = {
            key: errors.read(f"calendarConfig.{key}", v.text, config.get(key), required=True)
            for key in ("calendarName", "description")
        }
        for flag in FLAGS:
            read_config[flag] = bool(
                errors.read(f"calendarConfig.{flag}", v.boolean, config.get(flag))
            )
        team_slug = errors.read("calendarConfig.slug", slug, config.get("slug"), required=True)
        return TeamInput(name, user_ids, read_config, team_slug)

    return v.checked(read)


def team_to_api(row: Mapping[str, Any], members: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    config = json.loads(row["config"])
    return {
        "id": row["id"],
        "locationId": row["location_id"],
        "name": row["name"],
        "userIds": [member["user_id"] for member in members],
        "members": [
            {"id": member["user_id"],
             "name": f"{member['first_name']} {member['last_name']}".strip(),
             "email": member["email"]}
            for member in members
        ],
        "calendarConfig": {
            "calendarName": config["calendarName"],
            "description": config["description"],
            "slug": row["slug"],
            "link": f"/widget/appointment/{row['slug']}",
            **{flag: config[flag] for flag in FLAGS},
        },
    }  # fmt: skip
