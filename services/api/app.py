"""create_app(settings) -> the FastAPI application. Nothing is built at import;
the archive's parts come from the composition root (services/composition.py)."""
from __future__ import annotations

from fastapi import FastAPI

from shared.config import Settings
from services.api import errors, web
from services.api.body_limits import BodyLimits
from services.api.routes import (
    access,
    audit,
    auth,
    completeness,
    customers,
    destruction,
    documents,
    handovers,
    health,
    jobs,
    metrics,
    retention,
    search,
    stats,
)
from services.composition import Archive, build_archive


def create_app(settings: Settings | None = None, *, archive: Archive | None = None) -> FastAPI:
    archive = archive or build_archive(settings or Settings())
    app = FastAPI(
        title="Dangan 档案",
        version="0.1.0",
        description="A records archive for customer files on object storage.",
        docs_url=None, redoc_url=None,  # served offline by the web page (services/api/web/docs.py)
    )
    app.state.archive = archive
    app.state.container = archive.core
    app.state.index = archive.index
    app.state.metrics = metrics.registry_for(archive.core)
    errors.install(app)
    app.add_middleware(BodyLimits)
    for module in (health, auth, customers, documents, search, jobs, retention, destruction,
                   audit, access, metrics, stats, handovers,
                   completeness):
        app.include_router(module.router)
    web.install(app)
    return app
