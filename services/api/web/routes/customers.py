"""The page's customers area: the list, creating and editing a customer,
closing (销户) and reopening one, and a customer's whole file (客户档案)
grouped by record type, with each record's state and retention."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Query, Request, Response
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from shared import customers
from shared.bootstrap import Container
from shared.completeness import CustomerFilter, completeness
from shared.db.models import Customer, Document
from shared.documents import DocumentFilter, list_documents
from shared.domain import profile
from shared.domain.access import AccessScope, masks_personal
from shared.domain.errors import DanganError, InvalidInput
from shared.domain.permissions import Action
from shared.domain.retention import Term
from shared.views import customer_out, revision_out
from services.api import viewer
from services.api.deps import ContainerDep, Principal
from services.api.errors import status_for
from services.api.schemas import CustomerOut
from services.api.web.i18n import N_
from services.api.web.labels import LABELS
from services.api.web.profile_form import PERSONAL, ProfileForm, form_values, profile_form
from services.api.web.render import WebRoute, flash, render
from services.api.web.session import Csrf, web_permit

router = APIRouter(route_class=WebRoute, include_in_schema=False)

Reader = Annotated[Principal, Depends(web_permit(Action.CUSTOMER_READ))]
Manager = Annotated[Principal, Depends(web_permit(Action.CUSTOMER_MANAGE))]
PAGE_SIZE = 50
CHUNK = 500  # documents read at a time for a customer's file


@dataclass(frozen=True)
class FileEntry:
    """One record of a customer's file, as its page shows it."""

    id: str
    archive_number: str
    type: str
    title: str
    document_date: date | None
    status: str
    extraction: str | None
    term: str
    years: int | None
    trigger: str
    retain_until: date | None

    @property
    def pending(self) -> bool:
        """Its clock has not started yet (the trigger event has not happened)."""
        return self.retain_until is None and self.term != Term.PERMANENT

    @classmethod
    def of(cls, document: Document) -> FileEntry:
        latest = document.versions[-1] if document.versions else None
        return cls(id=document.id, archive_number=document.archive_number, type=document.type,
                   title=document.title,
                   document_date=document.document_date, status=document.status,
                   extraction=latest.extraction_state if latest else None,
                   term=document.retention_term, years=document.retention_years,
                   trigger=document.retention_trigger, retain_until=document.retain_until)


@router.get("/customers")
def customer_list(request: Request, ctx: ContainerDep, user: Reader,
                  status: Annotated[str, Query(pattern="^(active|closed|)$")] = "",
                  kind: Annotated[str, Query(max_length=32)] = "",
                  grade: Annotated[str, Query(max_length=1)] = "",
                  q: Annotated[str, Query(max_length=200)] = "",
                  page: Annotated[int, Query(ge=1, le=100_000)] = 1) -> Response:
    with ctx.uow() as uow:
        total, rows = customers.list_customers(uow.session, status=status or None, kind=kind or None,
                                               grade=grade or None, text=q or None,
                                               offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE)
        shown = [CustomerOut.of(c, masked=masks_personal(user.clearance)) for c in rows]
    return render(request, "customers/list.html", user=user, customers=shown, total=total,
                  page=page, size=PAGE_SIZE,
                  filters={"status": status, "kind": kind, "grade": grade, "q": q})


@router.get("/customers/new")
def new_customer(request: Request, user: Manager) -> Response:
    values = form_values({**profile.EMPTY, "code": "", "name": "", "kind": "company", "grade": "B"})
    return _form(request, user, values=values)


@router.post("/customers", dependencies=[Csrf])
def create_customer(request: Request, ctx: ContainerDep, user: Manager,
                    fields: Annotated[ProfileForm, Depends(profile_form)],
                    code: Annotated[str, Form()] = "", name: Annotated[str, Form()] = "",
                    kind: Annotated[str, Form()] = "", grade: Annotated[str, Form()] = "") -> Response:
    values = {"code": code, "name": name, "kind": kind, "grade": grade}
    try:
        with ctx.transaction() as session:
            customer = customers.create_customer(session, code=code, name=name, kind=kind,
                                                 grade=grade, actor=user.username,
                                                 details=fields.values(masked=False))
            code = customer.code
    except DanganError as exc:
        return _form(request, user, values=_typed(values, fields), error=exc,
                     status=status_for(exc))
    return flash(_to_file(code), "ok", N_("Customer {code} was created."), code=code)


@router.get("/customers/{code}")
def customer_file(code: str, request: Request, ctx: ContainerDep, user: Reader) -> Response:
    return _file_page(request, ctx, user, code)


@router.get("/customers/{code}/history")
def customer_history(code: str, request: Request, ctx: ContainerDep, user: Reader,
                     page: Annotated[int, Query(ge=1, le=100_000)] = 1) -> Response:
    """Every entry of the profile's history, newest first (动态管理)."""
    masked = masks_personal(user.clearance)
    with ctx.uow() as uow:
        customer, total, rows = customers.history(uow.session, code=code,
                                                  offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE)
        shown = CustomerOut.of(customer, masked=masked)
        entries = [revision_out(r, masked=masked) for r in rows]
    return render(request, "customers/history.html", user=user, customer=shown, entries=entries,
                  total=total, page=page, size=PAGE_SIZE)


@router.get("/customers/{code}/edit")
def edit_customer(code: str, request: Request, ctx: ContainerDep, user: Manager) -> Response:
    masked = masks_personal(user.clearance)
    with ctx.uow() as uow:
        shown = customer_out(customers.get_customer(uow.session, code), masked=masked)
    return _form(request, user, values={**form_values(shown), "reason": ""}, editing=True,
                 masked=masked)


