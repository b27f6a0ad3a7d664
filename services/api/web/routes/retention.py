"""Retention (保管期限, SPEC §3) on the page: what is due (到期待鉴定), the sweep,
legal holds (冻结), destruction lists (鉴定 → 审批 → 监销) and their printable
certificates (销毁证明), and the schedule — the use cases of
services/api/routes/retention.py and destruction.py, within the caller's scope."""
from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.responses import RedirectResponse
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from shared import disposition, retention
from shared.db.models import DestructionList
from shared.documents import visible
from shared.domain.access import AccessScope
from shared.domain.errors import DanganError, InvalidInput, NotFound
from shared.domain.permissions import Action
from shared.views import certificate_out, destruction_list_out
from services.api import viewer
from services.api.deps import ContainerDep, Principal
from services.api.schemas import PageNumber, RowId
from services.api.web.i18n import N_
from services.api.web.render import WebRoute, flash, render, translator_of
from services.api.web.routes.access import named_documents, refused
from services.api.web.session import Csrf, web_permit

router = APIRouter(route_class=WebRoute, include_in_schema=False)
Reader = Annotated[Principal, Depends(web_permit(Action.RETENTION_READ))]
Manager = Annotated[Principal, Depends(web_permit(Action.RETENTION_MANAGE))]
Approver = Annotated[Principal, Depends(web_permit(Action.DESTRUCTION_APPROVE))]
PAGE_SIZE = 50
LISTS_SHOWN = 50


def _holds(session: Session, scope: AccessScope) -> list[dict[str, Any]]:
    """Active holds the caller may see, with the documents of each they may see."""
    return [{"hold": h, "documents": [] if h.customer_id is not None else [
        d for d in retention.held_documents(session, h) if visible(scope, d)]}
        for h in retention.list_holds(session, active=True, scope=scope)]


def _lists(session: Session, scope: AccessScope) -> list[dict[str, Any]]:
    """The newest destruction lists the caller may see (get_list decides which)."""
    shown = []
    for list_id in session.scalars(select(DestructionList.id).order_by(DestructionList.id.desc())):
        try:
            shown.append(destruction_list_out(disposition.get_list(session, list_id, scope),
                                              viewer=scope))
        except NotFound:
            continue
        if len(shown) == LISTS_SHOWN:
            break
    return shown


@router.get("/retention")
def dashboard(request: Request, ctx: ContainerDep, user: Reader, page: PageNumber = 1) -> Response:
    with ctx.uow() as uow:
        session = uow.session
        scope = viewer.scope(session, ctx, user)
        total, due = retention.due_documents(session, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE,
                                             scope=scope)
        return render(request, "retention/index.html", user=user, due=due, total=total, page=page,
                      size=PAGE_SIZE, today=ctx.today().isoformat(), holds=_holds(session, scope),
                      lists=_lists(session, scope), schedule=ctx.schedule.rules)


def _as_of(value: str, today: date) -> date:
    if not value.strip():
        return today
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise InvalidInput("the as-of date is not a date", code="invalid_input") from None


def _done(to: str, text: str, **params: Any) -> Response:
    return flash(RedirectResponse(to, status_code=303), "ok", text, **params)


@router.post("/retention/sweep", dependencies=[Csrf])
def sweep(request: Request, ctx: ContainerDep, user: Manager,
          as_of: Annotated[str, Form()] = "") -> Response:
    # the count of flagged documents covers every level: the page shows the due list instead
    try:
        day = _as_of(as_of, ctx.today())
        with ctx.transaction() as session:
            retention.sweep(session, as_of=day, today=ctx.today(), actor=user.username)
    except DanganError as exc:
        return refused(request, exc, "/retention")
    return _done("/retention", N_("The sweep as of {date} is done."),
                 date=translator_of(request).date(day))


@router.post("/retention/holds", dependencies=[Csrf])
def place_hold(request: Request, ctx: ContainerDep, user: Manager,
               reason: Annotated[str, Form()] = "", documents: Annotated[str, Form()] = "",
               customer: Annotated[str, Form()] = "") -> Response:
    try:
        with ctx.transaction() as session:
            hold = retention.place_hold(session, reason=reason, actor=user.username,
                                        documents=named_documents(session, documents) or None,
                                        customer=customer.strip() or None,
                                        scope=viewer.scope(session, ctx, user))
            number = hold.id
    except DanganError as exc:
        return refused(request, exc, "/retention#holds")
    return _done("/retention#holds", N_("Legal hold {id} is placed."), id=number)


@router.post("/retention/holds/{hold_id}/release", dependencies=[Csrf])
def release_hold(request: Request, hold_id: RowId, ctx: ContainerDep, user: Manager,
                 reason: Annotated[str, Form()] = "") -> Response:
    try:
        with ctx.transaction() as session:
            retention.release_hold(session, hold_id=hold_id, actor=user.username, reason=reason,
                                   scope=viewer.scope(session, ctx, user))
    except DanganError as exc:
        return refused(request, exc, "/retention#holds")
    return _done("/retention#holds", N_("Legal hold {id} is released."), id=hold_id)


