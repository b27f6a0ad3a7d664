"""The audit trail: read it, and verify its hash chain."""
from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query

from shared import audit
from shared.views import chain_report_out, event_out
from services.api.deps import AuditReader, ContainerDep
from services.api.schemas import PageNumber

router = APIRouter(prefix="/api/v1/audit", tags=["audit"])


@router.get("")
def events(ctx: ContainerDep, user: AuditReader, target: str | None = None,
           actor: str | None = None, action: str | None = None,
           date_from: Annotated[date | None, Query(alias="from")] = None,
           date_to: Annotated[date | None, Query(alias="to")] = None,
           page: PageNumber = 1,
           size: Annotated[int, Query(ge=1, le=500)] = 100) -> dict:
    with ctx.uow() as uow:
        total, rows = audit.list_events(uow.session, target=target, actor=actor, action=action,
                                        date_from=date_from, date_to=date_to,
                                        offset=(page - 1) * size, limit=size)
        return {"total": total, "page": page, "size": size, "items": [event_out(e) for e in rows]}


@router.get("/verify")
def verify(ctx: ContainerDep, user: AuditReader) -> dict:
    with ctx.uow() as uow:
        report = audit.verify(uow.session)
    return chain_report_out(report)
