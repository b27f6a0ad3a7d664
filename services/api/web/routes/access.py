"""Access requests (借阅申请, SPEC §4) on the page: my requests, those waiting
for my approval, the request form, and approve/refuse — the use cases of
services/api/routes/access.py, within the caller's scope."""
from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request, Response
from fastapi.responses import RedirectResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from shared import access
from shared.db.models import AccessRequest, Document
from shared.documents import visible
from shared.domain.access import AccessScope, RequestStatus, check_may_decide, most_sensitive
from shared.domain.errors import DanganError, InvalidInput
from shared.domain.permissions import Action, allows
from services.api import viewer
from services.api.deps import ContainerDep, Principal
from services.api.errors import status_for
from services.api.schemas import RowId
from services.api.web.i18n import N_
from services.api.web.messages_of_errors import message_for
from services.api.web.render import WebRoute, flash, render, translator_of
from services.api.web.session import Csrf, WebUser, require, web_permit

router = APIRouter(route_class=WebRoute, include_in_schema=False)
Requester = Annotated[Principal, Depends(web_permit(Action.ACCESS_REQUEST))]
Decider = Annotated[Principal, Depends(web_permit(Action.ACCESS_APPROVE))]


def named_documents(session: Session, text: str) -> list[str]:
    """Document ids from what a form names — ids or archive numbers, separated by
    spaces, commas or lines. An archive number is looked up whoever may see it:
    the use case then answers a hidden document as it answers a missing one."""
    ids: list[str] = []
    for word in (w for w in re.split(r"[\s,，、;；]+", text) if w):
        found = session.scalar(select(Document.id).where(Document.archive_number == word))
        ids.append(found or word)
    return list(dict.fromkeys(ids))


def refused(request: Request, exc: DanganError, to: str) -> Response:
    """Back to the page the form was on, with the refusal in the page's language."""
    return flash(RedirectResponse(to, status_code=303), "error", message_for(exc, translator_of(request)))


def _documents_of(session: Session, request: AccessRequest, scope: AccessScope) -> list[Document]:
    return [d for d in access.scope(session, request) if visible(scope, d)]


def _may_decide(session: Session, request: AccessRequest, user: Principal) -> bool:
    """The domain's rule for who decides a request, asked before offering it."""
    level = most_sensitive(d.secrecy for d in access.scope(session, request))
    try:
        check_may_decide(request_id=request.id, status=request.status, requester=request.requester,
                         actor=user.username, role=user.role, clearance=user.clearance, level=level)
    except DanganError:
        return False
    return True


def _row(session: Session, request: AccessRequest, scope: AccessScope) -> dict[str, Any]:
    return {"request": request, "documents": _documents_of(session, request, scope)}


@router.get("/access")
def inbox(request: Request, ctx: ContainerDep, user: WebUser) -> Response:
    if not (allows(user.role, Action.ACCESS_REQUEST) or allows(user.role, Action.ACCESS_APPROVE)):
        require(user, Action.ACCESS_REQUEST)
    with ctx.uow() as uow:
        session = uow.session
        scope = viewer.scope(session, ctx, user)
        mine = [_row(session, r, scope) for r in access.list_requests(session, requester=user.username)]
        waiting = []
        if allows(user.role, Action.ACCESS_APPROVE):
            waiting = [_row(session, r, scope) for r in
                       access.list_requests(session, status=RequestStatus.PENDING.value)
                       if _may_decide(session, r, user)]
        return render(request, "access/index.html", user=user, mine=mine, waiting=waiting)


@router.get("/access/new")
def new(request: Request, ctx: ContainerDep, user: Requester,
        documents: Annotated[list[str], Query()] = [],  # noqa: B006 (FastAPI reads it, never changes it)
        customer: str = "") -> Response:
    today = ctx.today()
    return render(request, "access/new.html", user=user, error=None, documents="\n".join(documents),
                  customer=customer, purpose="", until=(today + timedelta(days=30)).isoformat(),
                  earliest=today.isoformat(),
                  latest=(today + timedelta(days=ctx.settings.access_longest_days)).isoformat())


def _until(value: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise InvalidInput("the end date is not a date", code="invalid_until") from None


@router.post("/access", dependencies=[Csrf])
def ask(request: Request, ctx: ContainerDep, user: Requester,
        purpose: Annotated[str, Form()] = "", until: Annotated[str, Form()] = "",
        documents: Annotated[str, Form()] = "", customer: Annotated[str, Form()] = "") -> Response:
    try:
        with ctx.transaction() as session:
            scope = viewer.scope(session, ctx, user)
            created = access.request_access(
                session, requester=user.username, purpose=purpose, until=_until(until),
                today=ctx.today(), longest_days=ctx.settings.access_longest_days,
                documents=named_documents(session, documents) or None,
                customer=customer.strip() or None, viewer=scope)
            number = created.id
    except DanganError as exc:
        return _form_again(request, ctx, user, exc, documents=documents, customer=customer,
                           purpose=purpose, until=until)
    return flash(RedirectResponse("/access", status_code=303), "ok",
                 N_("Access request {id} has been sent for approval."), id=number)


def _form_again(request: Request, ctx: ContainerDep, user: Principal, exc: DanganError, *,
                documents: str, customer: str, purpose: str, until: str) -> Response:
    today = ctx.today()
    return render(request, "access/new.html", user=user, error=exc, status=status_for(exc),
                  earliest=today.isoformat(),
                  latest=(today + timedelta(days=ctx.settings.access_longest_days)).isoformat(),
                  documents=documents, customer=customer, purpose=purpose, until=until)


@router.post("/access/{request_id}/approve", dependencies=[Csrf])
def approve(request: Request, request_id: RowId, ctx: ContainerDep, user: Decider) -> Response:
    try:
        with ctx.transaction() as session:
            access.approve(session, request_id=request_id, actor=user.username, role=user.role,
                           clearance=user.clearance)
    except DanganError as exc:
        return refused(request, exc, "/access")
    return flash(RedirectResponse("/access", status_code=303), "ok",
                 N_("Access request {id} is approved."), id=request_id)


@router.post("/access/{request_id}/refuse", dependencies=[Csrf])
def refuse(request: Request, request_id: RowId, ctx: ContainerDep, user: Decider,
           reason: Annotated[str, Form()] = "") -> Response:
    try:
        with ctx.transaction() as session:
            access.refuse(session, request_id=request_id, actor=user.username, role=user.role,
                          clearance=user.clearance, reason=reason)
    except DanganError as exc:
        return refused(request, exc, "/access")
    return flash(RedirectResponse("/access", status_code=303), "ok",
                 N_("Access request {id} is refused."), id=request_id)
