"""The ASGI application: routes, error handlers, and the lifespan (database, worker)."""

from __future__ import annotations

import asyncio
import gc
import logging
import signal
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp

from contactapi import metrics
from contactapi.appointments import docs as appointment_docs
from contactapi.appointments import router as appointments
from contactapi.auth import agency_key_cache, key_cache
from contactapi.calendar_services import docs as calendar_service_docs
from contactapi.calendar_services import router as calendar_services
from contactapi.calendar_teams import docs as calendar_team_docs
from contactapi.calendar_teams import router as calendar_teams
from contactapi.calendars import docs as calendar_docs
from contactapi.calendars import router as calendars
from contactapi.campaigns import docs as campaign_docs
from contactapi.campaigns import router as campaigns
from contactapi.contacts import docs as contact_docs
from contactapi.contacts import router as contacts
from contactapi.custom_fields import docs as custom_field_docs
from contactapi.custom_fields import router as custom_fields
from contactapi.custom_values import docs as custom_value_docs
from contactapi.custom_values import router as custom_values
from contactapi.db.engine import UNAVAILABLE, Database, create_database
from contactapi.errors import exception_handlers, json_response
from contactapi.jobs import JOB_HANDLERS
from contactapi.links import docs as link_docs
from contactapi.links import router as links
from contactapi.locations import docs as location_docs
from contactapi.locations import router as locations
from contactapi.logs import configure_logging
from contactapi.notes import docs as note_docs
from contactapi.notes import router as notes
from contactapi.opportunities import docs as opportunity_docs
from contactapi.opportunities import router as opportunities
from contactapi.pipelines import docs as pipeline_docs
from contactapi.pipelines import router as pipelines
from contactapi.queue.worker import Worker
from contactapi.ratelimit import (
    RateLimit,
    RateLimiter,
    SharedRateLimiter,
    parse_daily_limit,
    state_file,
)
from contactapi.ratelimit_redis import RedisRateLimiter
from contactapi.settings import Settings
from contactapi.tags import docs as tag_docs
from contactapi.tags import router as tags
from contactapi.tasks import docs as task_docs
from contactapi.tasks import router as tasks
from contactapi.timezones import docs as timezone_docs
from contactapi.timezones import router as timezones
from contactapi.users import docs as user_docs
from contactapi.users import router as users
from contactapi.web import docs_ui
from contactapi.web.access import AccessLog, RequestContext
from contactapi.web.http import FastRoutes
from contactapi.web.metrics import MetricsServer, metrics_endpoint
from contactapi.web.openapi import build_document
from contactapi.webhooks import docs as webhook_docs
from contactapi.webhooks import policy as webhook_policy
from contactapi.webhooks import router as webhooks
from contactapi.webhooks.dispatcher import Dispatcher
from contactapi.webhooks.signing import signing_keys
from contactapi.workflows import docs as workflow_docs
from contactapi.workflows import router as workflows

DOMAIN_DOCS = [
    contact_docs,
    tag_docs,
    campaign_docs,
    workflow_docs,
    custom_field_docs,
    custom_value_docs,
    calendar_docs,
    calendar_team_docs,
    calendar_service_docs,
    appointment_docs,
    link_docs,
    timezone_docs,
    note_docs,
    task_docs,
    user_docs,
    location_docs,
    webhook_docs,
    pipeline_docs,
    opportunity_docs,
]


def openapi_document() -> dict[str, Any]:
    paths: dict[str, Any] = {}
    schemas: dict[str, Any] = {}
    for module in DOMAIN_DOCS:
        paths.update(module.paths)
        schemas.update(module.schemas)
    return build_document(paths, schemas)


logger = logging.getLogger("contactapi.health")


async def health(request: Request) -> Response:
    """200 while the database answers; 503 while it does not (the pool reconnects by itself,
    so the next check after it is back answers 200)."""
    db: Database = request.app.state.db
    try:
        await db.run(lambda conn: conn.fetch_value("SELECT 1"), write=False)
    except UNAVAILABLE as exc:
        # The cause goes to the log, not to an unauthenticated caller.
        logger.warning("health check: the database is unavailable: %r", exc)
        return json_response({"status": "unavailable"}, status_code=503)
    return json_response({"status": "ok"})


async def openapi_json(request: Request) -> Response:
    return json_response(request.app.state.openapi)


class ContactApi(Starlette):
    """Starlette, with `front` middleware placed outside its own error middleware: the request
    context answers unhandled errors itself (with the request id), and the hot routes then pass
    through no wrapper they do not need."""

    def __init__(self, *, front: Sequence[Middleware] = (), **kwargs: Any) -> None:
        self.front = list(front)
        super().__init__(**kwargs)

    def build_middleware_stack(self) -> ASGIApp:
        app = super().build_middleware_stack()
        for cls, args, kwargs in reversed(self.front):
            app = cls(app, *args, **kwargs)
        return app


