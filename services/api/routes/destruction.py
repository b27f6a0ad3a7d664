"""Destruction lists (销毁清册): appraise, approve, execute, certificates."""
from __future__ import annotations

from functools import partial

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from shared import disposition
from shared.views import certificate_out
from shared.views import destruction_list_out as list_out
from services.api import viewer
from services.api.deps import Approver, ContainerDep, RetentionManager, RetentionReader
from services.api.schemas import RowId

router = APIRouter(prefix="/api/v1/destruction-lists", tags=["disposition"])


class ListIn(BaseModel):
    documents: list[str] = Field(min_length=1)


class Decision(BaseModel):
    document: str
    decision: str = Field(description="destroy | extend")
    years: int | None = None
    reason: str | None = None


class AppraiseIn(BaseModel):
    items: list[Decision] = Field(min_length=1)


class ExecuteIn(BaseModel):
    supervisor: str = Field(min_length=1, description="监销人: neither the executor nor the approver")


@router.post("", status_code=201)
def create(body: ListIn, ctx: ContainerDep, user: RetentionManager) -> dict:
    with ctx.transaction() as session:
        scope = viewer.scope(session, ctx, user)
        return list_out(disposition.create_list(session, documents=body.documents, actor=user.username,
                                                today=ctx.today(), scope=scope), viewer=scope)


@router.get("/{list_id}")
def get(list_id: RowId, ctx: ContainerDep, user: RetentionReader) -> dict:
    with ctx.uow() as uow:
        scope = viewer.scope(uow.session, ctx, user)
        return list_out(disposition.get_list(uow.session, list_id, scope), viewer=scope)


@router.post("/{list_id}/appraise")
def appraise(list_id: RowId, body: AppraiseIn, ctx: ContainerDep, user: RetentionManager) -> dict:
    with ctx.transaction() as session:
        scope = viewer.scope(session, ctx, user)
        return list_out(disposition.appraise(session, list_id=list_id, actor=user.username,
                                             decisions=[d.model_dump() for d in body.items],
                                             scope=scope), viewer=scope)


@router.post("/{list_id}/approve")
def approve(list_id: RowId, ctx: ContainerDep, user: Approver) -> dict:
    with ctx.transaction() as session:
        scope = viewer.scope(session, ctx, user)
        return list_out(disposition.approve(session, list_id=list_id, actor=user.username,
                                            role=user.role, clearance=user.clearance,
                                            today=ctx.today(), scope=scope), viewer=scope)


@router.post("/{list_id}/execute")
async def execute(list_id: RowId, body: ExecuteIn, request: Request, ctx: ContainerDep,
                  user: RetentionManager) -> dict:
    with ctx.uow() as uow:
        scope = viewer.scope(uow.session, ctx, user)
    destroyed = await run_in_threadpool(
        partial(disposition.execute, database=ctx.database, store=ctx.store, today=ctx.today(),
                list_id=list_id, actor=user.username, supervisor=body.supervisor, scope=scope))
    # the index jobs are queued too; removing now keeps search honest at once
    await run_in_threadpool(request.app.state.index.delete, destroyed)
    with ctx.uow() as uow:
        return list_out(disposition.get_list(uow.session, list_id, scope), viewer=scope)


@router.get("/{list_id}/certificate")
def certificate(list_id: RowId, ctx: ContainerDep, user: RetentionReader) -> dict:
    with ctx.uow() as uow:
        scope = viewer.scope(uow.session, ctx, user)
        found = disposition.get_list(uow.session, list_id, scope)
        return {"list": list_id, "status": found.status,
                "certificates": [certificate_out(c) for c in
                                 disposition.certificates(uow.session, list_id=list_id, scope=scope)]}
