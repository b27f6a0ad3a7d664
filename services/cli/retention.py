"""``dangan retention`` and ``dangan holds``: the schedule, the sweep, holds."""
from __future__ import annotations

from datetime import date, datetime

import click
from sqlalchemy import select

from shared import access
from shared import retention as service
from shared.db.models import User
from shared.domain.errors import NotFound
from shared.domain.model import Role
from shared.domain.permissions import Action
from shared.views import PREVIEW_SIZE, preview_out, schedule_out, sweep_out
from services.cli.common import State, acting, as_user, emit, handles_errors, pass_state, viewer_of


@click.group()
def retention() -> None:
    """The retention schedule (保管期限表), the sweep and what is due."""


@retention.command("schedule")
@pass_state
@handles_errors
def schedule(state: State) -> None:
    """Show the retention schedule in force."""
    rules = schedule_out(state.container.schedule.rules)
    emit(state, rules, lambda d: "\n".join(
        f"{name:<18} {r['term']:<10} {r['years'] or '-':>3} years from {r['trigger']:<16} {r['code']}"
        for name, r in d.items()))


@retention.command("sweep")
@click.option("--as-of", type=click.DateTime(["%Y-%m-%d"]),
              help="Default: today. No later than today, except with --dry-run.")
@click.option("--dry-run", is_flag=True,
              help="Count and list what would be flagged; change nothing. Any date.")
@as_user
@pass_state
@handles_errors
def sweep(state: State, as_of: datetime | None, dry_run: bool, actor: str | None) -> None:
    """Flag documents whose retention ran out as due. Idempotent; deletes nothing."""
    ctx = state.container
    day = as_of.date() if as_of else ctx.today()
    if dry_run:
        _preview(state, day, actor)
        return
    with ctx.transaction() as session:
        flagged = service.sweep(session, as_of=day, today=ctx.today(),
                                actor=acting(session, actor, Action.RETENTION_MANAGE))
    emit(state, sweep_out(day, flagged),
         f"flagged {flagged} documents as due (as of {day})")


def _preview(state: State, day: date, actor: str | None) -> None:
    """The dry run: nothing is committed."""
    with state.container.uow() as uow:
        username = acting(uow.session, actor, Action.RETENTION_MANAGE)
        if username == "cli":  # the local operator holds the database's keys: it sees all
            scope = access.scope_for(uow.session, username=None, role=Role.ARCHIVIST, clearance=1,
                                     today=state.container.today())
        else:
            user = uow.session.scalar(select(User).where(User.username == username))
            if user is None:
                raise NotFound(f"user {username} not found", code="user_not_found")
            scope = access.scope_for(uow.session, username=user.username, role=user.role,
                                     clearance=user.clearance, today=state.container.today())
        total, rows = service.preview_sweep(uow.session, as_of=day, scope=scope,
                                            limit=PREVIEW_SIZE)
        data = preview_out(day, total, rows)
    emit(state, data, lambda d: "\n".join(
        [f"{i['archive_number']:<28} {i['id']}" for i in d["documents"]]
        + [f"would flag {d['flagged']} documents as due (as of {d['as_of']}); dry run, nothing changed"]))


@retention.command("due")
@click.option("--page", type=click.IntRange(1), default=1, show_default=True)
@click.option("--size", type=click.IntRange(1, 1000), default=50, show_default=True)
@pass_state
@handles_errors
def due(state: State, page: int, size: int) -> None:
    """List documents due for appraisal (到期待鉴定)."""
    with state.container.uow() as uow:
        total, rows = service.due_documents(uow.session, offset=(page - 1) * size, limit=size)
        items = [{"id": d.id, "archive_number": d.archive_number, "title": d.title,
                  "retain_until": d.retain_until} for d in rows]
    emit(state, {"total": total, "page": page, "size": size, "items": items}, lambda d: "\n".join(
        [f"{i['archive_number']:<28} {i['retain_until']}  {i['title']}" for i in d["items"]]
        + [f"({d['total']} due, page {d['page']})"]))


@click.group()
def holds() -> None:
    """Legal holds (冻结): nothing held can be flagged, approved or destroyed."""


@holds.command("add")
@click.option("--reason", required=True)
@click.option("--document", "documents", multiple=True, help="A document id (repeatable).")
@click.option("--customer", help="Hold a customer's whole file.")
@as_user
@pass_state
@handles_errors
def add(state: State, reason: str, documents: tuple[str, ...], customer: str | None,
        actor: str | None) -> None:
    """Place a hold on documents or on a customer."""
    with state.container.transaction() as session:
        username = acting(session, actor, Action.RETENTION_MANAGE)
        hold = service.place_hold(session, reason=reason, documents=list(documents), customer=customer,
                                  actor=username,
                                  scope=viewer_of(session, username, state.container.today()))
        data = {"id": hold.id, "reason": hold.reason}
    emit(state, data, lambda d: f"hold {d['id']} placed: {d['reason']}")


@holds.command("release")
@click.argument("hold_id", type=int)
@click.option("--reason", default="")
@as_user
@pass_state
@handles_errors
def release(state: State, hold_id: int, reason: str, actor: str | None) -> None:
    """Release a hold (audited)."""
    with state.container.transaction() as session:
        username = acting(session, actor, Action.RETENTION_MANAGE)
        service.release_hold(session, hold_id=hold_id, reason=reason, actor=username,
                             scope=viewer_of(session, username, state.container.today()))
    emit(state, {"id": hold_id, "released": True}, f"hold {hold_id} released")


@holds.command("list")
@click.option("--all", "everything", is_flag=True, help="Released holds too.")
@as_user
@pass_state
@handles_errors
def list_(state: State, everything: bool, actor: str | None) -> None:
    """List holds (with --as, those USER may see)."""
    with state.container.uow() as uow:
        username = acting(uow.session, actor, Action.RETENTION_READ)
        scope = viewer_of(uow.session, username, state.container.today())
        items = [{"id": h.id, "reason": h.reason, "customer": h.customer.code if h.customer else None,
                  "released_at": h.released_at}
                 for h in service.list_holds(uow.session, active=not everything, scope=scope)]
    emit(state, items, lambda rows: "\n".join(
        f"{r['id']:>5}  {r['customer'] or 'documents':<12} {r['reason']}"
        + (f"  (released {r['released_at']:%Y-%m-%d})" if r["released_at"] else "") for r in rows)
        or "no holds")
