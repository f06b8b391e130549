"""The server's webhook signatures: GHL's own (`x-wh-signature`, RSA-SHA256; `x-ghl-signature`,
Ed25519), made with a key pair of the server's, created at first start and kept in the
database, so GHL's SDK verifiers work pointed at our public keys; and Standard Webhooks
(`webhook-id`, `webhook-timestamp`, `webhook-signature`: HMAC-SHA256 with the subscription's
secret, by the `standardwebhooks` library)."""

from __future__ import annotations

import base64
import secrets
import weakref
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, padding, rsa
from standardwebhooks import Webhook

from contactapi.core import now_ms

if TYPE_CHECKING:  # not imported by the signer process (`webhooks/event_signer.py`)
    from contactapi.db.engine import Connection, Database


@dataclass(frozen=True)
class SigningKeys:
    rsa: rsa.RSAPrivateKey
    ed25519: ed25519.Ed25519PrivateKey
    rsa_public_pem: str
    ed25519_public_pem: str

    def event_headers(self, body: bytes) -> dict[str, str]:
        """GHL's signatures: of the body alone, so the same for every subscription and attempt
        of an event (both schemes are deterministic). The RSA one costs ~480 us here, the
        Ed25519 one ~70 us: made once per event, by whoever sends it first."""
        rsa_signature = self.rsa.sign(body, padding.PKCS1v15(), hashes.SHA256())
        return {
            "x-wh-signature": base64.b64encode(rsa_signature).decode(),
            "x-ghl-signature": base64.b64encode(self.ed25519.sign(body)).decode(),
        }


def standard_headers(signer: Webhook, body: bytes, event_id: str, at: datetime) -> dict[str, str]:
    """Standard Webhooks' (HMAC with the subscription's secret, ~9 us), made per attempt: its
    timestamp is the attempt's."""
    return {
        "webhook-id": event_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": signer.sign(event_id, at, body.decode()),
    }


def new_secret() -> str:
    """A subscription's Standard Webhooks secret: `whsec_` + base64 of 32 random bytes."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def pem_pair(private: rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey) -> tuple[str, str]:
    private_pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    public_pem = (
        private.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private_pem, public_pem


# By database (a process has one; the tests several).
_keys: weakref.WeakKeyDictionary[Database, SigningKeys] = weakref.WeakKeyDictionary()


async def signing_keys(db: Database) -> SigningKeys:
    """The server's keys: made (and stored) by the first process that needs them; the
    others read them. Every process signs with the same keys."""
    if db in _keys:
        return _keys[db]
    made = {
        "rsa": pem_pair(rsa.generate_private_key(public_exponent=65537, key_size=2048)),
        "ed25519": pem_pair(ed25519.Ed25519PrivateKey.generate()),
    }

    async def store(conn: Connection) -> dict[str, str]:
        for name, (private_pem, public_pem) in made.items():
            await conn.execute(
                "INSERT INTO server_keys (name, private_pem, public_pem, created_at)"
                " VALUES ($1, $2, $3, $4) ON CONFLICT (name) DO NOTHING",
                name, private_pem, public_pem, now_ms(),
            )  # fmt: skip
        rows = await conn.fetch_all("SELECT name, private_pem FROM server_keys")
        return {row["name"]: row["private_pem"] for row in rows}

    stored = await db.run(store, write=True)
    keys = _keys[db] = load_keys(stored["rsa"], stored["ed25519"])
    return keys


def load_keys(rsa_pem: str, ed25519_pem: str) -> SigningKeys:
    """The keys of their private PEMs."""
    rsa_key = serialization.load_pem_private_key(rsa_pem.encode(), None)
    ed_key = serialization.load_pem_private_key(ed25519_pem.encode(), None)
    assert isinstance(rsa_key, rsa.RSAPrivateKey)
    assert isinstance(ed_key, ed25519.Ed25519PrivateKey)
    return SigningKeys(rsa_key, ed_key, pem_pair(rsa_key)[1], pem_pair(ed_key)[1])


def utc_now() -> datetime:
    return datetime.now(UTC)