@router.post("/customers/{code}/edit", dependencies=[Csrf])
def update_customer(code: str, request: Request, ctx: ContainerDep, user: Manager,
                    fields: Annotated[ProfileForm, Depends(profile_form)],
                    name: Annotated[str, Form()] = "", kind: Annotated[str, Form()] = "",
                    grade: Annotated[str, Form()] = "", reason: Annotated[str, Form()] = ""
                    ) -> Response:
    masked = masks_personal(user.clearance)
    values = {"code": code, "name": name, "kind": kind, "grade": grade, "reason": reason}
    try:
        with ctx.transaction() as session:
            customers.update_profile(session, code=code, reason=reason, actor=user.username,
                                     values={"name": name, "kind": kind, "grade": grade,
                                             **fields.values(masked=masked)})
    except DanganError as exc:
        if masked:  # what the form showed masked, it shows masked again
            with ctx.uow() as uow:
                shown = customer_out(customers.get_customer(uow.session, code), masked=True)
            values.update({f: shown[f] for f in PERSONAL})
        return _form(request, user, values=_typed(values, fields, keep=PERSONAL if masked else ()),
                     error=exc, status=status_for(exc), editing=True, masked=masked)
    return flash(_to_file(code), "ok", N_("Customer {code} was changed."), code=code)


def _typed(values: dict[str, Any], fields: ProfileForm, *, keep: tuple[str, ...] = ()
           ) -> dict[str, Any]:
    """The form again as it was sent, after a refusal."""
    typed = {**profile.EMPTY, **fields.texts, "contacts": fields.contacts,
             "custom_fields": {}, **values}
    for field in keep:
        typed[field] = values[field]
    return {**form_values(typed), "custom_fields": fields.custom_fields}


@router.post("/customers/{code}/close", dependencies=[Csrf])
def close_customer(code: str, request: Request, ctx: ContainerDep, user: Manager,
                   closed_at: Annotated[str, Form()] = "") -> Response:
    try:
        with ctx.transaction() as session:
            customers.close_customer(session, code=code, closed_at=_closing_date(closed_at, ctx),
                                     actor=user.username, today=ctx.today())
    except DanganError as exc:
        return _file_page(request, ctx, user, code, error=exc, status=status_for(exc))
    return flash(_to_file(code), "ok", N_("Customer {code} was closed."), code=code)


@router.post("/customers/{code}/reopen", dependencies=[Csrf])
def reopen_customer(code: str, request: Request, ctx: ContainerDep, user: Manager) -> Response:
    try:
        with ctx.transaction() as session:
            customers.reopen_customer(session, code=code, actor=user.username, today=ctx.today())
    except DanganError as exc:
        return _file_page(request, ctx, user, code, error=exc, status=status_for(exc))
    return flash(_to_file(code), "ok", N_("Customer {code} was reopened."), code=code)


def _closing_date(text: str, ctx: Container) -> date:
    if not text.strip():
        return ctx.today()
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput("closed_at is not a date (YYYY-MM-DD)", code="invalid_closed_at") from None


def _to_file(code: str) -> RedirectResponse:
    return RedirectResponse(f"/customers/{quote(code, safe='')}", status_code=303)


def _form(request: Request, user: Principal, *, values: dict[str, Any], editing: bool = False,
          masked: bool = False, error: DanganError | None = None, status: int = 200) -> Response:
    return render(request, "customers/form.html", user=user, values=values, editing=editing,
                  masked=masked, error=error, status=status)


def _file_page(request: Request, ctx: Container, user: Principal, code: str, *,
               error: DanganError | None = None, status: int = 200) -> Response:
    """The customer and every record of theirs the caller may see, by type:
    the listing's own visibility rule, so nothing beyond it is shown or counted."""
    with ctx.uow() as uow:
        customer = customers.get_customer(uow.session, code)
        scope = viewer.scope(uow.session, ctx, user)
        entries = _visible_file(uow.session, scope, customer)
        shown = CustomerOut.of(customer, masked=masks_personal(user.clearance))
        [status_of_file] = completeness(uow.session, checklist=ctx.checklist, today=ctx.today(),
                                        scope=scope, flt=CustomerFilter(customer=code))["customers"]
    groups = _by_type(entries)
    return render(request, "customers/file.html", user=user, customer=shown, groups=groups,
                  total=len(entries), today=ctx.today(), error=error, status=status,
                  file_status=status_of_file)


def _visible_file(session: Session, scope: AccessScope, customer: Customer) -> list[FileEntry]:
    entries: list[FileEntry] = []
    while True:
        total, rows = list_documents(session, DocumentFilter(customer=customer.code), scope=scope,
                                     offset=len(entries), limit=CHUNK)
        entries += [FileEntry.of(d) for d in rows]
        if not rows or len(entries) >= total:
            return entries


def _by_type(entries: list[FileEntry]) -> list[tuple[str, list[FileEntry]]]:
    """Groups in the order of the record types, then any configured beyond
    them; within a group the newest document date first."""
    order = list(LABELS["type"])
    groups: dict[str, list[FileEntry]] = {}
    for entry in entries:
        groups.setdefault(entry.type, []).append(entry)
    ranked = sorted(groups, key=lambda t: (order.index(t) if t in order else len(order), t))
    return [(t, sorted(groups[t], key=lambda e: (e.document_date or date.min, e.archive_number),
                       reverse=True)) for t in ranked]
