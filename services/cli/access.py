"""``dangan access``: borrowing requests (借阅) from the shell, as a named user."""
from __future__ import annotations

from datetime import datetime

import click
from sqlalchemy import select

from shared import access as service
from shared.db.models import User
from shared.domain.permissions import Action
from shared.views import request_out
from services.cli.common import State, acting, emit, handles_errors, pass_state, viewer_of

AS_USER = click.option("--as", "actor", envvar="DANGAN_USER", required=True, metavar="USER",
                       help="The user asking or deciding (default: $DANGAN_USER).")


def _line(r: dict) -> str:
    scope = f"customer {r['customer']}" if r["customer"] else f"{len(r['documents'])} documents"
    return f"#{r['id']:<5} {r['status']:<9} {r['requester']:<14} until {r['until']}  {scope}  {r['purpose']}"


@click.group()
def access() -> None:
    """Ask to borrow documents beyond one's clearance; approve or refuse."""


@access.command("request")
@click.option("--document", "documents", multiple=True, help="A document id (repeatable).")
@click.option("--customer", help="A customer's whole file.")
@click.option("--purpose", required=True, help="用途")
@click.option("--until", type=click.DateTime(["%Y-%m-%d"]), required=True, help="归还日期")
@AS_USER
@pass_state
@handles_errors
def request(state: State, documents: tuple[str, ...], customer: str | None, purpose: str,
            until: datetime, actor: str) -> None:
    """File a request."""
    with state.container.transaction() as session:
        requester = acting(session, actor, Action.ACCESS_REQUEST)
        scope = viewer_of(session, requester, state.container.today())
        found = service.request_access(session, requester=requester,
                                       purpose=purpose, until=until.date(), today=state.container.today(),
                                       longest_days=state.container.settings.access_longest_days,
                                       documents=list(documents), customer=customer, viewer=scope)
        data = request_out(session, found, viewer=scope)
    emit(state, data, _line)


def _decide(state: State, request_id: int, actor: str, reason: str | None) -> None:
    with state.container.transaction() as session:
        username = acting(session, actor, Action.ACCESS_APPROVE)
        user = session.scalar(select(User).where(User.username == username))
        # the local operator approves nothing: it has no role in the authority table
        role, clearance = (user.role, user.clearance) if user is not None else ("", 3)
        if reason is None:
            found = service.approve(session, request_id=request_id, actor=username, role=role,
                                    clearance=clearance)
        else:
            found = service.refuse(session, request_id=request_id, actor=username, role=role,
                                   clearance=clearance, reason=reason)
        data = request_out(session, found, viewer=viewer_of(session, username, state.container.today()))
    emit(state, data, _line)


@access.command("approve")
@click.argument("request_id", type=int)
@AS_USER
@pass_state
@handles_errors
def approve(state: State, request_id: int, actor: str) -> None:
    """Approve a request (its most sensitive level decides who may)."""
    _decide(state, request_id, actor, None)


@access.command("refuse")
@click.argument("request_id", type=int)
@click.option("--reason", required=True)
@AS_USER
@pass_state
@handles_errors
def refuse(state: State, request_id: int, reason: str, actor: str) -> None:
    """Refuse a request, with a reason."""
    _decide(state, request_id, actor, reason)


@access.command("list")
@click.option("--status", type=click.Choice(["pending", "approved", "refused"]))
@pass_state
@handles_errors
def list_(state: State, status: str | None) -> None:
    """List requests."""
    with state.container.uow() as uow:
        rows = [request_out(uow.session, r) for r in service.list_requests(uow.session, status=status)]
    emit(state, rows, lambda rs: "\n".join(_line(r) for r in rs) or "no requests")
