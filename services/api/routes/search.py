"""GET /api/v1/search: full text and metadata, within the caller's AccessScope."""
from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request

from shared import access, audit
from services.api.deps import ContainerDep, Reader
from services.search import SearchQuery, parse
from services.search.base import MAX_PAGE_SIZE

router = APIRouter(prefix="/api/v1", tags=["search"])


@router.get("/search")
def search(request: Request, ctx: ContainerDep, user: Reader,
           q: Annotated[str, Query(max_length=500, description='words, "phrases", -excluded')] = "",
           customer: str | None = None, type: str | None = None,
           year: Annotated[int | None, Query(ge=1900, le=2999)] = None,
           date_from: Annotated[date | None, Query(alias="from")] = None,
           date_to: Annotated[date | None, Query(alias="to")] = None,
           term: Annotated[str | None, Query(pattern="^(permanent|long|short)$")] = None,
           status: str | None = None,
           sort: Annotated[str, Query(pattern="^(relevance|date|-date)$")] = "relevance",
           page: Annotated[int, Query(ge=1, le=10_000)] = 1,
           size: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 20) -> dict:
    with ctx.uow() as uow:
        scope = access.scope_for(uow.session, username=user.username, role=user.role,
                                 clearance=user.clearance, today=ctx.today())
    query = SearchQuery(scope=scope, clauses=parse(q), customer=customer, type=type, year=year,
                        date_from=date_from, date_to=date_to, term=term, status=status, sort=sort,
                        page=page, size=size)
    result = request.app.state.index.search(query)
    with ctx.transaction() as session:
        audit.record(session, actor=user.username, action="search", target=None,
                     details={"q": q, "filters": {k: v for k, v in {
                         "customer": customer, "type": type, "year": year, "from": date_from,
                         "to": date_to, "term": term, "status": status}.items() if v},
                         "total": result.total})
    return {
        "total": result.total, "page": page, "size": size,
        "hits": [hit.as_dict() for hit in result.hits],
        "facets": result.facets,
    }
