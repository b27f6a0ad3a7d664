"""Handovers (移交/交接): a department's batch, its list, the archive room's decision."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response
from pydantic import BaseModel, Field

from shared import handovers
from shared.handover_pdf import render
from services.api import viewer
from services.api.deps import ContainerDep, Uploader
from services.api.schemas import RowId

router = APIRouter(prefix="/api/v1/handovers", tags=["handover"])


class HandoverIn(BaseModel):
    description: str | None = Field(default=None, max_length=2000, description="说明: what the batch is")
    department: str | None = Field(default=None, max_length=255)


class ItemsIn(BaseModel):
    documents: list[str] = Field(min_length=1, max_length=1000,
                                 description="ids of records the caller uploaded")


class ReturnIn(BaseModel):
    reason: str | None = Field(default=None, max_length=2000, description="退回原因: required")


@router.post("", status_code=201)
def create(body: HandoverIn, ctx: ContainerDep, user: Uploader) -> dict:
    with ctx.transaction() as session:
        return handovers.handover_out(handovers.create(
            session, description_text=body.description, department=body.department,
            actor=user.username))


@router.get("")
def inbox(ctx: ContainerDep, user: Uploader,
          status: Annotated[str | None, Query(pattern="^(open|submitted|accepted|returned)$")] = None
          ) -> dict:
    with ctx.uow() as uow:
        scope = viewer.scope(uow.session, ctx, user)
        found = handovers.list_handovers(uow.session, status=status, scope=scope,
                                         actor=user.username, role=user.role)
        return {"handovers": [handovers.summary_out(h, viewer=scope) for h in found]}


@router.get("/{handover_id}")
def get(handover_id: RowId, ctx: ContainerDep, user: Uploader) -> dict:
    with ctx.uow() as uow:
        scope = viewer.scope(uow.session, ctx, user)
        return handovers.handover_out(handovers.get_handover(
            uow.session, handover_id, scope=scope, actor=user.username, role=user.role), viewer=scope)


@router.get("/{handover_id}/pdf")
def pdf(handover_id: RowId, ctx: ContainerDep, user: Uploader) -> Response:
    with ctx.uow() as uow:
        scope = viewer.scope(uow.session, ctx, user)
        data = handovers.handover_out(handovers.get_handover(
            uow.session, handover_id, scope=scope, actor=user.username, role=user.role), viewer=scope)
    return Response(render(data), media_type="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="{data["reference"]}.pdf"'})


@router.post("/{handover_id}/items")
def add_items(handover_id: RowId, body: ItemsIn, ctx: ContainerDep, user: Uploader) -> dict:
    with ctx.transaction() as session:
        scope = viewer.scope(session, ctx, user)
        return handovers.handover_out(handovers.add_documents(
            session, handover_id=handover_id, documents=body.documents, actor=user.username,
            scope=scope), viewer=scope)


@router.post("/{handover_id}/submit")
def submit(handover_id: RowId, ctx: ContainerDep, user: Uploader) -> dict:
    with ctx.transaction() as session:
        scope = viewer.scope(session, ctx, user)
        return handovers.handover_out(handovers.submit(
            session, handover_id=handover_id, actor=user.username, scope=scope), viewer=scope)


@router.post("/{handover_id}/accept")
def accept(handover_id: RowId, ctx: ContainerDep, user: Uploader) -> dict:
    with ctx.transaction() as session:
        scope = viewer.scope(session, ctx, user)
        return handovers.handover_out(handovers.accept(
            session, handover_id=handover_id, actor=user.username, role=user.role, scope=scope),
            viewer=scope)


@router.post("/{handover_id}/return")
def return_(handover_id: RowId, body: ReturnIn, ctx: ContainerDep, user: Uploader) -> dict:
    with ctx.transaction() as session:
        scope = viewer.scope(session, ctx, user)
        return handovers.handover_out(handovers.return_handover(
            session, handover_id=handover_id, reason=body.reason, actor=user.username,
            role=user.role, scope=scope), viewer=scope)
