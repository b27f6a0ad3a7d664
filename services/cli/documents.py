"""``dangan documents``: one record's description (著录) from the shell — show
it, correct it with a reason (著录修改), confirm it, read its history.

With --as (or --as-user, or $DANGAN_USER) the command acts as that user, held
to the rules of the HTTP API: a clerk corrects their own uploads until an
archivist confirms them, an archivist any record within their clearance, and
a record beyond one's reach is answered as absent. Without it the local
operator acts, who holds the database's keys and sees everything."""
from __future__ import annotations

from typing import Any

import click
from sqlalchemy import select
from sqlalchemy.orm import Session

from shared import corrections
from shared.db.models import Document, User
from shared.documents import find_visible
from shared.domain.access import AccessScope
from shared.domain.corrections import Editor
from shared.domain.errors import InvalidInput
from shared.domain.permissions import Action
from services.cli.common import State, acting, emit, handles_errors, pass_state, viewer_of

as_user = click.option("--as", "--as-user", "actor", envvar="DANGAN_USER", default=None,
                       metavar="USER", help="Act as USER, held to that user's role and clearance "
                                            "(default: $DANGAN_USER, else the local operator).")


def _who(state: State, session: Session, actor: str | None
         ) -> tuple[Editor | None, AccessScope | None]:
    """The editor and what they may see; (None, None) for the local operator."""
    username = acting(session, actor, Action.DOCUMENT_READ)
    if username == "cli":
        return None, None
    user = session.scalars(select(User).where(User.username == username)).one()
    return (Editor(username=user.username, role=user.role, clearance=user.clearance),
            viewer_of(session, username, state.container.today()))


def _record(session: Session, document: Document) -> dict[str, Any]:
    return corrections.document_record(document, corrections.superseded_numbers(session, document.id))


def show_text(data: dict[str, Any]) -> str:
    lines = [f"{data['archive_number']}  {data['title']}  ({data['id']})",
             f"  type {data['type']}, customer {data['customer'] or '-'}, date "
             f"{data['document_date'] or '-'}, secrecy {data['secrecy']}, status {data['status']}",
             f"  retention {data['retention_term']} {data['retention_years'] or ''}, retain until "
             f"{data['retain_until'] or '-'}, valid until {data['valid_until'] or '-'}",
             f"  tags {', '.join(data['tags']) or '-'}; location {data['location'] or '-'}; "
             f"custom fields {data['custom_fields'] or '-'}",
             f"  uploaded by {data['created_by']}; confirmed "
             + (f"by {data['confirmed_by']} at {data['confirmed_at']}" if data["confirmed_by"]
                else "not yet")]
    if data["superseded_archive_numbers"]:
        lines.append(f"  formerly {', '.join(data['superseded_archive_numbers'])}")
    return "\n".join(lines)


def history_text(rows: list[dict[str, Any]]) -> str:
    return "\n".join(f"#{r['change_set']} {r['changed_at']} {r['changed_by']}: {r['field']} "
                     f"{r['old_value']!r} -> {r['new_value']!r}  ({r['reason']})"
                     for r in rows) or "no corrections"


@click.group("documents")
def documents() -> None:
    """One record's description (著录): show, edit (著录修改), confirm, history."""


@documents.command("show")
@click.argument("document_id")
@as_user
@pass_state
@handles_errors
def show(state: State, document_id: str, actor: str | None) -> None:
    """The record's description, its confirmation and its former archive numbers."""
    with state.container.uow() as uow:
        _, scope = _who(state, uow.session, actor)
        data = _record(uow.session, find_visible(uow.session, document_id, scope))
    emit(state, data, show_text)


def _fields(pairs: tuple[str, ...], current: dict[str, Any]) -> dict[str, Any]:
    """--field KEY=VALUE sets one custom field and keeps the others; KEY= removes it."""
    fields = dict(current)
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise InvalidInput(f"--field takes KEY=VALUE, not {pair!r}", code="invalid_request")
        if value:
            fields[key.strip()] = value
        else:
            fields.pop(key.strip(), None)
    return fields


@documents.command("edit")
@click.argument("document_id")
@click.option("--reason", default="", help="Why the description changes (修改原因); required.")
@click.option("--title", help="题名.")
@click.option("--date", "document_date", help="文件日期 YYYY-MM-DD; empty clears it.")
@click.option("--type", "type_", help="档案类型: contract, business_licence, id_copy, …")
@click.option("--tag", "tags", multiple=True, help="标签; repeat for each; replaces the tags.")
@click.option("--location", help="存放位置 box/shelf (盒号/架位); empty clears it.")
@click.option("--field", "custom", multiple=True, metavar="KEY=VALUE",
              help="A custom field (自定义字段); repeatable; KEY= removes it.")
@click.option("--secrecy", help="密级 1, 2 or 3, within your clearance.")
@click.option("--valid-until", help="有效期 YYYY-MM-DD, not before the date; empty clears it.")
@as_user
@pass_state
@handles_errors
def edit(state: State, document_id: str, reason: str, title: str | None,
         document_date: str | None, type_: str | None, tags: tuple[str, ...],
         location: str | None, custom: tuple[str, ...], secrecy: str | None,
         valid_until: str | None, actor: str | None) -> None:
    """Correct the record's description (著录修改); each change is kept with the reason."""
    given = {"title": title, "document_date": document_date, "type": type_,
             "location": location, "secrecy": secrecy, "valid_until": valid_until}
    body: dict[str, Any] = {k: v for k, v in given.items() if v is not None}
    body["reason"] = reason
    if tags:
        body["tags"] = list(tags)
    ctx = state.container
    with ctx.transaction() as session:
        editor, scope = _who(state, session, actor)
        if custom:
            current = find_visible(session, document_id, scope).custom_fields or {}
            body["custom_fields"] = _fields(custom, current)
        document = corrections.correct(ctx, session, document_id=document_id, body=body,
                                       editor=editor, scope=scope)
        data = _record(session, document)
    emit(state, data, show_text)


@documents.command("confirm")
@click.argument("document_id")
@as_user
@pass_state
@handles_errors
def confirm(state: State, document_id: str, actor: str | None) -> None:
    """An archivist confirms the description: clerks no longer correct it."""
    with state.container.transaction() as session:
        editor, scope = _who(state, session, actor)
        data = _record(session, corrections.confirm(session, document_id=document_id,
                                                    editor=editor, scope=scope))
    emit(state, data, show_text)


@documents.command("history")
@click.argument("document_id")
@as_user
@pass_state
@handles_errors
def history(state: State, document_id: str, actor: str | None) -> None:
    """Every field each correction changed: old and new value, who, when, why."""
    with state.container.uow() as uow:
        _, scope = _who(state, uow.session, actor)
        data = [corrections.change_record(c) for c in corrections.history(
            uow.session, document_id=document_id, scope=scope)]
    emit(state, data, history_text)
