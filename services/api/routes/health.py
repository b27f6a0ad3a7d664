"""Liveness and readiness."""
from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

from shared.domain.errors import DanganError
from services.api.deps import ContainerDep

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz() -> dict:
    return {"status": "ok"}


@router.get("/readyz")
def readyz(request: Request, ctx: ContainerDep) -> JSONResponse:
    checks: dict[str, str] = {}
    try:
        with ctx.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as exc:  # readiness reports, it does not raise
        checks["database"] = f"unavailable: {type(exc).__name__}"
    try:
        ctx.store.check()
        checks["object_store"] = "ok"
    except DanganError as exc:
        checks["object_store"] = f"unavailable: {exc.message}"
    try:
        request.app.state.index.check()
        checks["search"] = "ok"
    except DanganError as exc:
        checks["search"] = f"unavailable: {exc.message}"
    ready = all(v == "ok" for v in checks.values())
    return JSONResponse({"status": "ready" if ready else "unavailable", "checks": checks},
                        200 if ready else 503)
