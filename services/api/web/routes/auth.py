"""Signing in and out of the page, and its language."""
from __future__ import annotations

import contextlib
from typing import Annotated

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool

from shared import accounts
from shared.accounts import LoginAttempt
from shared.domain.errors import AuthenticationFailed, TooManyAttempts
from services.api.deps import ContainerDep, LoginLaneDep
from services.api.login_lane import log_in
from services.api.web import i18n
from services.api.web.render import WebRoute, render, safe_next
from services.api.web.session import (
    COOKIE,
    LOGIN_COOKIE,
    Csrf,
    CsrfRefused,
    MaybeUser,
    csrf_matches,
    new_login_secret,
    session_token,
    set_cookie,
)

router = APIRouter(route_class=WebRoute, include_in_schema=False)


@router.get("/login")
def login_form(request: Request, user: MaybeUser, next: str = "/") -> Response:
    if user is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return _form(request, next=safe_next(next))


@router.post("/login")
async def login(request: Request, ctx: ContainerDep, lane: LoginLaneDep,
                username: Annotated[str, Form()] = "", password: Annotated[str, Form()] = "",
                csrf: Annotated[str, Form()] = "", next: Annotated[str, Form()] = "/") -> Response:
    target = safe_next(next)
    if not csrf_matches(request.cookies.get(LOGIN_COOKIE), csrf):
        return _form(request, next=target, username=username, status=403,
                     error=CsrfRefused("the sign-in form has expired"))
    attempt = LoginAttempt(username=username, address=request.client.host if request.client else "-")
    try:
        token = await log_in(ctx, lane, attempt, password, kind="session",
                             hours=ctx.settings.session_hours)
    except TooManyAttempts as exc:
        return _form(request, next=target, username=username, error=exc, status=429,
                     headers={"Retry-After": str(exc.retry_after)})
    except AuthenticationFailed as exc:
        return _form(request, next=target, username=username, error=exc, status=401)
    response = RedirectResponse(target, status_code=303)
    set_cookie(response, request, COOKIE, token, max_age=ctx.settings.session_hours * 3600)
    response.delete_cookie(LOGIN_COOKIE, path="/")
    return response


@router.post("/logout", dependencies=[Csrf])
async def logout(request: Request, ctx: ContainerDep) -> Response:
    token = session_token(request)

    def work() -> None:
        # a session already ended: signing out again is not an error
        with ctx.transaction() as session, contextlib.suppress(AuthenticationFailed):
            accounts.logout(session, token=token or "", kind="session")

    await run_in_threadpool(work)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response


@router.get("/lang/{language}")
def choose_language(language: str, request: Request, next: str = "/") -> Response:
    """Switch the page's language and remember it (a year, in a cookie)."""
    response = RedirectResponse(safe_next(next), status_code=303)
    set_cookie(response, request, i18n.COOKIE, i18n.pick(language), max_age=365 * 86400)
    return response


def _form(request: Request, *, next: str, username: str = "", status: int = 200,
          error: Exception | None = None, headers: dict[str, str] | None = None) -> Response:
    secret = request.cookies.get(LOGIN_COOKIE) or new_login_secret()
    request.cookies[LOGIN_COOKIE] = secret  # the form below carries this secret's token
    response = render(request, "login.html", next=next, username=username, error=error,
                      status=status, headers=headers)
    set_cookie(response, request, LOGIN_COOKIE, secret, max_age=3600)
    return response
