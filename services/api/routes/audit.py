"""The audit trail: read it (and one document's reading register), verify
its hash chain against the anchors kept outside the database, anchor it."""
from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy.orm import Session

from shared import access, audit, audit_anchor
from shared.bootstrap import Container
from shared.views import anchor_out, chain_report_out, event_out
from services.api.deps import AuditAnchorer, AuditReader, ContainerDep, Principal
from services.api.schemas import PageNumber

router = APIRouter(prefix="/api/v1/audit", tags=["audit"])


@router.get("")
def events(ctx: ContainerDep, user: AuditReader, target: str | None = None,
           actor: str | None = None, action: str | None = None,
           document: Annotated[str | None, Query(description=(
               "a document id: its reading register (查阅登记), every event about it"))] = None,
           date_from: Annotated[date | None, Query(alias="from")] = None,
           date_to: Annotated[date | None, Query(alias="to")] = None,
           page: PageNumber = 1,
           size: Annotated[int, Query(ge=1, le=500)] = 100) -> dict:
    """Events oldest first: only those about documents the caller may see, and
    others' searches without what they asked unless the caller's clearance
    reaches as far. A ``document`` beyond the caller answers 404 as a missing one."""
    with ctx.uow() as uow:
        viewer = _viewer(ctx, uow.session, user)
        total, rows = audit.list_events(uow.session, target=target, actor=actor, action=action,
                                        date_from=date_from, date_to=date_to, document=document,
                                        viewer=viewer, offset=(page - 1) * size, limit=size)
        details = audit.readable_details(uow.session, rows, viewer=viewer)
        return {"total": total, "page": page, "size": size,
                "items": [event_out(e, details=d) for e, d in zip(rows, details, strict=True)]}


@router.get("/verify")
def verify(ctx: ContainerDep, user: AuditReader) -> dict:
    anchors = audit_anchor.anchor_log(ctx.settings, ctx.store).read()
    with ctx.uow() as uow:
        report = audit.verify(uow.session, anchors=anchors)
    return chain_report_out(report)


@router.post("/anchor")
def anchor(ctx: ContainerDep, user: AuditAnchorer) -> dict:
    """Anchor the chain's head outside the database now (also done every
    DANGAN_AUDIT_ANCHOR_SECONDS by `dangan serve` and `dangan worker`)."""
    log = audit_anchor.anchor_log(ctx.settings, ctx.store)
    with ctx.uow() as uow:
        return anchor_out(audit_anchor.anchor(uow.session, log))


def _viewer(ctx: Container, session: Session, user: Principal) -> audit.AuditViewer:
    return audit.AuditViewer(username=user.username, scope=access.scope_for(
        session, username=user.username, role=user.role, clearance=user.clearance,
        today=ctx.today()))
