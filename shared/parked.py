"""Parked jobs (搁置的任务) as people see them: every job names the document it
works on, and its error may quote the file's name, so a parked job is listed
and retried only by someone who may see that document."""
from __future__ import annotations

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from shared.db.models import Document, Job
from shared.documents import visible_to
from shared.domain.access import AccessScope
from shared.jobs.queue import JobState, retry_parked


def _parked(scope: AccessScope | None) -> Select[Job]:
    query = select(Job).where(Job.state == JobState.PARKED)
    if scope is None:
        return query
    return query.outerjoin(Document, Document.id == Job.payload["document_id"].as_string()).where(
        or_(Document.id.is_(None), visible_to(scope)))


def list_parked(session: Session, *, scope: AccessScope | None, limit: int) -> list[Job]:
    """Parked jobs, newest first, of documents ``scope`` may see (None: all)."""
    return list(session.scalars(_parked(scope).order_by(Job.id.desc()).limit(limit)))


def retry(session: Session, *, job_id: int, scope: AccessScope | None) -> int:
    """Queue a parked job again: how many were (1 or 0); one of a hidden
    document is answered as a job that is not parked (0)."""
    if session.scalar(_parked(scope).where(Job.id == job_id)) is None:
        return 0
    return retry_parked(session, job_id=job_id)
