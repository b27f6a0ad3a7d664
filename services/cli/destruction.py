"""``dangan destruction``: destruction lists (销毁清册) from the shell.

Each step acts as the user named by --as, who must exist: the same rules as
the API apply (another person approves, with the authority for the most
sensitive level; the supervisor is neither the executor nor the approver)."""
from __future__ import annotations

from typing import Any

import click
from sqlalchemy import select
from sqlalchemy.orm import Session

from shared import disposition
from shared.db.models import User
from shared.domain.access import AccessScope
from shared.domain.errors import NotFound
from shared.domain.permissions import Action
from shared.views import certificate_out
from shared.views import destruction_list_out as list_out
from services.cli.common import State, acting, as_user, emit, handles_errors, pass_state, viewer_of

AS_USER = click.option("--as", "actor", required=True, help="The user acting (must exist).")


def _user(session: Session, username: str, action: Action = Action.RETENTION_MANAGE) -> User:
    acting(session, username, action)
    user = session.scalar(select(User).where(User.username == username))
    if user is None:  # disposition always names a person
        raise NotFound(f"user {username} not found", code="user_not_found")
    return user


def _scope(session: Session, state: State, username: str) -> AccessScope | None:
    """What the acting user may see and act on: nobody acts beyond it."""
    return viewer_of(session, username, state.container.today())


def _reader_scope(session: Session, state: State, actor: str | None) -> AccessScope | None:
    return viewer_of(session, acting(session, actor, Action.RETENTION_READ),
                     state.container.today())


def _show(data: dict) -> str:
    lines = [f"destruction list {data['id']}: {data['status']}"]
    lines += [f"  {i['archive_number']:<28} {i['decision'] or 'not appraised':<14} {i['title']}"
              for i in data["items"]]
    return "\n".join(lines)


@click.group()
def destruction() -> None:
    """Destruction lists: create from due documents, appraise, approve, execute."""


@destruction.command("create")
@click.argument("documents", nargs=-1, required=True)
@AS_USER
@pass_state
@handles_errors
def create(state: State, documents: tuple[str, ...], actor: str) -> None:
    """Draft a list from due DOCUMENTS (ids)."""
    with state.container.transaction() as session:
        scope = _scope(session, state, actor)
        data = list_out(disposition.create_list(session, documents=list(documents),
                                                actor=_user(session, actor).username,
                                                today=state.container.today(), scope=scope),
                        viewer=scope)
    emit(state, data, _show)


@destruction.command("appraise")
@click.argument("list_id", type=int)
@click.option("--destroy", "destroy", multiple=True, help="Document id to destroy.")
@click.option("--extend", "extend", multiple=True, metavar="ID:YEARS:REASON",
              help="Keep a document longer.")
@click.option("--reason", default="", help="Appraisal opinion (鉴定意见) for the destroyed ones.")
@AS_USER
@pass_state
@handles_errors
def appraise(state: State, list_id: int, destroy: tuple[str, ...], extend: tuple[str, ...],
             reason: str, actor: str) -> None:
    """Record the appraisal of the items of LIST_ID."""
    decisions: list[dict[str, Any]] = [{"document": d, "decision": "destroy", "reason": reason}
                                       for d in destroy]
    for spec in extend:
        document, _, rest = spec.partition(":")
        years, _, why = rest.partition(":")
        decisions.append({"document": document, "decision": "extend",
                          "years": int(years) if years.isdigit() else None, "reason": why})
    with state.container.transaction() as session:
        scope = _scope(session, state, actor)
        data = list_out(disposition.appraise(session, list_id=list_id, decisions=decisions,
                                             actor=_user(session, actor).username, scope=scope),
                        viewer=scope)
    emit(state, data, _show)


@destruction.command("approve")
@click.argument("list_id", type=int)
@AS_USER
@pass_state
@handles_errors
def approve(state: State, list_id: int, actor: str) -> None:
    """Approve LIST_ID (by someone other than its author, with the authority for it)."""
    with state.container.transaction() as session:
        user = _user(session, actor, Action.DESTRUCTION_APPROVE)
        scope = _scope(session, state, actor)
        data = list_out(disposition.approve(session, list_id=list_id, actor=user.username,
                                            role=user.role, clearance=user.clearance,
                                            today=state.container.today(), scope=scope),
                        viewer=scope)
    emit(state, data, _show)


@destruction.command("execute")
@click.argument("list_id", type=int)
@click.option("--supervisor", required=True, help="监销人: neither the executor nor the approver.")
@AS_USER
@pass_state
@handles_errors
def execute(state: State, list_id: int, supervisor: str, actor: str) -> None:
    """Destroy what LIST_ID approved; the search index follows through its jobs."""
    ctx = state.container
    with ctx.uow() as uow:
        username = _user(uow.session, actor).username
        scope = _scope(uow.session, state, actor)
    destroyed = disposition.execute(database=ctx.database, store=ctx.store, today=ctx.today(),
                                    list_id=list_id, actor=username, supervisor=supervisor,
                                    scope=scope)
    emit(state, {"list": list_id, "destroyed": destroyed},
         lambda d: f"destroyed {len(d['destroyed'])} documents of list {d['list']}")


@destruction.command("show")
@click.argument("list_id", type=int)
@as_user
@pass_state
@handles_errors
def show(state: State, list_id: int, actor: str | None) -> None:
    """Show a list and its items (with --as, those USER may see)."""
    with state.container.uow() as uow:
        scope = _reader_scope(uow.session, state, actor)
        data = list_out(disposition.get_list(uow.session, list_id, scope), viewer=scope)
    emit(state, data, _show)


@destruction.command("certificate")
@click.argument("list_id", type=int)
@as_user
@pass_state
@handles_errors
def certificate(state: State, list_id: int, actor: str | None) -> None:
    """The destruction certificates of LIST_ID (with --as, of what USER may see)."""
    with state.container.uow() as uow:
        scope = _reader_scope(uow.session, state, actor)
        data = [certificate_out(c) for c in
                disposition.certificates(uow.session, list_id=list_id, scope=scope)]
    emit(state, data, lambda rows: "\n".join(
        f"{c['reference']}  {c['archive_number']}  {c['title']}  destroyed {c['destroyed_at']}\n"
        f"  appraised {c['appraised_by']}, approved {c['approved_by']}, executed {c['executed_by']}, "
        f"supervised {c['supervisor']}\n"
        + "\n".join(f"  v{v['number']} sha256 {v['sha256']}" for v in c["versions"]) for c in rows)
        or "no certificates")
