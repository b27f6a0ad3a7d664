"""/docs (Swagger UI) and /redoc (ReDoc) from files in the installed packages
(fastapi-offline carries both), so the API documentation opens on an intranet
with no internet: no CDN, no web fonts."""
from __future__ import annotations

from pathlib import Path

import fastapi_offline
from fastapi import APIRouter, FastAPI
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

VENDOR = Path(fastapi_offline.__file__).parent / "static"

router = APIRouter(include_in_schema=False)

SWAGGER = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Dangan 档案 — API</title>
<link rel="stylesheet" href="/static/vendor/swagger-ui.css">
<link rel="icon" href="/static/favicon.svg">
</head><body>
<div id="swagger-ui"></div>
<script src="/static/vendor/swagger-ui-bundle.js"></script>
<script src="/static/docs.js"></script>
</body></html>
"""

REDOC = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Dangan 档案 — API</title>
<link rel="icon" href="/static/favicon.svg">
</head><body>
<redoc spec-url="/openapi.json"></redoc>
<script src="/static/vendor/redoc.standalone.js"></script>
</body></html>
"""


@router.get("/docs", response_class=HTMLResponse)
def swagger() -> HTMLResponse:
    return HTMLResponse(SWAGGER)


@router.get("/redoc", response_class=HTMLResponse)
def redoc() -> HTMLResponse:
    return HTMLResponse(REDOC)


def install(app: FastAPI) -> None:
    app.mount("/static/vendor", StaticFiles(directory=VENDOR), name="vendor")
    app.include_router(router)
