"""The durable job queue: rows in the metadata database.

A job is written in the same transaction as the change that needs it, so a
committed upload always has its extraction job. Workers claim a job with a
lease (PostgreSQL: ``FOR UPDATE SKIP LOCKED``, so any number of workers on any
number of machines share the table; SQLite: the write lock, one process). A
worker that dies leaves its lease to run out and the job is claimed again; a
job that fails ``max_attempts`` times, or once with an error no retry can fix,
is parked with its last error. A worker that stops before its job ends
releases it, so another worker takes it at once."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session

from shared.db.models import Job
from shared.db.session import rowcount

EXTRACT = "extract"
INDEX = "index"


class JobState(StrEnum):
    """Where a job is; the value is what the ``jobs.state`` column stores."""

    QUEUED = "queued"  # waiting for its ``run_after``
    RUNNING = "running"  # claimed, under a lease
    DONE = "done"
    PARKED = "parked"  # given up, with its last error, until retried by hand


def enqueue(session: Session, *, kind: str, payload: dict[str, Any], max_attempts: int = 5) -> Job:
    job = Job(kind=kind, payload=payload, state=JobState.QUEUED, attempts=0, max_attempts=max_attempts)
    session.add(job)
    return job


@dataclass(frozen=True)
class Claimed:
    id: int
    kind: str
    payload: dict[str, Any]
    attempt: int


def _now() -> datetime:
    return datetime.now(UTC)


def claim(session: Session, *, kinds: list[str], worker: str, lease_seconds: int) -> Claimed | None:
    """Take the oldest runnable job of ``kinds``, or one whose lease ran out."""
    now = _now()
    runnable = or_(
        and_(Job.state == JobState.QUEUED, Job.run_after <= now),
        and_(Job.state == JobState.RUNNING, Job.lease_until < now),
    )
    query = select(Job).where(Job.kind.in_(kinds), runnable).order_by(Job.id).limit(1)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    job = session.scalars(query).first()
    if job is None:
        return None
    if job.state == JobState.RUNNING and job.attempts >= job.max_attempts:
        job.state, job.lease_until = JobState.PARKED, None
        job.last_error = (job.last_error or "") + f"\nlease of {job.locked_by} ran out on the last attempt"
        return claim(session, kinds=kinds, worker=worker, lease_seconds=lease_seconds)
    job.state = JobState.RUNNING
    job.attempts += 1
    job.locked_by = worker
    job.lease_until = now + timedelta(seconds=lease_seconds)
    return Claimed(job.id, job.kind, dict(job.payload), job.attempts)


def extend(session: Session, *, job_id: int, worker: str, lease_seconds: int) -> bool:
    """Heartbeat: keep the lease while long work (OCR) goes on. False if lost."""
    result = session.execute(update(Job).where(Job.id == job_id, Job.locked_by == worker,
                                               Job.state == JobState.RUNNING)
                             .values(lease_until=_now() + timedelta(seconds=lease_seconds)))
    return rowcount(result) == 1


def complete(session: Session, *, job_id: int, worker: str) -> bool:
    result = session.execute(update(Job).where(Job.id == job_id, Job.locked_by == worker,
                                               Job.state == JobState.RUNNING)
                             .values(state=JobState.DONE, lease_until=None, last_error=None))
    return rowcount(result) == 1


def fail(session: Session, *, job_id: int, worker: str, error: str,
         permanent: bool = False) -> JobState | None:
    """Retry later with back-off (queued), or park the job after its last
    attempt, or at once when the error is ``permanent``. None if the worker no
    longer holds the job (released, or its lease ran out and another took it)."""
    job = session.get(Job, job_id)
    if job is None or job.locked_by != worker or job.state != JobState.RUNNING:
        return None
    job.last_error = error[-4000:]
    job.lease_until = None
    if permanent or job.attempts >= job.max_attempts:
        job.state = JobState.PARKED
    else:
        job.state = JobState.QUEUED
        job.run_after = _now() + timedelta(seconds=min(300, 2 ** job.attempts))
    return JobState(job.state)


def release(session: Session, *, job_id: int, worker: str) -> bool:
    """Give a claimed job back untouched (the worker is stopping): queued,
    runnable now, its attempt not counted. False if the worker no longer holds it."""
    result = session.execute(update(Job).where(Job.id == job_id, Job.locked_by == worker,
                                               Job.state == JobState.RUNNING)
                             .values(state=JobState.QUEUED, attempts=Job.attempts - 1, lease_until=None,
                                     locked_by=None, run_after=_now()))
    return rowcount(result) == 1


def counts(session: Session) -> dict[str, dict[str, int]]:
    rows = session.execute(select(Job.kind, Job.state, func.count()).group_by(Job.kind, Job.state))
    result: dict[str, dict[str, int]] = {}
    for kind, state, count in rows:
        result.setdefault(kind, {})[state] = count
    return result


def retry_parked(session: Session, *, job_id: int | None = None) -> int:
    query = update(Job).where(Job.state == JobState.PARKED)
    if job_id is not None:
        query = query.where(Job.id == job_id)
    result = session.execute(query.values(state=JobState.QUEUED, attempts=0, run_after=_now()))
    return rowcount(result)
