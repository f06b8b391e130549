"""Webhook endpoints: subscriptions, their deliveries, the server's public keys."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from contactapi.errors import ValidationFailed, json_response
from contactapi.limits import parse_page
from contactapi.scope import Location, LocationScope
from contactapi.validation import Checked
from contactapi.web.endpoint import endpoint, endpoint_with_body
from contactapi.web.http import both_slashes, empty_ok
from contactapi.webhooks.schemas import WebhookInput, parse_webhook
from contactapi.webhooks.service import WebhookService


def _parse(create: bool) -> Any:
    def parse(body: dict[str, Any], location: Location) -> Checked[WebhookInput]:
        # The setting is read per process at start (webhooks.settings), not per request.
        from contactapi.webhooks import policy

        return parse_webhook(policy.allow_private, create=create)(body)  # type: ignore[no-any-return]

    return parse


@endpoint(write=False, slow=True)
async def list_webhooks(request: Request, scope: LocationScope) -> Response:
    page = parse_page(request.query_params)
    return json_response({"webhooks": await WebhookService(scope).all(page)})


@endpoint_with_body(_parse(create=True))
async def create_webhook(
    request: Request, scope: LocationScope, payload: Checked[WebhookInput]
) -> Response:
    return json_response({"webhook": await WebhookService(scope).create(payload)})


@endpoint(write=False)
async def public_keys(request: Request, scope: LocationScope) -> Response:
    rows = await scope.conn.fetch_all("SELECT name, public_pem FROM server_keys")
    return json_response({row["name"]: row["public_pem"] for row in rows})


@endpoint(write=False)
async def get_webhook(request: Request, scope: LocationScope) -> Response:
    webhook_id = request.path_params["webhookId"]
    return json_response({"webhook": await WebhookService(scope).get(webhook_id)})


@endpoint_with_body(_parse(create=False))
async def update_webhook(
    request: Request, scope: LocationScope, payload: Checked[WebhookInput]
) -> Response:
    webhook_id = request.path_params["webhookId"]
    return json_response({"webhook": await WebhookService(scope).update(webhook_id, payload)})


@endpoint(write=True)
async def delete_webhook(request: Request, scope: LocationScope) -> Response:
    await WebhookService(scope).delete(request.path_params["webhookId"])
    return empty_ok()


@endpoint(write=False, slow=True)
async def list_deliveries(request: Request, scope: LocationScope) -> Response:
    params = request.query_params
    raw = (params.get("limit") or "20").strip()
    if not raw.isascii() or not raw.isdigit() or not 1 <= int(raw) <= 100:
        raise ValidationFailed.one("limit", "The limit must be a whole number from 1 to 100.",
                                   "invalid")  # fmt: skip
    start_after_id = (params.get("startAfterId") or "").strip() or None
    deliveries, meta = await WebhookService(scope).deliveries(
        request.path_params["webhookId"], int(raw), start_after_id
    )
    return json_response({"deliveries": deliveries, "meta": meta})


@endpoint(write=True)
async def retry_delivery(request: Request, scope: LocationScope) -> Response:
    params = request.path_params
    delivery = await WebhookService(scope).retry(params["webhookId"], params["deliveryId"])
    return json_response({"delivery": delivery})


_ONE = "/v1/webhooks/{webhookId}"
routes: list[BaseRoute] = [
    *both_slashes("/v1/webhooks", list_webhooks, ["GET"]),
    *both_slashes("/v1/webhooks", create_webhook, ["POST"]),
    *both_slashes("/v1/webhooks/public-keys", public_keys, ["GET"]),
    *both_slashes(_ONE, get_webhook, ["GET"]),
    *both_slashes(_ONE, update_webhook, ["PUT"]),
    *both_slashes(_ONE, delete_webhook, ["DELETE"]),
    *both_slashes(_ONE + "/deliveries", list_deliveries, ["GET"]),
    *both_slashes(_ONE + "/deliveries/{deliveryId}/retry", retry_delivery, ["POST"]),
]
