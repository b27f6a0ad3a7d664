"""Completeness (齐全率, SPEC §2) on the page: the archive's report of
``GET /api/v1/completeness`` — the rate of complete customer files by kind,
grade and department, and each customer with the record types it lacks —
counted over what the caller may see, with its CSV and XLSX downloads."""
from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from shared.bootstrap import Container
from shared.completeness import CustomerFilter, completeness
from shared.completeness_export import to_csv, to_xlsx
from shared.domain.permissions import Action
from services.api import viewer
from services.api.deps import ContainerDep, Principal
from services.api.schemas import PageNumber
from services.api.web.render import WebRoute, render
from services.api.web.session import web_permit

router = APIRouter(route_class=WebRoute, include_in_schema=False)
ReportsReader = Annotated[Principal, Depends(web_permit(Action.REPORTS_READ))]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PAGE_SIZE = 50
# the rate tables, in the order shown: (measure, the labels group of its keys)
MEASURES = (("kind", "kind"), ("grade", "grade"), ("department", None))

Code = Annotated[str, Query(max_length=64)]
Kind = Annotated[str, Query(pattern="^(company|individual|government|partner|)$")]
Grade = Annotated[str, Query(pattern="^[ABC]?$")]
Shown = Annotated[str, Query(pattern="^(incomplete|complete|reinvestigate|)$")]


def _report(ctx: Container, user: Principal, flt: CustomerFilter) -> dict[str, Any]:
    with ctx.uow() as uow:
        return completeness(uow.session, checklist=ctx.checklist, today=ctx.today(),
                            scope=viewer.scope(uow.session, ctx, user), flt=flt)


def _filter(customer: str, kind: str, grade: str) -> CustomerFilter:
    return CustomerFilter(customer=customer.strip() or None, kind=kind or None, grade=grade or None)


def shown_customers(items: list[dict[str, Any]], shown: str) -> list[dict[str, Any]]:
    """The customers the page lists: all, the incomplete or complete ones, or
    those to re-investigate; the rates always cover every filtered customer."""
    if shown == "incomplete":
        return [c for c in items if not c["complete"]]
    if shown == "complete":
        return [c for c in items if c["complete"]]
    if shown == "reinvestigate":
        return [c for c in items if c["reinvestigate"]]
    return items


@router.get("/completeness")
async def completeness_page(request: Request, ctx: ContainerDep, user: ReportsReader,
                            customer: Code = "", kind: Kind = "", grade: Grade = "",
                            shown: Shown = "", page: PageNumber = 1) -> Response:
    figures = await run_in_threadpool(_report, ctx, user, _filter(customer, kind, grade))
    listed = shown_customers(figures["customers"], shown)
    start = (page - 1) * PAGE_SIZE
    return render(request, "completeness.html", user=user, rates=figures["rates"],
                  measures=MEASURES, customers=listed[start:start + PAGE_SIZE], total=len(listed),
                  page=page, size=PAGE_SIZE,
                  filters={"customer": customer.strip(), "kind": kind, "grade": grade,
                           "shown": shown},
                  exports=urlencode({k: v for k, v in (("customer", customer.strip()),
                                                       ("kind", kind), ("grade", grade)) if v}))


@router.get("/completeness.csv")
async def completeness_csv(ctx: ContainerDep, user: ReportsReader, customer: Code = "",
                           kind: Kind = "", grade: Grade = "") -> Response:
    figures = await run_in_threadpool(_report, ctx, user, _filter(customer, kind, grade))
    return Response(to_csv(figures), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="dangan-completeness.csv"'})


@router.get("/completeness.xlsx")
async def completeness_xlsx(ctx: ContainerDep, user: ReportsReader, customer: Code = "",
                            kind: Kind = "", grade: Grade = "") -> Response:
    figures = await run_in_threadpool(_report, ctx, user, _filter(customer, kind, grade))
    return Response(await run_in_threadpool(to_xlsx, figures), media_type=XLSX,
                    headers={"Content-Disposition": 'attachment; filename="dangan-completeness.xlsx"'})
