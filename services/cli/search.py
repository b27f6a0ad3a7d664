"""``dangan search``: the same search as GET /api/v1/search, from the shell."""
from __future__ import annotations

import re
from datetime import datetime

import click
from sqlalchemy import select

from shared import access
from shared.db.models import User
from shared.domain.errors import NotFound
from shared.domain.model import Role
from shared.domain.permissions import Action
from services.cli.common import State, acting, as_user, emit, handles_errors, pass_state
from services.search import SearchQuery, parse


@click.command()
@click.argument("words", nargs=-1)
@click.option("--customer")
@click.option("--type", "type_")
@click.option("--year", type=int)
@click.option("--from", "date_from", type=click.DateTime(["%Y-%m-%d"]))
@click.option("--to", "date_to", type=click.DateTime(["%Y-%m-%d"]))
@click.option("--term", type=click.Choice(["permanent", "long", "short"]))
@click.option("--status")
@click.option("--sort", type=click.Choice(["relevance", "date", "-date"]), default="relevance")
@click.option("--page", type=click.IntRange(1), default=1)
@click.option("--size", type=click.IntRange(1, 100), default=20)
@click.option("--clearance", type=click.IntRange(1, 3), default=3, show_default=True,
              help="Without --as: search as a user of this clearance.")
@as_user
@pass_state
@handles_errors
def search(state: State, words: tuple[str, ...], customer: str | None, type_: str | None,
           year: int | None, date_from: datetime | None, date_to: datetime | None, term: str | None,
           status: str | None, sort: str, page: int, size: int, clearance: int,
           actor: str | None) -> None:
    """Search the archive: words, "phrases" (quote them for the shell) and -excluded words.

    Put -- before the words when the first one is excluded: dangan search -- -担保 合同"""
    ctx = state.container
    with ctx.uow() as uow:
        username = acting(uow.session, actor, Action.DOCUMENT_READ)
        # the shell searches as a reader of --clearance who borrows nothing; a named
        # user with their own role, clearance and grants
        reader: str | None = None
        role: str = Role.STAFF
        if username != "cli":
            user = uow.session.scalar(select(User).where(User.username == username))
            if user is None:
                raise NotFound(f"user {username} not found", code="user_not_found")
            reader, role, clearance = user.username, user.role, user.clearance
        scope = access.scope_for(uow.session, username=reader, role=role, clearance=clearance,
                                 today=ctx.today())
    index = state.archive.index
    result = index.search(SearchQuery(
        scope=scope, clauses=parse(" ".join(words)), customer=customer, type=type_, year=year,
        date_from=date_from.date() if date_from else None,
        date_to=date_to.date() if date_to else None, term=term, status=status, sort=sort,
        page=page, size=size))
    data = {"total": result.total, "page": page, "size": size, "facets": result.facets,
            "hits": [hit.as_dict() for hit in result.hits]}
    emit(state, data, _human)


def _human(data: dict) -> str:
    lines = [f"{data['total']} documents (page {data['page']})"]
    for hit in data["hits"]:
        lines.append(f"{hit['archive_number']}  {hit['title']}  [{hit['id']}]")
        lines += [f"    {re.sub(r'</?em>', '*', h)}" for h in hit["highlights"]]
    return "\n".join(lines)
