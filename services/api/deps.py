"""Request dependencies: the container and the authenticated user."""
from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from shared.accounts import user_for_token
from shared.bootstrap import Container
from shared.domain.errors import AuthenticationFailed, PermissionDenied
from shared.domain.permissions import Action, allows
from services.api.login_lane import LoginLane

_bearer = HTTPBearer(auto_error=False, description="token from POST /api/v1/auth/token")


async def get_container(request: Request) -> Container:  # async: no thread hop to read a field
    return request.app.state.container


ContainerDep = Annotated[Container, Depends(get_container)]


@dataclass(frozen=True)
class Principal:
    """Who is calling, as seen at the start of the request."""

    id: int
    username: str
    role: str
    clearance: int


def _lookup(ctx: Container, token: str) -> Principal:
    with ctx.reading() as uow:  # every request asks: never behind the writers
        user = user_for_token(uow.session, token)
        return Principal(user.id, user.username, user.role, user.clearance)


async def bearer_token(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> str:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise AuthenticationFailed("this route needs a bearer token (POST /api/v1/auth/token)")
    return credentials.credentials


BearerToken = Annotated[str, Depends(bearer_token)]


async def current_user(ctx: ContainerDep, token: BearerToken) -> Principal:
    # the default threadpool: logins have threads of their own (LoginLane)
    return await run_in_threadpool(_lookup, ctx, token)


CurrentUser = Annotated[Principal, Depends(current_user)]


async def login_lane(request: Request) -> LoginLane:
    """The application's threads for logins, made at its first login (async:
    on the event loop, so two first logins cannot make two)."""
    state = request.app.state
    if getattr(state, "login_lane", None) is None:
        state.login_lane = LoginLane.of(state.container.settings)
    return state.login_lane


LoginLaneDep = Annotated[LoginLane, Depends(login_lane)]


def permit(action: Action) -> Callable[[Principal], Awaitable[Principal]]:
    """A dependency: the caller, if the role × action table lets their role do ``action``."""

    async def check(user: CurrentUser) -> Principal:
        if not allows(user.role, action):
            raise PermissionDenied(f"the {user.role} role may not {action.value}", code="forbidden",
                                   detail={"role": user.role, "action": action.value})
        return user

    return check


Uploader = Annotated[Principal, Depends(permit(Action.DOCUMENT_UPLOAD))]
Reader = Annotated[Principal, Depends(permit(Action.DOCUMENT_READ))]
CustomerReader = Annotated[Principal, Depends(permit(Action.CUSTOMER_READ))]
CustomerManager = Annotated[Principal, Depends(permit(Action.CUSTOMER_MANAGE))]
RetentionReader = Annotated[Principal, Depends(permit(Action.RETENTION_READ))]
RetentionManager = Annotated[Principal, Depends(permit(Action.RETENTION_MANAGE))]
Approver = Annotated[Principal, Depends(permit(Action.DESTRUCTION_APPROVE))]
AuditReader = Annotated[Principal, Depends(permit(Action.AUDIT_READ))]
AuditAnchorer = Annotated[Principal, Depends(permit(Action.AUDIT_ANCHOR))]
JobsManager = Annotated[Principal, Depends(permit(Action.JOBS_MANAGE))]
AccessRequester = Annotated[Principal, Depends(permit(Action.ACCESS_REQUEST))]
AccessApprover = Annotated[Principal, Depends(permit(Action.ACCESS_APPROVE))]
ReportsReader = Annotated[Principal, Depends(permit(Action.REPORTS_READ))]
