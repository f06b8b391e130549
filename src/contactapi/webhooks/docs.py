"""OpenAPI description of the webhook routes."""

from __future__ import annotations

from typing import Any

from contactapi.web.openapi import Schema, ok, operation, path_param, ref
from contactapi.webhooks.events import EVENT_TYPES

_EVENTS: Schema = {"type": "array", "minItems": 1,
                   "items": {"type": "string", "enum": list(EVENT_TYPES)}}  # fmt: skip
WEBHOOK: Schema = {
    "type": "object",
    "required": ["id", "url", "events", "createdAt", "disabled"],
    "properties": {
        "id": {"type": "string"},
        "url": {"type": "string"},
        "events": _EVENTS,
        "description": {"type": ["string", "null"]},
        "createdAt": {"type": "string", "format": "date-time"},
        "disabled": {"type": "boolean", "description": "A receiver answered 410 Gone"},
        "secret": {"type": "string", "description": "Only in the create's answer"},
    },
}
WEBHOOK_IN: Schema = {
    "type": "object",
    "required": ["url", "events"],
    "properties": {
        "url": {"type": "string", "maxLength": 2048},
        "events": _EVENTS,
        "description": {"type": ["string", "null"], "maxLength": 255},
    },
}
DELIVERY: Schema = {
    "type": "object",
    "properties": {
        "id": {"type": "string"},
        "eventType": {"type": "string"},
        "webhookId": {"type": "string"},
        "eventId": {"type": "string", "description": "The body's `webhookId`"},
        "status": {"type": "string", "enum": ["pending", "succeeded", "failed"]},
        "attempts": {"type": "array", "items": {"type": "object"}},
        "nextAttemptAt": {"type": ["string", "null"]},
        "createdAt": {"type": "string"},
    },
}
_WEBHOOK_EXAMPLE = {"id": "Xq2nH5bVcR8sT1uW4yZa", "url": "https://example.com/hooks",
                    "events": ["ContactCreate"], "description": "CRM sync",
                    "createdAt": "2020-10-29T09:31:30.255Z", "disabled": False}  # fmt: skip
_BODY_EXAMPLE = {"url": "https://example.com/hooks", "events": ["ContactCreate"],
                 "description": "CRM sync"}  # fmt: skip
_DELIVERY_EXAMPLE = {"id": "Dq2nH5bVcR8sT1uW4yZa", "eventType": "ContactCreate",
                     "webhookId": "Xq2nH5bVcR8sT1uW4yZa", "eventId": "Eq2nH5bVcR8sT1uW4yZa",
                     "status": "succeeded", "attempts": [{"at": "2020-10-29T09:31:30.255Z",
                     "statusCode": 200, "durationMs": 12, "error": None}],
                     "nextAttemptAt": None, "createdAt": "2020-10-29T09:31:30.255Z"}  # fmt: skip
_ID = [path_param("webhookId", "Webhook id")]
_TAG = "Webhooks"


def _wrapped(schema: Schema, key: str) -> Schema:
    return {"type": "object", "properties": {key: schema}}


schemas: dict[str, Schema] = {"Webhook": WEBHOOK, "WebhookIn": WEBHOOK_IN, "Delivery": DELIVERY}

paths: dict[str, dict[str, Any]] = {
    "/v1/webhooks/": {
        "get": operation("The location's webhook subscriptions", _TAG,
                         ok({"type": "object", "properties": {"webhooks": {
                             "type": "array", "items": ref("Webhook")}}}),
                         example={"webhooks": [_WEBHOOK_EXAMPLE]}),
        "post": operation("Subscribe a URL to events (the answer holds the secret, once)", _TAG,
                          ok(_wrapped(ref("Webhook"), "webhook")), body=ref("WebhookIn"),
                          example={"webhook": {**_WEBHOOK_EXAMPLE,
                                               "secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}},
                          body_example=_BODY_EXAMPLE),
    },
    "/v1/webhooks/public-keys": {
        "get": operation("The server's public keys for `x-wh-signature` (RSA) and"
                         " `x-ghl-signature` (Ed25519)", _TAG,
                         ok({"type": "object", "properties": {"rsa": {"type": "string"},
                                                              "ed25519": {"type": "string"}}}),
                         validation=False,
                         example={"rsa": "-----BEGIN PUBLIC KEY-----\n...",
                                  "ed25519": "-----BEGIN PUBLIC KEY-----\n..."}),
    },
    "/v1/webhooks/{webhookId}": {
        "get": operation("Get a subscription", _TAG, ok(_wrapped(ref("Webhook"), "webhook")),
                         params=_ID, example={"webhook": _WEBHOOK_EXAMPLE}),
        "put": operation("Change a subscription (the keys sent)", _TAG,
                         ok(_wrapped(ref("Webhook"), "webhook")), params=_ID,
                         body={**WEBHOOK_IN, "required": []},
                         example={"webhook": _WEBHOOK_EXAMPLE}, body_example=_BODY_EXAMPLE),
        "delete": operation("Delete a subscription and its deliveries", _TAG, ok(None),
                            params=_ID),
    },
    "/v1/webhooks/{webhookId}/deliveries": {
        "get": operation("A subscription's deliveries, newest first, with every attempt", _TAG,
                         ok({"type": "object", "properties": {
                             "deliveries": {"type": "array", "items": ref("Delivery")},
                             "meta": {"type": "object"}}}),
                         params=[*_ID,
                                 {"name": "limit", "in": "query",
                                  "schema": {"type": "integer", "minimum": 1, "maximum": 100}},
                                 {"name": "startAfterId", "in": "query",
                                  "schema": {"type": "string"}}],
                         example={"deliveries": [_DELIVERY_EXAMPLE],
                                  "meta": {"total": 1, "startAfterId": "Dq2nH5bVcR8sT1uW4yZa",
                                           "startAfter": 1603963890255, "nextPage": False}}),
    },
    "/v1/webhooks/{webhookId}/deliveries/{deliveryId}/retry": {
        "post": operation("Attempt a delivery again now", _TAG,
                          ok(_wrapped(ref("Delivery"), "delivery")),
                          params=[*_ID, path_param("deliveryId", "Delivery id")],
                          example={"delivery": _DELIVERY_EXAMPLE}),
    },
}  # fmt: skip
