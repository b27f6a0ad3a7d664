"""``dangan handovers``: handover lists (移交清单) from the shell — the inbox,
one list, its PDF, and the archive room's decision (accept or return).

Accepting and returning act as the archivist named by --as, who must exist
and must not be the one who handed the batch over; reading with --as shows
what that user may see, without it the local operator sees everything."""
from __future__ import annotations

from pathlib import Path

import click
from sqlalchemy import select
from sqlalchemy.orm import Session

from shared import handovers
from shared.db.models import User
from shared.domain.access import AccessScope
from shared.domain.errors import NotFound
from shared.domain.permissions import Action
from shared.handover_pdf import render
from services.cli.common import State, acting, as_user, emit, handles_errors, pass_state, viewer_of

AS_ARCHIVIST = click.option("--as", "actor", required=True, help="The archivist deciding (must exist).")


def _reader(session: Session, state: State, actor: str | None
            ) -> tuple[AccessScope | None, str | None, str | None]:
    """(scope, username, role) of who reads; the local operator is (None, None, None)."""
    username = acting(session, actor, Action.DOCUMENT_UPLOAD)
    if username == "cli":
        return None, None, None
    user = session.scalar(select(User).where(User.username == username))
    if user is None:  # acting() found them a moment ago
        raise NotFound(f"user {username} not found", code="user_not_found")
    return viewer_of(session, username, state.container.today()), user.username, user.role


def _read(state: State, handover_id: int, actor: str | None) -> dict:
    with state.container.uow() as uow:
        scope, username, role = _reader(uow.session, state, actor)
        return handovers.handover_out(handovers.get_handover(
            uow.session, handover_id, scope=scope, actor=username, role=role), viewer=scope)


def show_text(data: dict) -> str:
    lines = [f"handover {data['reference']} ({data['id']}): {data['status']} — {data['description']}",
             f"  department {data['department'] or '-'}, handed over by {data['handed_by']}"
             f" at {data['submitted_at'] or '-'}, received by {data['received_by'] or '-'}"
             f" at {data['decided_at'] or '-'}"]
    if data["return_reason"]:
        lines.append(f"  returned: {data['return_reason']}")
    lines += [f"  {i['archive_number']:<28} {i['pages'] or '-':>4}p {i['sha256']}  {i['title']}"
              for i in data["items"]]
    lines += [f"  refused {r['filename']}: {r['message']} ({r['code']})" for r in data["refused"]]
    return "\n".join(lines)


@click.group("handovers")
def handovers_group() -> None:
    """Handover lists (移交清单): inbox, show, accept, return, PDF."""


@handovers_group.command("list")
@click.option("--status", type=click.Choice(["open", "submitted", "accepted", "returned"]))
@as_user
@pass_state
@handles_errors
def list_(state: State, status: str | None, actor: str | None) -> None:
    """The handovers, newest first (with --as, those USER may see)."""
    with state.container.uow() as uow:
        scope, username, role = _reader(uow.session, state, actor)
        data = [handovers.summary_out(h, viewer=scope) for h in handovers.list_handovers(
            uow.session, status=status, scope=scope, actor=username, role=role)]
    emit(state, data, lambda rows: "\n".join(
        f"{h['id']:>5} {h['reference']}  {h['status']:<10} {h['items']} records, "
        f"{h['refused']} refused  {h['handed_by']}  {h['description']}" for h in rows)
        or "no handovers")


@handovers_group.command("show")
@click.argument("handover_id", type=int)
@as_user
@pass_state
@handles_errors
def show(state: State, handover_id: int, actor: str | None) -> None:
    """One handover list: its records and refused files."""
    emit(state, _read(state, handover_id, actor), show_text)


@handovers_group.command("pdf")
@click.argument("handover_id", type=int)
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="Where to write the PDF.")
@as_user
@pass_state
@handles_errors
def pdf(state: State, handover_id: int, output: Path, actor: str | None) -> None:
    """Write the handover list as a printable PDF (with signature lines)."""
    data = _read(state, handover_id, actor)
    output.write_bytes(render(data))
    emit(state, {"handover": handover_id, "reference": data["reference"], "output": str(output)},
         lambda d: f"wrote {d['output']} ({d['reference']})")


def _decider(session: Session, actor: str) -> User:
    acting(session, actor, Action.DOCUMENT_UPLOAD)
    user = session.scalar(select(User).where(User.username == actor))
    if user is None:  # a decision always names a person
        raise NotFound(f"user {actor} not found", code="user_not_found")
    return user


@handovers_group.command("accept")
@click.argument("handover_id", type=int)
@AS_ARCHIVIST
@pass_state
@handles_errors
def accept(state: State, handover_id: int, actor: str) -> None:
    """交接完成: the archive room received what the list names."""
    with state.container.transaction() as session:
        user = _decider(session, actor)
        scope = viewer_of(session, user.username, state.container.today())
        data = handovers.handover_out(handovers.accept(
            session, handover_id=handover_id, actor=user.username, role=user.role, scope=scope),
            viewer=scope)
    emit(state, data, show_text)


@handovers_group.command("return")
@click.argument("handover_id", type=int)
@click.option("--reason", default="", help="Why the batch goes back (退回原因); required.")
@AS_ARCHIVIST
@pass_state
@handles_errors
def return_(state: State, handover_id: int, reason: str, actor: str) -> None:
    """退回: send the batch back to its department, saying why."""
    with state.container.transaction() as session:
        user = _decider(session, actor)
        scope = viewer_of(session, user.username, state.container.today())
        data = handovers.handover_out(handovers.return_handover(
            session, handover_id=handover_id, reason=reason, actor=user.username, role=user.role,
            scope=scope), viewer=scope)
    emit(state, data, show_text)
