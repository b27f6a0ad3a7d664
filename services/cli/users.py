"""``dangan users``: accounts of the people who use the archive."""
from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import click
from sqlalchemy.orm import Session

from shared import accounts
from shared.db.models import User
from shared.domain.model import Role
from shared.domain.permissions import Action
from shared.views import user_out
from services.cli.common import State, acting, as_user, emit, handles_errors, pass_state


@click.group()
def users() -> None:
    """Create, list, disable, enable and remove users; change a password.

    Managing users is the administrator's (admin) alone: a command run --as
    another role is refused."""


@users.command("add")
@click.argument("name")
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]))
@click.option("--clearance", type=click.IntRange(1, 3), default=3, show_default=True,
              help="1 sees every secrecy level, 3 only ordinary documents.")
@click.option("--password-stdin", is_flag=True, required=True,
              help="Read the password from standard input (first line).")
@as_user
@pass_state
@handles_errors
def add(state: State, name: str, role: str, clearance: int, password_stdin: bool,
        actor: str | None) -> None:
    """Add user NAME with a role and clearance."""
    password = sys.stdin.readline().rstrip("\r\n")
    with state.container.transaction() as session:
        user = accounts.add_user(session, username=name, role=role, clearance=clearance,
                                 password=password,
                                 actor=acting(session, actor, Action.USERS_MANAGE))
        data = user_out(user)
    emit(state, data, lambda d: f"added user {d['username']} ({d['role']}, clearance {d['clearance']})")


@users.command("list")
@click.option("--removed", is_flag=True, help="Include removed users.")
@pass_state
@handles_errors
def list_(state: State, removed: bool) -> None:
    """List users (without the removed ones unless --removed)."""
    with state.container.uow() as uow:
        rows = [_row(u) for u in accounts.list_users(uow.session, removed=removed)]
    emit(state, rows, lambda rs: "\n".join(
        f"{r['username']:<20} {r['role']:<20} clearance {r['clearance']}"
        f"{'' if r['status'] == 'active' else '  ' + r['status']}" for r in rs) or "no users")


@users.command("disable")
@click.argument("name")
@as_user
@pass_state
@handles_errors
def disable(state: State, name: str, actor: str | None) -> None:
    """Disable user NAME: no more logins, and every token of theirs stops working now."""
    _manage(state, actor, lambda session, by: accounts.disable_user(
        session, username=name, actor=by), "disabled")


@users.command("enable")
@click.argument("name")
@as_user
@pass_state
@handles_errors
def enable(state: State, name: str, actor: str | None) -> None:
    """Enable user NAME again (they log in anew: their old tokens stay revoked)."""
    _manage(state, actor, lambda session, by: accounts.enable_user(
        session, username=name, actor=by), "enabled")


@users.command("passwd")
@click.argument("name")
@click.option("--password-stdin", is_flag=True,
              help="Read the new password from standard input (first line) instead of a prompt.")
@as_user
@pass_state
@handles_errors
def passwd(state: State, name: str, password_stdin: bool, actor: str | None) -> None:
    """Set a new password for user NAME; every token of theirs is revoked.

    The password is asked for twice, hidden, or read from standard input; it
    is never taken from the command line, where other users and the shell
    history would see it."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("New password", hide_input=True, confirmation_prompt=True,
                                err=True)
    _manage(state, actor, lambda session, by: accounts.change_password(
        session, username=name, password=password, actor=by), "changed the password of")


@users.command("remove")
@click.argument("name")
@as_user
@pass_state
@handles_errors
def remove(state: State, name: str, actor: str | None) -> None:
    """Remove user NAME: a soft delete, not an erasure.

    They can no longer log in, their tokens stop working and `users list` no
    longer shows them (`--removed` does), but the account's row is kept: the
    audit trail, access requests and destruction lists still name them, and
    the username stays taken — no new user can be added under it."""
    _manage(state, actor, lambda session, by: accounts.remove_user(
        session, username=name, actor=by), "removed")


def _manage(state: State, actor: str | None, change: Callable[[Session, str], User],
            done: str) -> None:
    """Apply ``change`` as the acting administrator, in one transaction, and say so."""
    with state.container.transaction() as session:
        data = _row(change(session, acting(session, actor, Action.USERS_MANAGE)))
    emit(state, data, lambda d: f"{done} user {d['username']}")


def _row(user: User) -> dict[str, Any]:
    status = "removed" if user.removed_at else "active" if user.active else "disabled"
    return {**user_out(user), "active": user.active, "status": status}
