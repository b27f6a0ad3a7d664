"""GET /api/v1/stats: the archive's statistics as JSON, CSV or XLSX."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response

from shared.stats import statistics
from shared.stats_export import to_csv, to_xlsx
from services.api import viewer
from services.api.deps import ContainerDep, ReportsReader

router = APIRouter(prefix="/api/v1", tags=["stats"])
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get("/stats", response_model=None)
def stats(ctx: ContainerDep, user: ReportsReader,
          format: Annotated[str, Query(pattern="^(json|csv|xlsx)$")] = "json") -> dict | Response:
    with ctx.uow() as uow:
        figures = statistics(uow.session, viewer.scope(uow.session, ctx, user))
    if format == "csv":
        return Response(to_csv(figures), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": 'attachment; filename="dangan-stats.csv"'})
    if format == "xlsx":
        return Response(to_xlsx(figures), media_type=XLSX,
                        headers={"Content-Disposition": 'attachment; filename="dangan-stats.xlsx"'})
    return figures
