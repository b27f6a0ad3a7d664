"""The page's search area (检索): the same search as GET /api/v1/search, with
the same parameters and the caller's scope inside the engine query, shown
with facet links, highlighted snippets, sorting and pages. The URL holds the
whole query, so a search can be bookmarked and shared."""
from __future__ import annotations

import html
import re
from datetime import date
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import RedirectResponse

from shared.domain.errors import DanganError, InvalidInput
from shared.domain.permissions import Action
from services.api.deps import ContainerDep, Principal
from services.api.errors import status_for
from services.api.routes.search import search as run_search
from services.api.web.render import WebRoute, render
from services.api.web.session import web_permit
from services.search import parse
from services.search.base import MAX_PAGE_SIZE

router = APIRouter(route_class=WebRoute, include_in_schema=False)

Reader = Annotated[Principal, Depends(web_permit(Action.DOCUMENT_READ))]
PAGE_SIZE = 20
FILTERS = ("customer", "type", "year", "from", "to", "term", "status")
# the engines mark a match in an HTML-escaped snippet with <em>…</em>
_MARK = re.compile(r"(</?em>)")


@router.get("/search")
def search_page(request: Request, ctx: ContainerDep, user: Reader,
                q: Annotated[str, Query(max_length=500)] = "",
                customer: Annotated[str, Query(max_length=64)] = "",
                type: Annotated[str, Query(max_length=32)] = "",
                year: Annotated[str, Query(max_length=4)] = "",
                date_from: Annotated[str, Query(alias="from", max_length=10)] = "",
                date_to: Annotated[str, Query(alias="to", max_length=10)] = "",
                term: Annotated[str, Query(pattern="^(permanent|long|short|)$")] = "",
                status: Annotated[str, Query(max_length=32)] = "",
                sort: Annotated[str, Query(pattern="^(relevance|date|-date)$")] = "relevance",
                page: Annotated[int, Query(ge=1, le=10_000)] = 1,
                size: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = PAGE_SIZE) -> Response:
    blank = [key for key, value in request.query_params.multi_items() if not value.strip()]
    if blank:  # a GET form sends its empty fields: the address keeps only what was chosen
        kept = [(k, v) for k, v in request.query_params.multi_items() if v.strip()]
        return RedirectResponse(request.url.path + (f"?{urlencode(kept)}" if kept else ""),
                                status_code=303)
    shown = {"q": q, "customer": customer, "type": type, "year": year, "from": date_from,
             "to": date_to, "term": term, "status": status, "sort": sort, "size": size}
    filtered = any(shown[name] for name in FILTERS)
    context: dict[str, Any] = {"form": shown, "filtered": filtered, "searched": False,
                               "result": None, "page": page, "size": size, "error": None,
                               "page_size": PAGE_SIZE}
    try:
        if parse(q) or filtered:
            context["result"] = _found(run_search(
                request, ctx, user, q=q, customer=customer or None, type=type or None,
                year=_year(year), date_from=_date(date_from, "from"), date_to=_date(date_to, "to"),
                term=term or None, status=status or None, sort=sort, page=page, size=size))
            context["searched"] = True
    except DanganError as exc:
        context["error"] = exc
        return render(request, "search.html", user=user, status=status_for(exc), **context)
    return render(request, "search.html", user=user, **context)


def _found(answer: dict) -> dict:
    """The engine's answer as the page shows it: snippets as (text, marked) parts,
    facets with the most frequent type and the latest year first."""
    facets = answer["facets"]
    return {
        "total": answer["total"],
        "hits": [{**hit, "snippets": [marked(h) for h in hit["highlights"]]} for hit in answer["hits"]],
        "types": sorted(facets.get("type", {}).items(), key=lambda item: (-item[1], item[0])),
        "years": sorted(facets.get("year", {}).items(), reverse=True),
    }


def marked(snippet: str) -> list[tuple[str, bool]]:
    """A highlighted snippet as plain-text parts, each marked or not: the page
    escapes every part itself and wraps the marked ones in <mark>, so nothing
    of the engine's output reaches the page as markup."""
    parts: list[tuple[str, bool]] = []
    inside = False
    for piece in _MARK.split(snippet):
        if piece in ("<em>", "</em>"):
            inside = piece == "<em>"
        elif piece:
            parts.append((html.unescape(piece), inside))
    return parts


def _year(text: str) -> int | None:
    if not text:
        return None
    if not text.isdigit() or not 1900 <= int(text) <= 2999:
        raise InvalidInput("a year is four digits, 1900–2999", code="invalid_input",
                           detail={"year": text})
    return int(text)


def _date(text: str, name: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        # the detail names the parameter only: the page would show a date-like value as a date
        raise InvalidInput(f"{name} is not a date (YYYY-MM-DD)", code="invalid_document_date",
                           detail={"parameter": name}) from None
