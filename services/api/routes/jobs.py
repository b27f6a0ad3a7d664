"""GET /api/v1/jobs: the background work, and what was parked with its error."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from shared import parked
from shared.jobs.queue import counts
from shared.views import parked_job_out
from services.api import viewer
from services.api.deps import ContainerDep, JobsManager
from services.api.schemas import RowId

router = APIRouter(prefix="/api/v1/jobs", tags=["jobs"])


@router.get("")
def jobs(ctx: ContainerDep, user: JobsManager,
         limit: Annotated[int, Query(ge=1, le=500)] = 50) -> dict:
    with ctx.uow() as uow:
        rows = parked.list_parked(uow.session, scope=viewer.scope(uow.session, ctx, user),
                                  limit=limit)
        return {"counts": counts(uow.session),
                "parked": [parked_job_out(j) for j in rows]}


@router.post("/{job_id}/retry")
def retry(job_id: RowId, ctx: ContainerDep, user: JobsManager) -> dict:
    with ctx.transaction() as session:
        scope = viewer.scope(session, ctx, user)
        return {"requeued": parked.retry(session, job_id=job_id, scope=scope)}
