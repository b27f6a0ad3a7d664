"""``dangan audit``: the hash-chained audit trail, its reading register and its anchors."""
from __future__ import annotations

import sys

import click

from shared import audit as service
from shared import audit_anchor
from shared.domain.permissions import Action
from shared.views import anchor_out, chain_report_out, event_out
from services.cli.common import State, acting, as_user, emit, handles_errors, pass_state, viewer_of


@click.group()
def audit() -> None:
    """Read, verify and anchor the audit trail (审计日志)."""


def _lines(data: dict) -> str:
    rows = [f"#{e['id']:<6} {e['at']:%Y-%m-%d %H:%M:%S}  {e['actor']:<14} {e['action']:<20} "
            f"{e['target'] or '-'}  {e['details']}" for e in data["items"]]
    return "\n".join([*rows, f"{data['total']} events"])


@audit.command("list")
@click.option("--document", help="A document id: its reading register (查阅登记), every event about it.")
@click.option("--target", help="Events about this target, e.g. customer:C001 or access:12.")
@click.option("--actor", "by", help="Events by this user.")
@click.option("--action", help="Events of this action, e.g. document.view.")
@click.option("--page", type=click.IntRange(min=1), default=1, show_default=True)
@click.option("--size", type=click.IntRange(1, 500), default=100, show_default=True)
@as_user
@pass_state
@handles_errors
def list_(state: State, document: str | None, target: str | None, by: str | None,
          action: str | None, page: int, size: int, actor: str | None) -> None:
    """Events oldest first; a named user (--as) sees only what their clearance
    and grants allow, as in the API."""
    ctx = state.container
    with ctx.uow() as uow:
        reader = acting(uow.session, actor, Action.AUDIT_READ)
        scope = viewer_of(uow.session, reader, ctx.today())
        viewer = None if scope is None else service.AuditViewer(username=reader, scope=scope)
        total, rows = service.list_events(uow.session, document=document, target=target, actor=by,
                                          action=action, viewer=viewer, offset=(page - 1) * size,
                                          limit=size)
        details = service.readable_details(uow.session, rows, viewer=viewer)
        data = {"total": total, "page": page, "size": size,
                "items": [event_out(e, details=d) for e, d in zip(rows, details, strict=True)]}
    emit(state, data, _lines)


@audit.command("verify")
@pass_state
@handles_errors
def verify(state: State) -> None:
    """Walk the hash chain and compare it with the anchors kept outside the
    database; exit 1 and name the first broken event if any."""
    ctx = state.container
    anchors = audit_anchor.anchor_log(ctx.settings, ctx.store).read()
    with ctx.uow() as uow:
        report = service.verify(uow.session, anchors=anchors)
    data = chain_report_out(report)
    emit(state, data, lambda d: f"audit trail intact: {d['checked']} events" if d["ok"] else
         f"audit trail BROKEN at event {d['first_broken_id']}: {d['reason']} "
         f"({d['checked']} events verified before it)")
    if not report.ok:
        sys.exit(1)


@audit.command("anchor")
@pass_state
@handles_errors
def anchor(state: State) -> None:
    """Anchor the chain's head outside the database now: an Object Lock
    object on S3, a line in DANGAN_HOME/audit-anchors.jsonl otherwise."""
    ctx = state.container
    log = audit_anchor.anchor_log(ctx.settings, ctx.store)
    with ctx.uow() as uow:
        data = anchor_out(audit_anchor.anchor(uow.session, log))
    emit(state, data, lambda d: f"anchored event {d['event']} ({d['hash']})" if d["anchored"]
         else "nothing to anchor: the audit trail is empty")
