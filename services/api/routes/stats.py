"""GET /api/v1/stats: the archive's statistics as JSON, CSV or XLSX."""
from __future__ import annotations

import csv
import io
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response

from shared.stats import rows, statistics
from services.api.deps import ContainerDep, ReportsReader

router = APIRouter(prefix="/api/v1", tags=["stats"])
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def to_csv(stats: dict) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["section", "measure", "key", "count"])
    writer.writerows(rows(stats))
    return buffer.getvalue().encode("utf-8-sig")  # the BOM lets spreadsheet programs read Chinese


def to_xlsx(stats: dict) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    for section, measures in stats.items():
        sheet = book.create_sheet(section[:31])
        sheet.append(["measure", "key", "count"])
        for measure, counts in measures.items():
            for key, count in counts.items():
                sheet.append([measure, key, count])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@router.get("/stats", response_model=None)
def stats(ctx: ContainerDep, user: ReportsReader,
          format: Annotated[str, Query(pattern="^(json|csv|xlsx)$")] = "json") -> dict | Response:
    with ctx.uow() as uow:
        figures = statistics(uow.session)
    if format == "csv":
        return Response(to_csv(figures), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": 'attachment; filename="dangan-stats.csv"'})
    if format == "xlsx":
        return Response(to_xlsx(figures), media_type=XLSX,
                        headers={"Content-Disposition": 'attachment; filename="dangan-stats.xlsx"'})
    return figures
