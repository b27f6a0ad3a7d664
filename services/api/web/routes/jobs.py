"""Jobs on the page: the background work that was parked with its error
(搁置的任务), of documents the caller may see, and a retry for each."""
from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import RedirectResponse
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from shared import parked
from shared.bootstrap import Container
from shared.db.models import Document
from shared.domain.permissions import Action
from services.api import viewer
from services.api.deps import ContainerDep, Principal
from services.api.schemas import RowId
from services.api.web.i18n import N_
from services.api.web.render import WebRoute, flash, render
from services.api.web.session import Csrf, web_permit

router = APIRouter(route_class=WebRoute, include_in_schema=False)
JobsManager = Annotated[Principal, Depends(web_permit(Action.JOBS_MANAGE))]
LIMIT = 200

KINDS = {"extract": N_("Text extraction"), "index": N_("Search indexing"),
         "protect": N_("Object Lock")}


def _listing(ctx: Container, user: Principal) -> dict[str, Any]:
    with ctx.uow() as uow:
        session = uow.session
        jobs = parked.list_parked(session, scope=viewer.scope(session, ctx, user), limit=LIMIT)
        ids = {str(j.payload.get("document_id")) for j in jobs if j.payload.get("document_id")}
        # the list holds only jobs of documents the caller may see (the queue's
        # counts by kind would count the others too: the page shows none)
        numbers = {row.id: row.archive_number for row in session.execute(
            select(Document.id, Document.archive_number).where(Document.id.in_(ids)))} if ids else {}
        rows = [{"id": j.id, "kind": j.kind, "attempts": j.attempts, "error": j.last_error or "",
                 "updated_at": j.updated_at, "created_at": j.created_at,
                 "document_id": j.payload.get("document_id"),
                 "archive_number": numbers.get(str(j.payload.get("document_id")))} for j in jobs]
        return {"jobs": rows}


@router.get("/jobs")
async def jobs_page(request: Request, ctx: ContainerDep, user: JobsManager) -> Response:
    listing = await run_in_threadpool(_listing, ctx, user)
    return render(request, "jobs.html", user=user, kinds=KINDS, limit=LIMIT,
                  **listing)


@router.post("/jobs/{job_id}/retry", dependencies=[Csrf])
async def retry(job_id: RowId, ctx: ContainerDep, user: JobsManager) -> Response:
    def work() -> int:
        with ctx.transaction() as session:
            return parked.retry(session, job_id=job_id, scope=viewer.scope(session, ctx, user))

    requeued = await run_in_threadpool(work)
    response = RedirectResponse("/jobs", status_code=303)
    if requeued:
        return flash(response, "ok", N_("Job {id} is queued again."), id=job_id)
    return flash(response, "error", N_("Job {id} is not parked, or not visible to you."), id=job_id)
