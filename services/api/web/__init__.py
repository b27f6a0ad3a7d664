"""The web page (SPEC §8): server-rendered pages (Jinja2) in Chinese and
English with a little progressive JavaScript, served by the API's own
process at ``/``, with every asset in the package (it works offline)."""
from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from services.api.web import docs
from services.api.web.headers import SecurityHeaders
from services.api.web.routes import (
    access,
    auth,
    check,
    completeness,
    corrections,
    customers,
    documents,
    expiring,
    handovers,
    home,
    jobs,
    retention,
    search,
    stats,
    upload,
    users,
)

STATIC = Path(__file__).parent / "static"
AREAS = (auth, home, upload, documents, corrections, customers, search, retention, access, stats,
         completeness, expiring, handovers, jobs, check, users)


def install(app: FastAPI) -> None:
    docs.install(app)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for area in AREAS:
        app.include_router(area.router)
    app.add_middleware(SecurityHeaders)
