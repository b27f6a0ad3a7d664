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
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session

from shared.db.models import Job
from shared.db.session import rowcount

EXTRACT = "extract"
INDEX = "index"
QUEUED, RUNNING, DONE, PARKED = "queued", "running", "done", "parked"


def enqueue(session: Session, *, kind: str, payload: dict[str, Any], max_attempts: int = 5) -> Job:
    job = Job(kind=kind, payload=payload, state=QUEUED, attempts=0, max_attempts=max_attempts)
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
        and_(Job.state == QUEUED, Job.run_after <= now),
        and_(Job.state == RUNNING, Job.lease_until < now),
    )
    query = select(Job).where(Job.kind.in_(kinds), runnable).order_by(Job.id).limit(1)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    job = session.scalars(query).first()
    if job is None:
        return None
    if job.state == RUNNING and job.attempts >= job.max_attempts:
        job.state, job.lease_until = PARKED, None
        job.last_error = (job.last_error or "") + f"\nlease of {job.locked_by} ran out on the last attempt"
        return claim(session, kinds=kinds, worker=worker, lease_seconds=lease_seconds)
    job.state = RUNNING
    job.attempts += 1
    job.locked_by = worker
    job.lease_until = now + timedelta(seconds=lease_seconds)
    return Claimed(job.id, job.kind, dict(job.payload), job.attempts)


def extend(session: Session, *, job_id: int, worker: str, lease_seconds: int) -> bool:
    """Heartbeat: keep the lease while long work (OCR) goes on. False if lost."""
    result = session.execute(update(Job).where(Job.id == job_id, Job.locked_by == worker,
                                               Job.state == RUNNING)
                             .values(lease_until=_now() + timedelta(seconds=lease_seconds)))
    return rowcount(result) == 1


def complete(session: Session, *, job_id: int, worker: str) -> bool:
    result = session.execute(update(Job).where(Job.id == job_id, Job.locked_by == worker,
                                               Job.state == RUNNING)
                             .values(state=DONE, lease_until=None, last_error=None))
    return rowcount(result) == 1


def fail(session: Session, *, job_id: int, worker: str, error: str,
         permanent: bool = False) -> str:
    """Retry later with back-off, or park the job after its last attempt, or
    at once when the error is ``permanent``."""
    job = session.get(Job, job_id)
    if job is None or job.locked_by != worker or job.state != RUNNING:
        return "lost"
    job.last_error = error[-4000:]
    job.lease_until = None
    if permanent or job.attempts >= job.max_attempts:
        job.state = PARKED
    else:
        job.state = QUEUED
        job.run_after = _now() + timedelta(seconds=min(300, 2 ** job.attempts))
    return job.state


def release(session: Session, *, job_id: int, worker: str) -> bool:
    """Give a claimed job back untouched (the worker is stopping): queued,
    runnable now, its attempt not counted. False if the worker no longer holds it."""
    result = session.execute(update(Job).where(Job.id == job_id, Job.locked_by == worker,
                                               Job.state == RUNNING)
                             .values(state=QUEUED, attempts=Job.attempts - 1, lease_until=None,
                                     locked_by=None, run_after=_now()))
    return rowcount(result) == 1


def counts(session: Session) -> dict[str, dict[str, int]]:
    rows = session.execute(select(Job.kind, Job.state, func.count()).group_by(Job.kind, Job.state))
    result: dict[str, dict[str, int]] = {}
    for kind, state, count in rows:
        result.setdefault(kind, {})[state] = count
    return result


def retry_parked(session: Session, *, job_id: int | None = None) -> int:
    query = update(Job).where(Job.state == PARKED)
    if job_id is not None:
        query = query.where(Job.id == job_id)
    result = session.execute(query.values(state=QUEUED, attempts=0, run_after=_now()))
    return rowcount(result)
