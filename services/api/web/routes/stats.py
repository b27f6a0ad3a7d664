"""Statistics (档案统计) on the page: the figures of ``GET /api/v1/stats``,
counted over what the caller may see, as SVG bar charts, and as CSV and XLSX."""
from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from babel.dates import format_skeleton
from fastapi import APIRouter, Depends, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from shared.bootstrap import Container
from shared.domain.permissions import Action
from shared.stats import statistics
from shared.stats_export import to_csv, to_xlsx
from services.api import viewer
from services.api.deps import ContainerDep, Principal
from services.api.web.charts import Chart, bar_chart
from services.api.web.i18n import N_, Translator
from services.api.web.labels import label
from services.api.web.render import WebRoute, render, translator_of
from services.api.web.session import web_permit

router = APIRouter(route_class=WebRoute, include_in_schema=False)
ReportsReader = Annotated[Principal, Depends(web_permit(Action.REPORTS_READ))]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
NO_VALUE = "none"  # how shared.stats names a group without a value (a record without a date)

# (section, measure) -> the chart's title, what its rows are, the labels group of its keys
HOLDINGS = (
    ("type", N_("Holdings by record type"), N_("Record type"), "type"),
    ("year", N_("Holdings by year"), N_("Year"), None),
    ("term", N_("Holdings by retention term"), N_("Retention term"), "term"),
    ("secrecy", N_("Holdings by secrecy level"), N_("Secrecy level"), "secrecy"),
    ("customer_grade", N_("Holdings by customer grade"), N_("Customer grade"), "grade"),
    ("status", N_("Records by status"), N_("Status"), "status"),
)
ACTIVITY = (
    ("ingests", N_("Records archived per month")),
    ("views", N_("Views per month")),
    ("downloads", N_("Downloads per month")),
    ("access_requests", N_("Access requests per month")),
)
RETENTION = (
    ("due", N_("Due for appraisal, by year of retain until")),
    ("destroyed", N_("Destroyed per year")),
)


def _figures(ctx: Container, user: Principal) -> dict[str, Any]:
    with ctx.uow() as uow:
        return statistics(uow.session, viewer.scope(uow.session, ctx, user))


def _key_name(tr: Translator, key: str, group: str | None) -> str:
    if key == NO_VALUE:
        return tr.gettext(N_("No value"))
    return label(tr, group, key) if group else key


def _month(tr: Translator, key: str) -> str:
    try:
        year, month = key.split("-")
        return format_skeleton("yMMM", date(int(year), int(month), 1), locale=tr.locale)
    except ValueError:
        return key


def charts(tr: Translator, figures: dict[str, Any]) -> dict[str, list[Chart]]:
    """The page's charts, by section, with every name and number in the page's language."""
    count = tr.gettext(N_("Number of records"))

    def chart(title: str, rows: str, items: list[tuple[str, int]], axis: str = count) -> Chart:
        return bar_chart(title=tr.gettext(title), items=items, axis_label=axis,
                         category_label=tr.gettext(rows), number=tr.number)

    holdings = figures["holdings"]
    activity = figures["activity_per_month"]
    retention = figures["retention_per_year"]
    events = tr.gettext(N_("Number of events"))
    return {
        "holdings": [chart(title, rows, [(_key_name(tr, k, group), n)
                                         for k, n in holdings.get(measure, {}).items()])
                     for measure, title, rows, group in HOLDINGS],
        "activity": [chart(title, N_("Month"), [(_month(tr, k), n)
                                                for k, n in activity.get(measure, {}).items()],
                           axis=events)
                     for measure, title in ACTIVITY],
        "retention": [chart(title, N_("Year"), [(_key_name(tr, k, None), n)
                                                for k, n in retention.get(measure, {}).items()])
                      for measure, title in RETENTION],
    }


@router.get("/stats")
async def stats_page(request: Request, ctx: ContainerDep, user: ReportsReader,
                     format: Annotated[str, Query(pattern="^(html|csv|xlsx)$")] = "html") -> Response:
    if format != "html":
        return await _download(ctx, user, format)
    figures = await run_in_threadpool(_figures, ctx, user)
    return render(request, "stats.html", user=user, charts=charts(translator_of(request), figures))


@router.get("/stats.csv")
async def stats_csv(ctx: ContainerDep, user: ReportsReader) -> Response:
    return await _download(ctx, user, "csv")


@router.get("/stats.xlsx")
async def stats_xlsx(ctx: ContainerDep, user: ReportsReader) -> Response:
    return await _download(ctx, user, "xlsx")


async def _download(ctx: Container, user: Principal, format: str) -> Response:
    figures = await run_in_threadpool(_figures, ctx, user)
    if format == "csv":
        return Response(to_csv(figures), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": 'attachment; filename="dangan-stats.csv"'})
    return Response(await run_in_threadpool(to_xlsx, figures), media_type=XLSX,
                    headers={"Content-Disposition": 'attachment; filename="dangan-stats.xlsx"'})
