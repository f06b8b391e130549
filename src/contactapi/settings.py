"""The one place that reads the environment."""

from __future__ import annotations

from functools import cached_property

from pydantic import AliasChoices, Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite:///contactapi.db"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CONTACTAPI_", frozen=True, validate_by_name=True)

    database_url: str = Field(
        default=DEFAULT_DATABASE_URL,
        description="The database: `sqlite:///FILE` (relative) or `sqlite:////ABS/FILE`, or"
        " `postgresql://user:pass@host:port/db`. `--database` overrides it.",
    )
    rate_limit: str = Field(
        default="100/10s",
        description='Requests per location in any sliding window, as "N/Ss" (100/10s), or'
        ' "off". `--rate-limit` overrides it.',
    )
    daily_limit: str = Field(
        default="200000",
        description='Requests per location per UTC day, or "off". `--daily-limit` overrides it.',
    )
    rate_limit_store: str = Field(
        default="",
        description="Where the limits are counted: empty for this machine's processes (a shared"
        " memory-mapped file), or a Redis URL (`redis://host:6379/0`, `rediss://`, `unix://`)"
        " that every machine shares. `--rate-limit-store` overrides it.",
    )
    rate_limit_fail_open: bool = Field(
        default=False,
        description="While the Redis store is unreachable, let limited requests through"
        " uncounted instead of answering 503.",
    )
    run_worker: bool = Field(
        default=True,
        description="Run a queue worker and webhook dispatcher inside each server process"
        " (`serve --no-worker` turns it off).",
    )
    job_lease_seconds: float = Field(
        default=30.0,
        description="How long a worker holds a claimed job before another may take it (its"
        " worker died without its heartbeat stopping).",
    )
    log_level: str = Field(
        default="warning",
        description="Level of the `contactapi` loggers (the worker logs each job at info).",
    )
    trusted_proxies: str = Field(
        default="127.0.0.1,::1",
        description="Comma-separated addresses whose X-Forwarded-Proto and X-Forwarded-Host"
        " headers are believed (a reverse proxy on this machine by default).",
    )
    pool_size: int = Field(
        default=8,
        description="Database connections per process: SQLite connections, or the size of"
        " the PostgreSQL pool (each server process and worker holds its own).",
    )
    key_cache_seconds: float = Field(
        default=1.0,
        description="How long a verified API key is trusted without asking the database"
        " again: a revoked key keeps working that long at most. 0 checks every request.",
    )
    state_dir: str = Field(
        default="",
        description="Directory of the run-time state the processes of one machine share (rate"
        " limiter, metrics files); default `$TMPDIR/contactapi-UID`, mode 0700.",
    )
    webhook_allow_private: bool = Field(
        default=False,
        description="Let webhooks target private, loopback and link-local addresses (a"
        " receiver on the same machine or network); off, they are refused.",
    )
    metrics: bool = Field(
        default=True,
        description="Record Prometheus metrics and answer `GET /metrics` (no API key).",
    )
    metrics_port: int = Field(
        default=0,
        ge=0,
        le=65535,
        description="Serve `/metrics` on this port instead of the API's (0: on the API's port).",
    )
    metrics_host: str = Field(
        default="127.0.0.1", description="Address the separate metrics port listens on."
    )
    metrics_dir: str = Field(
        default="",
        validation_alias=AliasChoices("CONTACTAPI_METRICS_DIR", "PROMETHEUS_MULTIPROC_DIR"),
        description="Directory where every process (server workers, `contactapi worker`) writes"
        " its metrics for a scrape to add up (also read as PROMETHEUS_MULTIPROC_DIR); default"
        " a directory in `state_dir` per database and boot.",
    )

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
