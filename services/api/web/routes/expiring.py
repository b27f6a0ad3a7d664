"""The expiry reminder (到期提醒, SPEC §2) on the page: what ``GET
/api/v1/expiring`` answers — the records whose validity (有效期) ends within
30, 60 or 90 days or has ended, per customer, and the customers flagged for
re-investigation (重新调查) — over what the caller may see."""
from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from shared.bootstrap import Container
from shared.completeness import expiring
from shared.db.models import Customer
from shared.domain.permissions import Action
from shared.domain.validity import WINDOWS
from services.api import viewer
from services.api.deps import ContainerDep, Principal
from services.api.web.render import WebRoute, render
from services.api.web.session import web_permit

router = APIRouter(route_class=WebRoute, include_in_schema=False)
ReportsReader = Annotated[Principal, Depends(web_permit(Action.REPORTS_READ))]


def _reminder(ctx: Container, user: Principal, within: int, customer: str | None) -> dict[str, Any]:
    """The reminder, each customer with its name for the page."""
    with ctx.uow() as uow:
        found = expiring(uow.session, checklist=ctx.checklist, today=ctx.today(), within=within,
                         scope=viewer.scope(uow.session, ctx, user), customer=customer)
        codes = [c["customer"] for c in found["customers"] if c["customer"]]
        names = {code: name for code, name in uow.session.execute(
            select(Customer.code, Customer.name).where(Customer.code.in_(codes)))} if codes else {}
    found["customers"] = [{**c, "name": names.get(c["customer"])} for c in found["customers"]]
    return found


@router.get("/expiring")
async def expiring_page(request: Request, ctx: ContainerDep, user: ReportsReader,
                        within: Annotated[int, Query()] = WINDOWS[0],
                        customer: Annotated[str, Query(max_length=64)] = "") -> Response:
    found = await run_in_threadpool(_reminder, ctx, user, within, customer.strip() or None)
    rows = found["customers"]
    return render(request, "expiring.html", user=user, found=found, windows=WINDOWS,
                  within=within, customer=customer.strip(),
                  expired=sum(len(c["expired"]) for c in rows),
                  soon=sum(len(c["expiring"]) for c in rows),
                  flagged=[c for c in rows if c["reinvestigate"]],
                  listed=[c for c in rows if c["expired"] or c["expiring"]])
