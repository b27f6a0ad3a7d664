"""POST /api/v1/auth/token: password login -> bearer token; /logout; /me."""
from __future__ import annotations

import asyncio
import random
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.security import OAuth2PasswordRequestForm
from starlette.concurrency import run_in_threadpool

from shared import accounts
from shared.accounts import LoginAttempt
from shared.bootstrap import Container
from shared.domain.errors import AuthenticationFailed, TooManyAttempts
from shared.domain.throttle import LoginThrottle
from shared.views import user_out
from services.api.deps import BearerToken, ContainerDep, CurrentUser, LoginLaneDep
from services.api.schemas import TokenOut

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])

REFUSALS: dict[int | str, dict[str, Any]] = {
    401: {"description": "wrong username or password (also for a disabled or removed user)"},
    429: {"description": "too many failed logins for this username or from this address, "
                         "or too many logins at once; see Retry-After"},
}


@router.post("/token", response_model=TokenOut, responses=REFUSALS)
async def issue_token(ctx: ContainerDep, lane: LoginLaneDep, request: Request,
                      form: Annotated[OAuth2PasswordRequestForm, Depends()]) -> TokenOut:
    attempt = LoginAttempt(username=form.username,
                           address=request.client.host if request.client else "-")
    throttle = accounts.login_throttle(ctx.settings)
    try:
        async with lane.admitted():
            password_hash = await lane.database(_before_hashing, ctx, attempt, throttle)
            matched = await lane.hash(accounts.password_matches, password_hash, form.password)
            token = await lane.database(_conclude, ctx, attempt, matched, throttle)
    except TooManyAttempts:
        # held back, costing nothing but a timer: a client that keeps N attempts
        # in flight is refused N times a second at most, not as fast as we can
        # answer; the jitter keeps N refused together from coming back together
        await asyncio.sleep(ctx.settings.login_refusal_pause_seconds * random.uniform(0.5, 1.5))
        raise
    return TokenOut(access_token=token, expires_in=ctx.settings.token_hours * 3600)


@router.post("/logout", status_code=204, response_class=Response,
             responses={401: {"description": "the token is missing, unknown or expired"}})
async def logout(ctx: ContainerDep, token: BearerToken) -> Response:
    """Revoke the token of this request; it answers 401 from now on."""

    def work() -> None:
        with ctx.transaction() as session:
            accounts.logout(session, token=token)

    await run_in_threadpool(work)
    return Response(status_code=204)


@router.get("/me")
def whoami(user: CurrentUser) -> dict:
    return user_out(user)


def _before_hashing(ctx: Container, attempt: LoginAttempt, throttle: LoginThrottle) -> str:
    """A locked attempt is refused here, before any hashing, with nothing written."""
    with ctx.uow() as uow:
        accounts.check_throttle(uow.session, attempt=attempt, throttle=throttle,
                                now=datetime.now(UTC))
        return accounts.stored_hash(uow.session, attempt.username)


def _conclude(ctx: Container, attempt: LoginAttempt, matched: bool, throttle: LoginThrottle) -> str:
    with ctx.transaction() as session:
        try:
            return accounts.conclude_login(session, attempt=attempt, matched=matched,
                                           throttle=throttle, now=datetime.now(UTC),
                                           hours=ctx.settings.token_hours)
        except AuthenticationFailed:
            session.commit()  # keep the failure's count and audit record
            raise
