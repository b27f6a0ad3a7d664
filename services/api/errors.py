"""Domain errors -> HTTP, in one place. Every error body is
``{"error": {"code", "message", "detail"}}``."""
from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from shared.domain import errors as e

log = logging.getLogger(__name__)

# most specific first
STATUS: list[tuple[type[e.DanganError], int]] = [
    (e.TooLarge, 413),
    (e.UnsupportedMedia, 415),
    (e.Refused, 422),
    (e.InvalidInput, 422),
    (e.NotFound, 404),
    (e.Gone, 410),
    (e.AlreadyExists, 409),
    (e.Conflict, 409),
    (e.AuthenticationFailed, 401),
    (e.PermissionDenied, 403),
    (e.TooManyAttempts, 429),
    (e.StorageUnavailable, 503),
    (e.DatabaseUnavailable, 503),
    (e.SearchUnavailable, 503),
    (e.Unsupported, 501),
]


def error_body(code: str, message: str, detail: Any = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "detail": jsonable_encoder(detail)}}


def status_for(exc: e.DanganError) -> int:
    for kind, status in STATUS:
        if isinstance(exc, kind):
            return status
    return 500


def install(app: FastAPI) -> None:
    @app.exception_handler(e.DanganError)
    async def _domain(_request: Request, exc: e.DanganError) -> JSONResponse:
        status = status_for(exc)
        if status >= 500:
            log.error("%s: %s (%s)", exc.code, exc.message, exc.detail)
        headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
        if status == 503:
            headers = {"Retry-After": "5"}
        if isinstance(exc, e.TooManyAttempts):
            headers = {"Retry-After": str(exc.retry_after)}
        return JSONResponse(error_body(exc.code, exc.message, exc.detail), status, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(_request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [
            {"field": ".".join(str(p) for p in err.get("loc", ())[1:]), "problem": err.get("msg")}
            for err in exc.errors()
        ]
        names = ", ".join(p["field"] or "body" for p in problems)
        return JSONResponse(error_body("invalid_request", f"invalid fields: {names}", problems), 422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        code = {404: "not_found", 405: "method_not_allowed", 401: "not_authenticated"}.get(
            exc.status_code, "http_error")
        if _wants_page(request):  # an address typed into the browser: the page's own answer
            from services.api.web.render import error_page

            return await error_page(request, e.DanganError(str(exc.detail), code=code),
                                    status=exc.status_code)
        return JSONResponse(error_body(code, str(exc.detail)), exc.status_code,
                            headers=getattr(exc, "headers", None))


def _wants_page(request: Request) -> bool:
    path = request.url.path
    return (not path.startswith(("/api/", "/static/", "/healthz", "/readyz", "/metrics"))
            and "text/html" in request.headers.get("accept", ""))
