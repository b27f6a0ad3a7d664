"""create_app(settings) -> the FastAPI application. Nothing is built at import."""
from __future__ import annotations

from fastapi import FastAPI

from shared.bootstrap import Container, build
from shared.config import Settings
from services.api import errors
from services.api.body_limits import BodyLimits
from services.api.routes import (
    access,
    audit,
    auth,
    customers,
    destruction,
    documents,
    health,
    jobs,
    metrics,
    retention,
    search,
    stats,
)
from services.search import SearchIndex, build_index


def create_app(settings: Settings | None = None, *, container: Container | None = None,
               index: SearchIndex | None = None) -> FastAPI:
    container = container or build(settings or Settings())
    app = FastAPI(
        title="Dangan 档案",
        version="0.1.0",
        description="A records archive for customer files on object storage.",
    )
    app.state.container = container
    app.state.index = index or build_index(container.settings)
    app.state.metrics = metrics.registry_for(container)
    errors.install(app)
    app.add_middleware(BodyLimits)
    for module in (health, auth, customers, documents, search, jobs, retention, destruction,
                   audit, access, metrics, stats):
        app.include_router(module.router)
    return app
