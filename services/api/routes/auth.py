"""POST /api/v1/auth/token: password login -> bearer token."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.security import OAuth2PasswordRequestForm
from starlette.concurrency import run_in_threadpool

from shared.accounts import login
from shared.views import user_out
from services.api.deps import ContainerDep, CurrentUser
from services.api.schemas import TokenOut

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])


@router.post("/token", response_model=TokenOut)
async def issue_token(ctx: ContainerDep,
                      form: Annotated[OAuth2PasswordRequestForm, Depends()]) -> TokenOut:
    def work() -> str:
        with ctx.transaction() as session:
            try:
                token, _user = login(session, username=form.username, password=form.password,
                                     hours=ctx.settings.token_hours)
            except Exception:
                session.commit()  # keep the audit record of the failed attempt
                raise
            return token

    token = await run_in_threadpool(work)
    return TokenOut(access_token=token, expires_in=ctx.settings.token_hours * 3600)


@router.get("/me")
def whoami(user: CurrentUser) -> dict:
    return user_out(user)
