"""GET /api/v1/completeness (齐全率), /customers/{code}/completeness and
/expiring (到期提醒): over what the caller may see."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response

from shared.completeness import CustomerFilter, completeness, expiring
from shared.completeness_export import to_csv, to_xlsx
from services.api import viewer
from services.api.deps import ContainerDep, CustomerReader, ReportsReader

router = APIRouter(prefix="/api/v1", tags=["completeness"])
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get("/completeness", response_model=None)
def report(ctx: ContainerDep, user: ReportsReader,
           customer: Annotated[str | None, Query(max_length=64)] = None,
           kind: Annotated[str | None, Query(pattern="^(company|individual|government|partner)$")] = None,
           grade: Annotated[str | None, Query(pattern="^[ABC]$")] = None,
           format: Annotated[str, Query(pattern="^(json|csv|xlsx)$")] = "json") -> dict | Response:
    """Per customer: complete, or the record types it lacks; completeness rate by
    kind, grade and department. Counts archived and due records the caller may see."""
    with ctx.uow() as uow:
        figures = completeness(uow.session, checklist=ctx.checklist, today=ctx.today(),
                               scope=viewer.scope(uow.session, ctx, user),
                               flt=CustomerFilter(customer=customer, kind=kind, grade=grade))
    if format == "csv":
        return Response(to_csv(figures), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": 'attachment; filename="dangan-completeness.csv"'})
    if format == "xlsx":
        return Response(to_xlsx(figures), media_type=XLSX,
                        headers={"Content-Disposition": 'attachment; filename="dangan-completeness.xlsx"'})
    return figures


@router.get("/customers/{code}/completeness")
def of_customer(code: str, ctx: ContainerDep, user: CustomerReader) -> dict:
    """One customer's file: complete or what it lacks, and whether to re-investigate."""
    with ctx.uow() as uow:
        figures = completeness(uow.session, checklist=ctx.checklist, today=ctx.today(),
                               scope=viewer.scope(uow.session, ctx, user),
                               flt=CustomerFilter(customer=code))
    return figures["customers"][0]


@router.get("/expiring")
def expiring_documents(ctx: ContainerDep, user: ReportsReader,
                       within: Annotated[int, Query()] = 30,
                       customer: Annotated[str | None, Query(max_length=64)] = None) -> dict:
    """What expires within 30, 60 or 90 days and what has expired, per customer;
    customers without a current credit report are flagged ``reinvestigate``."""
    with ctx.uow() as uow:
        return expiring(uow.session, checklist=ctx.checklist, today=ctx.today(), within=within,
                        scope=viewer.scope(uow.session, ctx, user), customer=customer)
