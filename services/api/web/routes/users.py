"""Users on the page, for the administrator: list, add, change role and
clearance, disable and enable, set a new password, remove (a soft delete) —
through shared.accounts, as ``dangan users`` does, each change audited there."""
from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from shared import accounts
from shared.bootstrap import Container
from shared.db.models import User
from shared.domain.errors import DanganError, InvalidInput
from shared.domain.permissions import Action
from services.api.deps import ContainerDep, Principal
from services.api.errors import status_for
from services.api.web.i18n import N_
from services.api.web.render import WebRoute, flash, render, translator_of
from services.api.web.session import Csrf, web_permit

router = APIRouter(route_class=WebRoute, include_in_schema=False)
UsersManager = Annotated[Principal, Depends(web_permit(Action.USERS_MANAGE))]
Text = Annotated[str, Form()]
CLEARANCES = (("1", N_("1 (sees every secrecy level)")), ("2", N_("2 (levels 2 and 3)")),
              ("3", N_("3 (ordinary records only)")))


def _rows(ctx: Container) -> list[dict[str, Any]]:
    with ctx.uow() as uow:
        return [{"username": u.username, "role": u.role, "clearance": u.clearance,
                 "active": u.active, "created_at": u.created_at}
                for u in accounts.list_users(uow.session)]


async def _page(request: Request, ctx: Container, user: Principal, *, error: DanganError | None = None,
                entered: dict[str, Any] | None = None, status: int = 200) -> Response:
    rows = await run_in_threadpool(_rows, ctx)
    tr = translator_of(request)
    return render(request, "users/list.html", user=user, users=rows,
                  clearances=[(value, tr.gettext(text)) for value, text in CLEARANCES],
                  error=error, entered=entered or {"role": "staff", "clearance": "3"},
                  status=status)


@router.get("/users")
async def users_page(request: Request, ctx: ContainerDep, user: UsersManager) -> Response:
    return await _page(request, ctx, user)


def _same(password: str, again: str) -> None:
    if password != again:
        raise InvalidInput("the two passwords differ", code="passwords_differ")


@router.post("/users/add", dependencies=[Csrf])
async def add(request: Request, ctx: ContainerDep, user: UsersManager, username: Text = "",
              role: Text = "", clearance: Text = "", password: Text = "",
              password_again: Text = "") -> Response:
    entered = {"username": username, "role": role, "clearance": clearance}

    def change(session: Session) -> User:
        _same(password, password_again)
        return accounts.add_user(session, username=username, role=role, clearance=_level(clearance),
                                 password=password, actor=user.username)

    return await _apply(request, ctx, user, change, N_("User {name} added."), entered=entered)


@router.post("/users/change", dependencies=[Csrf])
async def change_role(request: Request, ctx: ContainerDep, user: UsersManager, username: Text = "",
                      role: Text = "", clearance: Text = "") -> Response:
    return await _apply(request, ctx, user, lambda session: accounts.change_role(
        session, username=username, role=role, clearance=_level(clearance), actor=user.username),
        N_("The role and clearance of {name} are changed."))


@router.post("/users/disable", dependencies=[Csrf])
async def disable(request: Request, ctx: ContainerDep, user: UsersManager,
                  username: Text = "") -> Response:
    return await _apply(request, ctx, user, lambda session: accounts.disable_user(
        session, username=username, actor=user.username), N_("User {name} is disabled."))


@router.post("/users/enable", dependencies=[Csrf])
async def enable(request: Request, ctx: ContainerDep, user: UsersManager,
                 username: Text = "") -> Response:
    return await _apply(request, ctx, user, lambda session: accounts.enable_user(
        session, username=username, actor=user.username), N_("User {name} is enabled."))


@router.post("/users/password", dependencies=[Csrf])
async def password(request: Request, ctx: ContainerDep, user: UsersManager, username: Text = "",
                   password: Text = "", password_again: Text = "") -> Response:
    def change(session: Session) -> User:
        _same(password, password_again)
        return accounts.change_password(session, username=username, password=password,
                                        actor=user.username)

    return await _apply(request, ctx, user, change, N_("The password of {name} is changed."))


@router.post("/users/remove", dependencies=[Csrf])
async def remove(request: Request, ctx: ContainerDep, user: UsersManager,
                 username: Text = "") -> Response:
    return await _apply(request, ctx, user, lambda session: accounts.remove_user(
        session, username=username, actor=user.username), N_("User {name} is removed."))


def _level(clearance: str) -> int:
    try:
        return int(clearance)
    except ValueError:
        raise InvalidInput("clearance is 1, 2 or 3", code="invalid_clearance") from None


async def _apply(request: Request, ctx: Container, user: Principal,
                 change: Callable[[Session], User], done: str, *,
                 entered: dict[str, Any] | None = None) -> Response:
    """One change in one transaction; a refusal is shown on the users page, translated."""
    def work() -> str:
        with ctx.transaction() as session:
            return change(session).username

    try:
        name = await run_in_threadpool(work)
    except DanganError as exc:
        return await _page(request, ctx, user, error=exc, entered=entered, status=status_for(exc))
    return flash(RedirectResponse("/users", status_code=303), "ok", done, name=name)
