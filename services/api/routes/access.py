"""Access requests (借阅申请): ask, approve, refuse; what is granted until when."""
from __future__ import annotations

from datetime import date

from fastapi import APIRouter
from pydantic import BaseModel, Field

from shared import access
from shared.domain.permissions import Action, allows
from shared.views import request_out
from services.api import viewer
from services.api.deps import AccessApprover, AccessRequester, ContainerDep
from services.api.schemas import RowId

router = APIRouter(prefix="/api/v1/access-requests", tags=["access"])


class RequestIn(BaseModel):
    purpose: str = Field(min_length=1, max_length=2000, description="用途")
    until: date = Field(description="归还日期: the grant ends after this day")
    documents: list[str] | None = None
    customer: str | None = None


class RefuseIn(BaseModel):
    reason: str = Field(min_length=1, max_length=2000)


@router.post("", status_code=201)
def create(body: RequestIn, ctx: ContainerDep, user: AccessRequester) -> dict:
    with ctx.transaction() as session:
        scope = viewer.scope(session, ctx, user)
        request = access.request_access(session, requester=user.username, purpose=body.purpose,
                                        until=body.until, today=ctx.today(),
                                        longest_days=ctx.settings.access_longest_days,
                                        documents=body.documents, customer=body.customer,
                                        viewer=scope)
        return request_out(session, request, viewer=scope)


@router.get("")
def list_(ctx: ContainerDep, user: AccessRequester, status: str | None = None) -> dict:
    """Approvers see every request (their inbox); others see their own."""
    own = None if allows(user.role, Action.ACCESS_APPROVE) else user.username
    with ctx.uow() as uow:
        rows = access.list_requests(uow.session, status=status, requester=own)
        scope = viewer.scope(uow.session, ctx, user)
        return {"total": len(rows), "items": [request_out(uow.session, r, viewer=scope) for r in rows]}


@router.post("/{request_id}/approve")
def approve(request_id: RowId, ctx: ContainerDep, user: AccessApprover) -> dict:
    with ctx.transaction() as session:
        request = access.approve(session, request_id=request_id, actor=user.username, role=user.role,
                                 clearance=user.clearance)
        return request_out(session, request, viewer=viewer.scope(session, ctx, user))


@router.post("/{request_id}/refuse")
def refuse(request_id: RowId, body: RefuseIn, ctx: ContainerDep, user: AccessApprover) -> dict:
    with ctx.transaction() as session:
        request = access.refuse(session, request_id=request_id, actor=user.username, role=user.role,
                                clearance=user.clearance, reason=body.reason)
        return request_out(session, request, viewer=viewer.scope(session, ctx, user))

