"""The operator's webhook policy for this process (`CONTACTAPI_WEBHOOK_ALLOW_PRIVATE`), set
once at start from the settings."""

from __future__ import annotations

# Whether webhooks may target private, loopback and link-local addresses.
allow_private = False
