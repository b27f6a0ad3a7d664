"""``dangan customers``: the customer register."""
from __future__ import annotations

from datetime import datetime

import click

from shared import customers as service
from shared.db.models import Customer
from shared.domain.permissions import Action
from services.cli.common import State, acting, as_user, emit, handles_errors, pass_state


def _row(c: Customer) -> dict:
    return {"code": c.code, "name": c.name, "kind": c.kind, "grade": c.grade, "status": c.status,
            "closed_at": c.closed_at.isoformat() if c.closed_at else None}


def _line(r: dict) -> str:
    closed = f" closed {r['closed_at']}" if r["closed_at"] else ""
    return f"{r['code']:<16} {r['name']:<30} {r['kind']:<11} {r['grade']} {r['status']}{closed}"


@click.group()
def customers() -> None:
    """Create, list, close and reopen customers (客户)."""


@customers.command("add")
@click.argument("code")
@click.argument("name")
@click.option("--kind", type=click.Choice(["company", "individual", "government", "partner"]),
              default="company", show_default=True)
@click.option("--grade", type=click.Choice(["A", "B", "C"]), default="B", show_default=True)
@as_user
@pass_state
@handles_errors
def add(state: State, code: str, name: str, kind: str, grade: str, actor: str | None) -> None:
    """Add customer CODE named NAME."""
    with state.container.transaction() as session:
        row = _row(service.create_customer(session, code=code, name=name, kind=kind, grade=grade,
                                           actor=acting(session, actor, Action.CUSTOMER_MANAGE)))
    emit(state, row, _line)


@customers.command("list")
@click.option("--status", type=click.Choice(["active", "closed"]))
@click.option("--page", type=click.IntRange(1), default=1, show_default=True)
@click.option("--size", type=click.IntRange(1, 1000), default=50, show_default=True)
@pass_state
@handles_errors
def list_(state: State, status: str | None, page: int, size: int) -> None:
    """List customers."""
    with state.container.uow() as uow:
        total, rows = service.list_customers(uow.session, status=status, offset=(page - 1) * size,
                                             limit=size)
        data = {"total": total, "page": page, "size": size, "items": [_row(c) for c in rows]}
    emit(state, data, lambda d: "\n".join([_line(r) for r in d["items"]] +
                                          [f"({d['total']} customers, page {d['page']})"]))


@customers.command("show")
@click.argument("code")
@pass_state
@handles_errors
def show(state: State, code: str) -> None:
    """Show one customer."""
    with state.container.uow() as uow:
        row = _row(service.get_customer(uow.session, code))
    emit(state, row, _line)


@customers.command("close")
@click.argument("code")
@click.option("--on", "closed_at", type=click.DateTime(["%Y-%m-%d"]), required=True,
              help="Closure date (销户日期), YYYY-MM-DD.")
@as_user
@pass_state
@handles_errors
def close(state: State, code: str, closed_at: datetime, actor: str | None) -> None:
    """Close customer CODE: starts its event-based retention clocks."""
    with state.container.transaction() as session:
        row = _row(service.close_customer(session, code=code, closed_at=closed_at.date(),
                                          actor=acting(session, actor, Action.CUSTOMER_MANAGE),
                                          today=state.container.today()))
    emit(state, row, _line)


@customers.command("reopen")
@click.argument("code")
@as_user
@pass_state
@handles_errors
def reopen(state: State, code: str, actor: str | None) -> None:
    """Reopen a closed customer."""
    with state.container.transaction() as session:
        row = _row(service.reopen_customer(session, code=code,
                                           actor=acting(session, actor, Action.CUSTOMER_MANAGE),
                                           today=state.container.today()))
    emit(state, row, _line)


