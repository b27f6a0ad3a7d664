"""Pages from Jinja2 templates, in the caller's language, and the route class
every page route uses: a domain error becomes a translated error page (or, on
a page that needs a session, the login form), never the API's JSON."""
from __future__ import annotations

import json
from collections.abc import Callable, Coroutine
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.routing import APIRoute
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from shared.domain.errors import DanganError, TooManyAttempts
from shared.domain.permissions import Action, allows
from services.api.deps import Principal
from services.api.errors import status_for
from services.api.web import i18n, labels
from services.api.web.messages_of_errors import message_for
from services.api.web.session import LOGIN_COOKIE, LoginRequired, csrf_of, optional_user, session_token

TEMPLATES = Path(__file__).parent / "templates"
FLASH_COOKIE = "dangan_flash"


@lru_cache
def environment() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(default=True),
                      undefined=StrictUndefined, extensions=["jinja2.ext.i18n"],
                      trim_blocks=True, lstrip_blocks=True)
    # texts are translated per page, by the caller's language (render's context)
    env.install_null_translations(newstyle=True)  # type: ignore[attr-defined]
    return env


def language_of(request: Request) -> str:
    return i18n.pick(request.cookies.get(i18n.COOKIE))


def translator_of(request: Request) -> i18n.Translator:
    return i18n.translator(language_of(request))


def safe_next(target: str | None) -> str:
    """A place inside this site to go back to: a path, never another host."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def here(request: Request) -> str:
    return request.url.path + (f"?{request.url.query}" if request.url.query else "")


def url_with(request: Request, **changes: Any) -> str:
    """This page's URL with some query parameters changed (None removes one),
    for filters, sorting and pagination that keep the rest of the query."""
    params = [(k, v) for k, v in request.query_params.multi_items() if k not in changes]
    for key, value in changes.items():
        if value is None or value == "":
            continue
        for one in value if isinstance(value, list | tuple) else [value]:
            params.append((key, str(one)))
    return request.url.path + (f"?{urlencode(params)}" if params else "")


def render(request: Request, template: str, *, user: Principal | None = None, status: int = 200,
           headers: dict[str, str] | None = None, **context: Any) -> HTMLResponse:
    tr = translator_of(request)
    flashes = _flashes(request)
    secret = session_token(request) if user is not None else request.cookies.get(LOGIN_COOKIE)
    page = environment().get_template(template).render(
        request=request, user=user, lang=tr.language, tr=tr,
        gettext=tr.gettext, ngettext=tr.ngettext, _=tr.gettext,
        csrf=csrf_of(secret) if secret else "",
        can=lambda action: user is not None and allows(user.role, Action(action)),
        url_with=lambda **changes: url_with(request, **changes), here=here(request),
        error_message=lambda exc: message_for(exc, tr),
        label=lambda group, value: labels.label(tr, group, value),
        options=lambda group: labels.options(tr, group),
        role_name=lambda role: labels.label(tr, "role", role),
        flashes=[(kind, _filled(tr.gettext(text), params)) for kind, text, params in flashes],
        **context)
    response = HTMLResponse(page, status_code=status, headers=headers)
    if flashes:
        response.delete_cookie(FLASH_COOKIE, path="/")
    return response


def flash(response: Response, kind: str, text: str, **params: Any) -> Response:
    """A message for the next page shown (after a form's redirect): ``text`` is
    an English text marked with N_, translated when shown; ``kind`` is
    "ok" or "error"."""
    response.set_cookie(FLASH_COOKIE, json.dumps([[kind, text, {k: str(v) for k, v in params.items()}]]),
                        max_age=120, path="/", httponly=True, samesite="lax")
    return response


def _filled(text: str, params: dict[str, str]) -> str:
    try:
        return text.format_map(params)
    except (KeyError, ValueError, AttributeError, IndexError):
        return text


def _flashes(request: Request) -> list[tuple[str, str, dict[str, str]]]:
    raw = request.cookies.get(FLASH_COOKIE)
    if not raw:
        return []
    try:
        return [(str(kind), str(text), {str(k): str(v) for k, v in dict(params).items()})
                for kind, text, params in json.loads(raw)][:5]
    except (ValueError, TypeError):
        return []


def login_redirect(request: Request) -> RedirectResponse:
    return RedirectResponse("/login?" + urlencode({"next": here(request)}), status_code=303)


class WebRoute(APIRoute):
    """A page route: errors are answered as pages in the user's language."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def answer(request: Request) -> Response:
            try:
                return await handler(request)
            except LoginRequired:
                return login_redirect(request)
            except DanganError as exc:
                return await error_page(request, exc)
            except RequestValidationError as exc:
                return await error_page(request, DanganError(
                    "the address holds a value this page cannot take", code="invalid_input",
                    detail={"errors": exc.errors()}), status=422)

        return answer


async def error_page(request: Request, exc: DanganError, *, status: int | None = None) -> HTMLResponse:
    headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, TooManyAttempts) else None
    return render(request, "error.html", user=await optional_user(request), error=exc,
                  status=status or status_for(exc), headers=headers)
