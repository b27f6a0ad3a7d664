"""Handovers (移交/交接, SPEC §9) on the page: the inbox of handover lists
(移交清单) — a department's own, every one for the archive room — a list with
each record and each refused file, its PDF, and the archive room's decision:
accept (交接完成) or return with a reason. The use cases of
services/api/routes/handovers.py, within the caller's scope."""
from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request, Response
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool

from shared import handovers
from shared.bootstrap import Container
from shared.db.models import Handover
from shared.domain.access import AccessScope
from shared.domain.errors import DanganError, NotFound
from shared.domain.handover import HandoverState, refuse_receiver
from shared.domain.permissions import Action
from shared.handover_pdf import render as render_pdf
from services.api import viewer
from services.api.deps import ContainerDep, Principal
from services.api.schemas import RowId
from services.api.web.i18n import N_, Translator
from services.api.web.messages_of_errors import ERRORS, fields_of
from services.api.web.render import WebRoute, flash, render, translator_of
from services.api.web.routes.access import refused
from services.api.web.session import Csrf, web_permit

router = APIRouter(route_class=WebRoute, include_in_schema=False)
# the API's own permission for every handover route (services/api/deps.Uploader)
Uploader = Annotated[Principal, Depends(web_permit(Action.DOCUMENT_UPLOAD))]
Status = Annotated[str, Query(pattern="^(open|submitted|accepted|returned|)$")]
Whose = Annotated[str, Query(pattern="^(mine|)$")]


def may_decide(found: Handover, user: Principal, scope: AccessScope) -> bool:
    """The domain's rule for who receives a list, asked before offering the forms."""
    if found.status != HandoverState.SUBMITTED:
        return False
    try:
        refuse_receiver(receiver=user.username, role=user.role, handed_by=found.handed_by)
    except DanganError:
        return False
    return all(handovers.item_visible(scope, i) for i in found.items)


def refusal_reason(tr: Translator, code: str | None, message: str | None) -> str:
    """Why a file was refused, in the page's language where its code has a text
    that needs nothing more; else as the archive recorded it."""
    text = ERRORS.get(code or "")
    if isinstance(text, str) and not fields_of(text):
        return tr.gettext(text)
    return message or code or ""


def _inbox(ctx: Container, user: Principal, status: str, whose: str) -> dict[str, Any]:
    with ctx.uow() as uow:
        session = uow.session
        scope = viewer.scope(session, ctx, user)
        found = handovers.list_handovers(session, status=status or None, scope=scope,
                                         actor=user.username, role=user.role)
        if whose == "mine":
            found = [h for h in found if h.handed_by == user.username]
        waiting = [handovers.summary_out(h, viewer=scope) for h in handovers.list_handovers(
            session, status=HandoverState.SUBMITTED.value, scope=scope, actor=user.username,
            role=user.role) if may_decide(h, user, scope)]
        return {"handovers": [handovers.summary_out(h, viewer=scope) for h in found],
                "waiting": waiting}


@router.get("/handovers")
async def inbox(request: Request, ctx: ContainerDep, user: Uploader, status: Status = "",
                whose: Whose = "") -> Response:
    shown = await run_in_threadpool(_inbox, ctx, user, status, whose)
    return render(request, "handovers/inbox.html", user=user, filters={"status": status, "whose": whose},
                  **shown)


def _one(ctx: Container, user: Principal, handover_id: int) -> tuple[dict[str, Any], bool]:
    with ctx.uow() as uow:
        scope = viewer.scope(uow.session, ctx, user)
        found = handovers.get_handover(uow.session, handover_id, scope=scope, actor=user.username,
                                       role=user.role)
        return handovers.handover_out(found, viewer=scope), may_decide(found, user, scope)


@router.get("/handovers/{handover_id}")
async def detail(request: Request, handover_id: RowId, ctx: ContainerDep, user: Uploader) -> Response:
    shown, deciding = await run_in_threadpool(_one, ctx, user, handover_id)
    tr = translator_of(request)
    reasons = [refusal_reason(tr, r["code"], r["message"]) for r in shown["refused"]]
    return render(request, "handovers/detail.html", user=user, found=shown, deciding=deciding,
                  reasons=reasons)


@router.get("/handovers/{handover_id}/pdf")
async def pdf(handover_id: RowId, ctx: ContainerDep, user: Uploader) -> Response:
    shown, _deciding = await run_in_threadpool(_one, ctx, user, handover_id)
    data = await run_in_threadpool(render_pdf, shown)
    return Response(data, media_type="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="{shown["reference"]}.pdf"'})


def _back(exc: DanganError, handover_id: int) -> str:
    """Where a refused decision goes: the list, unless the list is not to be seen."""
    return "/handovers" if isinstance(exc, NotFound) else f"/handovers/{handover_id}"


@router.post("/handovers/{handover_id}/accept", dependencies=[Csrf])
def accept(request: Request, handover_id: RowId, ctx: ContainerDep, user: Uploader) -> Response:
    try:
        with ctx.transaction() as session:
            found = handovers.accept(session, handover_id=handover_id, actor=user.username,
                                     role=user.role, scope=viewer.scope(session, ctx, user))
            reference = found.reference
    except DanganError as exc:
        return refused(request, exc, _back(exc, handover_id))
    return flash(RedirectResponse(f"/handovers/{handover_id}", status_code=303), "ok",
                 N_("Handover {reference} is accepted: the handover is complete."),
                 reference=reference)


@router.post("/handovers/{handover_id}/return", dependencies=[Csrf])
def return_(request: Request, handover_id: RowId, ctx: ContainerDep, user: Uploader,
            reason: Annotated[str, Form(max_length=2000)] = "") -> Response:
    try:
        with ctx.transaction() as session:
            found = handovers.return_handover(session, handover_id=handover_id, reason=reason,
                                              actor=user.username, role=user.role,
                                              scope=viewer.scope(session, ctx, user))
            reference = found.reference
    except DanganError as exc:
        return refused(request, exc, _back(exc, handover_id))
    return flash(RedirectResponse(f"/handovers/{handover_id}", status_code=303), "ok",
                 N_("Handover {reference} is returned to its sender."), reference=reference)
