"""GET /api/v1/jobs: the background work, and what was parked with its error."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy import select

from shared.db.models import Job
from shared.jobs.queue import JobState, counts, retry_parked
from shared.views import parked_job_out
from services.api.deps import ContainerDep, JobsManager
from services.api.schemas import RowId

router = APIRouter(prefix="/api/v1/jobs", tags=["jobs"])


@router.get("")
def jobs(ctx: ContainerDep, user: JobsManager,
         limit: Annotated[int, Query(ge=1, le=500)] = 50) -> dict:
    with ctx.uow() as uow:
        parked = uow.session.scalars(select(Job).where(Job.state == JobState.PARKED)
                                     .order_by(Job.id.desc()).limit(limit)).all()
        return {"counts": counts(uow.session),
                "parked": [parked_job_out(j) for j in parked]}


@router.post("/{job_id}/retry")
def retry(job_id: RowId, ctx: ContainerDep, user: JobsManager) -> dict:
    with ctx.transaction() as session:
        return {"requeued": retry_parked(session, job_id=job_id)}
