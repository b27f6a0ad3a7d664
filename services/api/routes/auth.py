"""POST /api/v1/auth/token: password login -> bearer token; /logout; /me."""
from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.security import OAuth2PasswordRequestForm
from starlette.concurrency import run_in_threadpool

from shared import accounts
from shared.accounts import LoginAttempt
from shared.views import user_out
from services.api.deps import BearerToken, ContainerDep, CurrentUser, LoginLaneDep
from services.api.login_lane import log_in
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
    token = await log_in(ctx, lane, attempt, form.password, kind="api",
                         hours=ctx.settings.token_hours)
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
