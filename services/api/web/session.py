"""Who is using the page: a session cookie, apart from the API's bearer tokens
(a session is a token of kind ``session``: the API refuses it as a bearer
token, and the page refuses a bearer token as a session), and the CSRF check
every form passes."""
from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request, Response
from starlette.concurrency import run_in_threadpool

from shared.accounts import user_for_token
from shared.bootstrap import Container
from shared.domain.errors import AuthenticationFailed, DanganError, PermissionDenied
from shared.domain.permissions import Action, allows
from services.api.deps import Principal

COOKIE = "dangan_session"
LOGIN_COOKIE = "dangan_login"  # the login form's own CSRF secret, before any session exists
CSRF_FIELD = "csrf"
CSRF_HEADER = "x-csrf-token"


class LoginRequired(DanganError):
    """No valid session: the page sends the user to the login form."""

    code = "login_required"


class CsrfRefused(PermissionDenied):
    code = "csrf_refused"


def session_token(request: Request) -> str | None:
    return request.cookies.get(COOKIE) or None


def csrf_of(secret: str) -> str:
    """The CSRF token that goes with a session (or a login form's secret): derived
    from it, so nothing more is stored, and unguessable without the cookie."""
    return hashlib.sha256(f"dangan-csrf:{secret}".encode()).hexdigest()


def csrf_matches(secret: str | None, sent: str | None) -> bool:
    return bool(secret and sent) and hmac.compare_digest(csrf_of(secret or ""), sent or "")


def _lookup(ctx: Container, token: str) -> Principal:
    with ctx.reading() as uow:
        user = user_for_token(uow.session, token, kind="session")
        return Principal(user.id, user.username, user.role, user.clearance)


async def optional_user(request: Request) -> Principal | None:
    token = session_token(request)
    if token is None:
        return None
    try:
        return await run_in_threadpool(_lookup, request.app.state.container, token)
    except AuthenticationFailed:
        return None


async def web_user(request: Request) -> Principal:
    user = await optional_user(request)
    if user is None:
        raise LoginRequired("please sign in")
    return user


WebUser = Annotated[Principal, Depends(web_user)]
MaybeUser = Annotated[Principal | None, Depends(optional_user)]


def require(user: Principal, action: Action) -> None:
    if not allows(user.role, action):
        raise PermissionDenied(f"the {user.role} role may not {action.value}", code="forbidden",
                               detail={"role": user.role, "action": action.value})


def web_permit(action: Action) -> Callable[[Principal], Awaitable[Principal]]:
    """A dependency: the signed-in user, if their role may do ``action``."""

    async def check(user: WebUser) -> Principal:
        require(user, action)
        return user

    return check


async def check_csrf(request: Request, sent: str | None = None) -> None:
    """Refuses (403 csrf_refused) a state-changing request that does not carry
    its session's CSRF token, in the form field ``csrf`` or the X-CSRF-Token
    header. A form is read once and kept by Starlette for the route."""
    if sent is None:
        sent = request.headers.get(CSRF_HEADER)
    if sent is None and request.headers.get("content-type", "").startswith(
            "application/x-www-form-urlencoded"):
        value = (await request.form()).get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    if not csrf_matches(session_token(request), sent):
        raise CsrfRefused("the form has expired or did not come from this page; reload and try again")


Csrf = Depends(check_csrf)


def secure_cookies(request: Request) -> bool:
    """Secure cookies behind TLS (a proxy that says so with X-Forwarded-Proto too)."""
    forwarded = request.headers.get("x-forwarded-proto", "").split(",")[0].strip()
    return request.url.scheme == "https" or forwarded == "https"


def set_cookie(response: Response, request: Request, name: str, value: str, *,
               max_age: int | None = None, http_only: bool = True) -> None:
    response.set_cookie(name, value, max_age=max_age, path="/", httponly=http_only,
                        samesite="lax", secure=secure_cookies(request))


def new_login_secret() -> str:
    return secrets.token_urlsafe(24)
