"""Retention (保管期限): the schedule, the sweep, what is due, holds, overrides."""
from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from shared import retention
from shared.views import PREVIEW_SIZE, hold_out, preview_out, schedule_out, sweep_out
from services.api import viewer
from services.api.deps import ContainerDep, RetentionManager, RetentionReader
from services.api.schemas import DocumentOut, Page, PageNumber, RowId

router = APIRouter(prefix="/api/v1", tags=["retention"])


class SweepIn(BaseModel):
    as_of: date | None = Field(default=None, description="default: today; no later than today "
                                                         "unless dry_run")
    dry_run: bool = Field(default=False, description="count and list what would be flagged, "
                                                     "change nothing; any date")


class HoldIn(BaseModel):
    reason: str = Field(min_length=1, max_length=2000)
    documents: list[str] | None = None
    customer: str | None = None


class ReleaseIn(BaseModel):
    reason: str = ""


class OverrideIn(BaseModel):
    term: str = Field(description="permanent | long | short")
    years: int | None = None
    reason: str = Field(min_length=1, max_length=2000)


@router.get("/retention/schedule")
def schedule(ctx: ContainerDep, user: RetentionReader) -> dict:
    return {"types": schedule_out(ctx.schedule.rules)}


@router.post("/retention/sweep")
def sweep(body: SweepIn, ctx: ContainerDep, user: RetentionManager) -> dict:
    as_of = body.as_of or ctx.today()
    if body.dry_run:
        with ctx.uow() as uow:  # never committed: a preview writes nothing
            scope = viewer.scope(uow.session, ctx, user)
            total, rows = retention.preview_sweep(uow.session, as_of=as_of, scope=scope,
                                                  limit=PREVIEW_SIZE)
            return preview_out(as_of, total, rows)
    with ctx.transaction() as session:
        flagged = retention.sweep(session, as_of=as_of, today=ctx.today(), actor=user.username)
        return sweep_out(as_of, flagged)


@router.get("/retention/due", response_model=Page)
def due(ctx: ContainerDep, user: RetentionReader, page: PageNumber = 1,
        size: Annotated[int, Query(ge=1, le=500)] = 50) -> Page:
    with ctx.uow() as uow:
        scope = viewer.scope(uow.session, ctx, user)
        total, rows = retention.due_documents(uow.session, offset=(page - 1) * size, limit=size,
                                              scope=scope)
        return Page(total=total, page=page, size=size, items=[DocumentOut.of(d) for d in rows])


@router.post("/documents/{document_id}/retention", response_model=DocumentOut)
def override(document_id: str, body: OverrideIn, ctx: ContainerDep, user: RetentionManager) -> DocumentOut:
    with ctx.transaction() as session:
        document = retention.override(session, document_id=document_id, term=body.term,
                                      years=body.years, reason=body.reason, actor=user.username,
                                      today=ctx.today(), scope=viewer.scope(session, ctx, user))
        return DocumentOut.of(document)


@router.post("/holds", status_code=201)
def place_hold(body: HoldIn, ctx: ContainerDep, user: RetentionManager) -> dict:
    with ctx.transaction() as session:
        scope = viewer.scope(session, ctx, user)
        hold = retention.place_hold(session, reason=body.reason, documents=body.documents,
                                    customer=body.customer, actor=user.username, scope=scope)
        return hold_out(session, hold, viewer=scope)


@router.post("/holds/{hold_id}/release")
def release_hold(hold_id: RowId, ctx: ContainerDep, user: RetentionManager,
                 body: ReleaseIn | None = None) -> dict:
    with ctx.transaction() as session:
        scope = viewer.scope(session, ctx, user)
        hold = retention.release_hold(session, hold_id=hold_id, actor=user.username,
                                      reason=body.reason if body else "", scope=scope)
        return hold_out(session, hold, viewer=scope)


@router.get("/holds")
def holds(ctx: ContainerDep, user: RetentionReader, active: bool = True) -> dict:
    with ctx.uow() as uow:
        scope = viewer.scope(uow.session, ctx, user)
        rows = retention.list_holds(uow.session, active=active, scope=scope)
        return {"total": len(rows), "items": [hold_out(uow.session, h, viewer=scope) for h in rows]}
