"""The webhook subscription's and delivery's wire shapes (contract section 9)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import orjson

from contactapi import validation as v
from contactapi.core import iso_ms
from contactapi.webhooks.events import EVENT_TYPES
from contactapi.webhooks.targets import literal_refused

MAX_URL = 2_048


@dataclass(frozen=True)
class WebhookInput:
    """The keys a body sent (a PUT changes only those)."""

    url: str | None
    events: tuple[str, ...] | None
    description: str | None
    sent: frozenset[str]


def _events(field: str, raw: Any) -> tuple[str, ...] | None:
    if raw is None:
        return None
    if not isinstance(raw, list) or not raw:
        raise v.FieldInvalid("The events must be a non-empty array of event types.")
    unknown = [item for item in raw if item not in EVENT_TYPES]
    if unknown:
        raise v.FieldInvalid(f"Unknown event type {str(unknown[0])[:60]!r}; known: "
                             f"{', '.join(EVENT_TYPES)}.")  # fmt: skip
    return tuple(dict.fromkeys(raw))


def parse_webhook(allow_private: bool, *, create: bool) -> Any:
    """A create body (`url` and `events` required) or a PUT body (the keys sent)."""

    def parse(body: dict[str, Any], _location: object = None) -> v.Checked[WebhookInput]:
        def read(errors: v.Errors) -> WebhookInput:
            url = errors.read("url", lambda k, r: v.text(k, r, MAX_URL), body.get("url"),
                              required=create or "url" in body)  # fmt: skip
            if url is not None and (why := literal_refused(url, allow_private)):
                errors.add("url", why)
            events = errors.read("events", _events, body.get("events"),
                                 required=create or "events" in body)  # fmt: skip
            description = errors.read("description", v.text, body.get("description"))
            sent = frozenset(body) & {"url", "events", "description"}
            return WebhookInput(url, events, description, sent)

        return v.checked(read)

    return parse


def webhook_to_api(row: Mapping[str, Any], *, with_secret: bool = False) -> dict[str, Any]:
    answer = {
        "id": row["id"],
        "url": row["url"],
        "events": orjson.loads(row["events"]),
        "description": row["description"],
        "createdAt": iso_ms(row["created_at"]),
        "disabled": row["disabled_at"] is not None,
    }
    if with_secret:
        answer["secret"] = row["secret"]
    return answer


def delivery_to_api(row: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "eventType": row["event_type"],
        "webhookId": row["webhook_id"],
        "eventId": row["event_id"],
        # A delivery waiting behind its contact's earlier one is pending too.
        "status": "pending" if row["status"] == "queued" else row["status"],
        "attempts": orjson.loads(row["attempts"]),
        "nextAttemptAt": iso_ms(row["next_attempt_at"]),
        "createdAt": iso_ms(row["created_at"]),
    }
