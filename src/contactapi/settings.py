"""The one place that reads the environment."""

from __future__ import annotations

from functools import cached_property

from pydantic import field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite:///contactapi.db"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CONTACTAPI_", frozen=True)

    database_url: str = DEFAULT_DATABASE_URL
    # "N/Ss" (requests per seconds, per location) or "off".
    rate_limit: str = "100/10s"
    # Requests per location per day (UTC), or "off".
    daily_limit: str = "200000"
    # Where the limits are counted: "" for this machine's processes (a shared memory-mapped
    # file), or a Redis URL (redis://host:6379/0, rediss://, unix://) that every machine shares.
    rate_limit_store: str = ""
    # While that Redis is unreachable, let limited requests through uncounted instead of 503.
    rate_limit_fail_open: bool = False
    # Run the queue worker inside the API process.
    run_worker: bool = True
    # How long a worker holds a claimed job before another may take it (its worker died).
    job_lease_seconds: float = 30.0
    # Level of the `contactapi` loggers (the worker logs each job at info).
    log_level: str = "warning"
    # Comma-separated addresses whose X-Forwarded-* headers are believed.
    trusted_proxies: str = "127.0.0.1,::1"
    # How many SQLite connections / PostgreSQL pool connections one process keeps.
    pool_size: int = 8
    # How long a verified API key is trusted without asking the database again; a key
    # revoked from another process keeps working here that long at most. 0 disables.
    key_cache_seconds: float = 1.0
    # Run-time state shared between the processes of one server (rate limiter).
    state_dir: str = ""
    # Let webhooks target private, loopback and link-local addresses (a receiver on the same
    # machine or network). Off: such targets are refused, at subscription and at delivery.
    webhook_allow_private: bool = False

    @field_validator("database_url")
    @classmethod
    def _known_scheme(cls, value: str) -> str:
        if not value.startswith(("sqlite://", "postgresql://", "postgres://")):
            raise ValueError("database URL must start with sqlite:// or postgresql://")
        return value

    @field_validator("rate_limit_store")
    @classmethod
    def _redis_scheme(cls, value: str) -> str:
        if value and not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("rate limit store must be a redis://, rediss:// or unix:// URL")
        return value

    @cached_property
    def is_postgresql(self) -> bool:
        return self.database_url.startswith(("postgresql://", "postgres://"))

    @cached_property
    def sqlite_path(self) -> str:
        """The file behind a sqlite:/// URL (sqlite:///rel.db or sqlite:////abs.db)."""
        return self.database_url.removeprefix("sqlite://").removeprefix("/") or "contactapi.db"

    @cached_property
    def sqlalchemy_url(self) -> str:
        """The URL for SQLAlchemy/Alembic (synchronous drivers)."""
        if self.is_postgresql:
            rest = self.database_url.split("://", 1)[1]
            return f"postgresql+psycopg://{rest}"
        return f"sqlite:///{self.sqlite_path}"

    @cached_property
    def trusted_proxy_set(self) -> frozenset[str]:
        return frozenset(p.strip() for p in self.trusted_proxies.split(",") if p.strip())
