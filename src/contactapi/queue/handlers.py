"""Which domain service runs each kind of job."""

from __future__ import annotations

from contactapi.queue.worker import JobHandler
from contactapi.workflows.service import ENROLL_JOB, process_enrollment

JOB_HANDLERS: dict[str, JobHandler] = {ENROLL_JOB: process_enrollment}
