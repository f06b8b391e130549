"""Passwords are kept only as Argon2id hashes (argon2-cffi's defaults: RFC 9106's low-memory
profile). Hashing takes ~100 ms of CPU and 64 MiB: it runs on two threads of its own, never on
the event loop, and before the request's transaction opens (no lock waits on it)."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

from argon2 import PasswordHasher
from argon2.exceptions import VerificationError

from contactapi.users.schemas import UserInput
from contactapi.validation import Checked

_hasher = PasswordHasher()
# At most two hashes at once per process: 128 MiB, and a core's worth of work each.
_threads = ThreadPoolExecutor(max_workers=2, thread_name_prefix="contactapi-argon2")


async def hash_password(password: str) -> str:
    return await asyncio.get_running_loop().run_in_executor(_threads, _hasher.hash, password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except VerificationError:
        return False


async def with_password_hashed(payload: Checked[UserInput]) -> Checked[UserInput]:
    """The body with its password replaced by the password's hash (a body with failures is
    answered with them, unhashed)."""
    password = payload.value.password
    if payload.errors or password is None:
        return payload
    return Checked(payload.value.hashed(await hash_password(password)), payload.errors)