def rate_limiter(settings: Settings) -> RateLimiter | None:
    """This machine's processes' shared file, or the Redis every machine shares; None when
    both limits are off."""
    rate_limit = RateLimit.parse(settings.rate_limit)
    daily_limit = parse_daily_limit(settings.daily_limit)
    if not (rate_limit or daily_limit):
        return None
    if settings.rate_limit_store:
        return RedisRateLimiter(rate_limit, daily_limit, settings.rate_limit_store,
                                fail_open=settings.rate_limit_fail_open)  # fmt: skip
    path = state_file(settings.state_dir, settings.database_url, rate_limit)
    return SharedRateLimiter(rate_limit, daily_limit, path)


def create_app(settings: Settings | None = None) -> Starlette:
    settings = settings or Settings()
    # Malformed limits fail here, before anything starts.
    RateLimit.parse(settings.rate_limit)
    parse_daily_limit(settings.daily_limit)

    configure_logging(settings.log_level)
    access_log = AccessLog(fd=1)
    recorder = metrics.start(settings.metrics, settings.metrics_dir, "server")

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        db = create_database(settings)
        await db.connect()
        # What exists now (modules, routes, metadata) lives as long as the process: kept out
        # of the collector's full passes, which walked it all and cost ~8% of a create.
        # Young objects are collected 10x less often: a request makes few reference cycles.
        gc.collect()
        gc.freeze()
        gc.set_threshold(10_000, 50, 100)
        app.state.db = db
        try:
            limiter = app.state.rate_limiter = rate_limiter(settings)
        except BaseException:
            await db.close()
            raise
        worker: Worker | None = None
        worker_task: asyncio.Task[None] | None = None
        dispatcher: Dispatcher | None = None
        dispatcher_task: asyncio.Task[None] | None = None
        await signing_keys(db)  # made by the first process to start, read by the others
        metrics_server: MetricsServer | None = None
        if recorder is not None and settings.metrics_port:
            metrics_server = MetricsServer(
                db, recorder, settings.metrics_host, settings.metrics_port
            )
            await metrics_server.start()
        if settings.run_worker:
            worker = Worker(db, JOB_HANDLERS, lease_seconds=settings.job_lease_seconds)
            worker_task = asyncio.create_task(worker.run(), name="contactapi-queue-worker")
            dispatcher = Dispatcher(db, allow_private=settings.webhook_allow_private)
            dispatcher_task = asyncio.create_task(dispatcher.run(), name="contactapi-webhooks")
        try:
            yield
        finally:
            if worker is not None and worker_task is not None:
                # The running job finishes; the rest of its batch goes back to the queue.
                worker.stop()
                await worker_task
            if dispatcher is not None and dispatcher_task is not None:
                dispatcher.stop()  # sends in progress record their attempts
                await dispatcher_task
            if metrics_server is not None:
                await metrics_server.close()
            metrics.stop()
            await db.close()
            if limiter is not None:
                await limiter.aclose()
            access_log.flush()

    # The API's routes first: Starlette tries routes in order, and they are the hot ones.
    routes: list[BaseRoute] = [
        *contacts.routes,
        *tags.routes,
        *campaigns.routes,
        *workflows.routes,
        *custom_fields.routes,
        *custom_values.routes,
        *timezones.routes,
        *notes.routes,
        *tasks.routes,
        *calendars.routes,
        *calendar_teams.routes,
        *calendar_services.routes,
        *appointments.routes,
        *links.routes,
        *users.routes,
        *locations.routes,
        *webhooks.routes,
        *pipelines.routes,
        *opportunities.routes,
        Route("/health", health, methods=["GET"]),
        Route("/openapi.json", openapi_json, methods=["GET"]),
        *docs_ui.routes,
    ]
    if recorder is not None and not settings.metrics_port:
        routes.append(Route("/metrics", metrics_endpoint, methods=["GET"]))
    key_cache.ttl = agency_key_cache.ttl = settings.key_cache_seconds
    templates = {route.endpoint: route.path for route in routes if isinstance(route, Route)}
    app = ContactApi(
        front=[
            Middleware(
                RequestContext,
                route_of=templates.get,
                access_log=access_log,
                record=recorder.request if recorder is not None else None,
            ),
            Middleware(FastRoutes, routes=contacts.routes),
        ],
        routes=routes,
        exception_handlers=exception_handlers,
        lifespan=lifespan,
    )
    app.router.redirect_slashes = False
    app.state.settings = settings
    webhook_policy.allow_private = settings.webhook_allow_private
    app.state.openapi = openapi_document()
    app.state.rate_limiter = None
    app.state.metrics = recorder
    return app


def create_served_app() -> Starlette:
    """The app of one `contactapi serve` worker process. The process was forked with the main
    process's signal handlers, which only set flags in the main process's memory: a SIGTERM
    arriving now would be lost. Until the server installs its own handlers, SIGTERM stops the
    worker outright (it serves nothing yet)."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    return create_app()