@router.post("/retention/lists", dependencies=[Csrf])
def draft(request: Request, ctx: ContainerDep, user: Manager,
          documents: Annotated[list[str], Form()] = []) -> Response:  # noqa: B006 (read only)
    try:
        with ctx.transaction() as session:
            created = disposition.create_list(session, documents=documents, actor=user.username,
                                              today=ctx.today(), scope=viewer.scope(session, ctx, user))
            number = created.id
    except DanganError as exc:
        return refused(request, exc, "/retention")
    return _done(f"/retention/lists/{number}", N_("Destruction list {id} is drafted."), id=number)


def _list_page(request: Request, ctx: ContainerDep, user: Principal, list_id: int,
               template: str) -> Response:
    with ctx.uow() as uow:
        scope = viewer.scope(uow.session, ctx, user)
        found = destruction_list_out(disposition.get_list(uow.session, list_id, scope), viewer=scope)
        certificates = [_dated(certificate_out(c)) for c in
                        disposition.certificates(uow.session, list_id=list_id, scope=scope)]
        return render(request, template, user=user, found=found, certificates=certificates)


def _dated(certificate: dict[str, Any]) -> dict[str, Any]:
    """A certificate's ISO strings back as dates, for the page's own date format."""
    out = dict(certificate)
    for key in ("document_date", "retain_until"):
        out[key] = date.fromisoformat(out[key]) if out.get(key) else None
    for key in ("archived_at", "approved_at", "destroyed_at"):
        value = out.get(key)
        out[key] = datetime.fromisoformat(value) if isinstance(value, str) else value
    return out


@router.get("/retention/lists/{list_id}")
def show_list(request: Request, list_id: RowId, ctx: ContainerDep, user: Reader) -> Response:
    return _list_page(request, ctx, user, list_id, "retention/list.html")


@router.get("/retention/lists/{list_id}/certificate")
def certificate(request: Request, list_id: RowId, ctx: ContainerDep, user: Reader) -> Response:
    return _list_page(request, ctx, user, list_id, "retention/certificate.html")


def _decisions(form: Any, documents: list[str]) -> list[dict[str, Any]]:
    """Each item's appraisal from the form's fields decision-<id>, years-<id>, reason-<id>."""
    decisions = []
    for document in documents:
        decision = str(form.get(f"decision-{document}") or "")
        years = str(form.get(f"years-{document}") or "").strip()
        decisions.append({"document": document, "decision": decision,
                          "years": int(years) if years.isdigit() else None,
                          "reason": str(form.get(f"reason-{document}") or "")})
    return decisions


@router.post("/retention/lists/{list_id}/appraise", dependencies=[Csrf])
async def appraise(request: Request, list_id: RowId, ctx: ContainerDep, user: Manager) -> Response:
    form = await request.form()
    to = f"/retention/lists/{list_id}"

    def work() -> None:
        with ctx.transaction() as session:
            scope = viewer.scope(session, ctx, user)
            found = disposition.get_list(session, list_id, scope)
            chosen = [i.document_id for i in found.items if visible(scope, i.document)]
            disposition.appraise(session, list_id=list_id, actor=user.username,
                                 decisions=_decisions(form, chosen), scope=scope)

    try:
        await run_in_threadpool(work)
    except DanganError as exc:
        return refused(request, exc, to)
    return _done(to, N_("The appraisal of destruction list {id} is saved."), id=list_id)


@router.post("/retention/lists/{list_id}/approve", dependencies=[Csrf])
def approve(request: Request, list_id: RowId, ctx: ContainerDep, user: Approver) -> Response:
    to = f"/retention/lists/{list_id}"
    try:
        with ctx.transaction() as session:
            disposition.approve(session, list_id=list_id, actor=user.username, role=user.role,
                                clearance=user.clearance, today=ctx.today(),
                                scope=viewer.scope(session, ctx, user))
    except DanganError as exc:
        return refused(request, exc, to)
    return _done(to, N_("Destruction list {id} is approved."), id=list_id)


@router.post("/retention/lists/{list_id}/execute", dependencies=[Csrf])
def execute(request: Request, list_id: RowId, ctx: ContainerDep, user: Manager,
            supervisor: Annotated[str, Form()] = "") -> Response:
    to = f"/retention/lists/{list_id}"
    try:
        if not supervisor.strip():
            raise InvalidInput("name the supervisor", code="unknown_supervisor")
        with ctx.uow() as uow:
            scope = viewer.scope(uow.session, ctx, user)
        destroyed = disposition.execute(database=ctx.database, store=ctx.store, today=ctx.today(),
                                        list_id=list_id, actor=user.username,
                                        supervisor=supervisor.strip(), scope=scope)
    except DanganError as exc:
        return refused(request, exc, to)
    # the index jobs are queued too; removing now keeps search honest at once
    request.app.state.index.delete(destroyed)
    return _done(to, N_("Destruction list {id} is executed."), id=list_id)

