"""Which domain service runs each kind of queued job (the queue itself knows no domain)."""

from __future__ import annotations

from contactapi.locations.service import PURGE_JOB, purge_location
from contactapi.queue.worker import JobHandler
from contactapi.workflows.service import ENROLL_JOB, process_enrollment

JOB_HANDLERS: dict[str, JobHandler] = {
    ENROLL_JOB: process_enrollment,
    PURGE_JOB: purge_location,
}
