"""Bounds on request bodies that are not uploads. FastAPI reads a JSON or form
body whole before any dependency runs — before the bearer token is checked —
so without a bound an anonymous client could make the server hold any amount
(and a form's file part is spooled to /tmp without limit). Uploads have their
own streaming reader with its own limits (services/api/multipart.py).

JSON text can also carry lone surrogates (``"\\ud800"``): Python parses them,
but no database stores them and no response can encode them, so such a body
is refused here, once, for every route."""
from __future__ import annotations

import json
import re

from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.api.errors import error_body

MAX_BODY = 1024 * 1024
# the routes that stream a file (the API's and the page's), bounded by the upload limit instead
UPLOAD_ROUTE = re.compile(r"^(/api/v1)?/documents(/[^/]+/versions)?/?$|^/upload/?$")


class BodyLimits:
    def __init__(self, app: ASGIApp, *, max_body: int = MAX_BODY) -> None:
        self.app = app
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS") or (
                scope["method"] == "POST" and UPLOAD_ROUTE.match(scope["path"])):
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length", b"").strip()
        if declared.isdigit() and int(declared) > self.max_body:
            await self._too_large(scope, receive, send)
            return
        body, complete = await self._read(receive)
        if not complete:
            await self._too_large(scope, receive, send)
            return
        if b"json" in headers.get(b"content-type", b"") and not _encodable(body):
            await JSONResponse(error_body(
                "invalid_request", "the body holds text that is not valid Unicode "
                "(a lone surrogate escape such as \\ud800)"), 422)(scope, receive, send)
            return
        await self.app(scope, _replay(body), send)

    async def _read(self, receive: Receive) -> tuple[bytes, bool]:
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return b"".join(chunks), True
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body:
                return b"", False
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks), True

    async def _too_large(self, scope: Scope, receive: Receive, send: Send) -> None:
        await JSONResponse(error_body("request_too_large",
                                      f"the request body is over {self.max_body} bytes",
                                      {"limit": self.max_body}), 413)(scope, receive, send)


def _encodable(body: bytes) -> bool:
    try:
        json.dumps(json.loads(body), ensure_ascii=False).encode("utf-8")
    except UnicodeError:  # before ValueError, of which it is a kind
        return False
    except (ValueError, RecursionError):
        return True  # not JSON at all: the route's own validation answers that
    return True


def _replay(body: bytes) -> Receive:
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return receive
