"""API keys: a fixed prefix, 190 random bits, stored only as a SHA-256 hash.

Keys are high-entropy, so a fast unsalted hash is enough (nothing to brute-force) and lets the
key be found by an index lookup; the stored hash is still compared in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

from starlette.requests import Request

from contactapi.core import random_base62
from contactapi.db.engine import Connection
from contactapi.errors import Unauthorized

KEY_PREFIX = "capi_"
_KEY_BODY_LENGTH = 32  # 32 * log2(62) = 190 bits


@dataclass(frozen=True, slots=True)
class Location:
    id: str
    allow_duplicate_contacts: bool
    country: str


def generate_key() -> str:
    return KEY_PREFIX + random_base62(_KEY_BODY_LENGTH)


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def bearer_token(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or len(token) > 200:
        raise Unauthorized()
    return token


_LOOKUP = """
SELECT k.key_hash, l.id, l.allow_duplicate_contacts, l.country
FROM api_keys k JOIN locations l ON l.id = k.location_id
WHERE k.key_hash = $1 AND k.revoked_at IS NULL
"""


async def authenticate(conn: Connection, token: str) -> Location:
    digest = hash_key(token)
    row = await conn.fetch_one(_LOOKUP, digest)
    if row is None or not hmac.compare_digest(row["key_hash"], digest):
        raise Unauthorized()
    return Location(row["id"], bool(row["allow_duplicate_contacts"]), row["country"])
