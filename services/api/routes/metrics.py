"""GET /metrics for Prometheus: holdings by status, the job queue by kind and
state, read from the database at scrape time, so every replica reports the
same truth; plus this process's own figures."""
from __future__ import annotations

from collections.abc import Iterator

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from sqlalchemy import func, select

from shared.bootstrap import Container
from shared.completeness import expiry_gauges
from shared.db.models import Document
from shared.jobs.queue import counts

router = APIRouter(tags=["health"])


class ArchiveCollector:
    def __init__(self, ctx: Container) -> None:
        self.ctx = ctx

    def collect(self) -> Iterator[Metric]:
        documents = GaugeMetricFamily("dangan_documents", "Documents by status", labels=["status"])
        jobs = GaugeMetricFamily("dangan_jobs", "Jobs by kind and state", labels=["kind", "state"])
        with self.ctx.uow() as uow:
            rows = uow.session.execute(select(Document.status, func.count()).group_by(Document.status))
            for status, count in rows:
                documents.add_metric([status], count)
            for kind, states in counts(uow.session).items():
                for state, count in states.items():
                    jobs.add_metric([kind, state], count)
        yield documents
        yield jobs
        yield from self._expiry()

    def _expiry(self) -> Iterator[Metric]:
        """有效期, computed at scrape time over every live document (one grouped query)."""
        expiring = GaugeMetricFamily(
            "dangan_documents_expiring", "Live documents whose valid_until falls within "
            "30/60/90 days (cumulative) or has passed (expired)", labels=["window"])
        reinvestigate = GaugeMetricFamily(
            "dangan_customers_reinvestigate", "Customers without a current credit report (重新调查)")
        with self.ctx.reading() as uow:
            windows, flagged = expiry_gauges(uow.session, checklist=self.ctx.checklist,
                                             today=self.ctx.today())
        for window, count in windows.items():
            expiring.add_metric([window], count)
        reinvestigate.add_metric([], flagged)
        yield expiring
        yield reinvestigate


def registry_for(ctx: Container) -> CollectorRegistry:
    registry = CollectorRegistry()
    registry.register(ArchiveCollector(ctx))
    return registry


@router.get("/metrics", include_in_schema=False)
def metrics(request: Request) -> Response:
    registry = request.app.state.metrics
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
