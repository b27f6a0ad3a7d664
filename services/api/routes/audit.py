"""The audit trail: read it, and verify its hash chain."""
from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy import func, select

from shared import audit
from shared.db.models import AuditEvent
from services.api.deps import AuditReader, ContainerDep
from services.api.schemas import PageNumber

router = APIRouter(prefix="/api/v1/audit", tags=["audit"])


def event_out(event: AuditEvent) -> dict:
    return {"id": event.id, "at": event.at, "actor": event.actor, "action": event.action,
            "target": event.target, "details": event.details, "hash": event.hash}


@router.get("")
def events(ctx: ContainerDep, user: AuditReader, target: str | None = None,
           actor: str | None = None, action: str | None = None,
           date_from: Annotated[date | None, Query(alias="from")] = None,
           date_to: Annotated[date | None, Query(alias="to")] = None,
           page: PageNumber = 1,
           size: Annotated[int, Query(ge=1, le=500)] = 100) -> dict:
    query = select(AuditEvent)
    if target:
        query = query.where(AuditEvent.target == target)
    if actor:
        query = query.where(AuditEvent.actor == actor)
    if action:
        query = query.where(AuditEvent.action == action)
    if date_from:
        query = query.where(AuditEvent.at >= datetime.combine(date_from, time.min, UTC))
    if date_to:
        query = query.where(AuditEvent.at <= datetime.combine(date_to, time.max, UTC))
    with ctx.uow() as uow:
        total = uow.session.scalar(select(func.count()).select_from(query.subquery())) or 0
        rows = uow.session.scalars(query.order_by(AuditEvent.id).offset((page - 1) * size).limit(size))
        return {"total": total, "page": page, "size": size, "items": [event_out(e) for e in rows]}


@router.get("/verify")
def verify(ctx: ContainerDep, user: AuditReader) -> dict:
    with ctx.uow() as uow:
        report = audit.verify(uow.session)
    return {"ok": report.ok, "checked": report.checked, "first_broken_id": report.first_broken_id,
            "reason": report.reason}
