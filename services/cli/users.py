"""``dangan users``: accounts of the people who use the archive."""
from __future__ import annotations

import sys

import click
from sqlalchemy import select

from shared.accounts import add_user
from shared.db.models import User
from shared.domain.model import Role
from shared.views import user_out
from services.cli.common import State, emit, handles_errors, pass_state


@click.group()
def users() -> None:
    """Create and list users."""


@users.command("add")
@click.argument("name")
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]))
@click.option("--clearance", type=click.IntRange(1, 3), default=3, show_default=True,
              help="1 sees every secrecy level, 3 only ordinary documents.")
@click.option("--password-stdin", is_flag=True, required=True,
              help="Read the password from standard input (first line).")
@pass_state
@handles_errors
def add(state: State, name: str, role: str, clearance: int, password_stdin: bool) -> None:
    """Add user NAME with a role and clearance."""
    password = sys.stdin.readline().rstrip("\r\n")
    with state.container.transaction() as session:
        user = add_user(session, username=name, role=role, clearance=clearance, password=password,
                        actor="cli")
        data = user_out(user)
    emit(state, data, lambda d: f"added user {d['username']} ({d['role']}, clearance {d['clearance']})")


@users.command("list")
@pass_state
@handles_errors
def list_(state: State) -> None:
    """List users."""
    with state.container.uow() as uow:
        rows = [{**user_out(u), "active": u.active}
                for u in uow.session.scalars(select(User).order_by(User.username))]
    emit(state, rows, lambda rs: "\n".join(
        f"{r['username']:<20} {r['role']:<20} clearance {r['clearance']}" for r in rs) or "no users")
