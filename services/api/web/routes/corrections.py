"""The page's corrections of a record's description (著录修改): the form, with
a reason, and the archivist's confirmation (著录确认). The rules and the
history are the API's (shared/corrections.py): the same refusals, the same
404 for a record beyond the caller."""
from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.responses import RedirectResponse

from shared import corrections
from shared.bootstrap import Container
from shared.domain.corrections import Editor, check_may_correct
from shared.domain.errors import DanganError, NotFound
from shared.domain.permissions import Action
from services.api import viewer
from services.api.deps import ContainerDep, Principal
from services.api.errors import status_for
from services.api.web.i18n import N_
from services.api.web.profile_form import custom_fields_text, parse_custom_fields
from services.api.web.render import WebRoute, flash, render
from services.api.web.routes.documents import missing
from services.api.web.session import Csrf, web_permit

router = APIRouter(route_class=WebRoute, include_in_schema=False)
Editing = Annotated[Principal, Depends(web_permit(Action.DOCUMENT_UPLOAD))]
Text = Annotated[str, Form()]
TEXT_FIELDS = ("title", "type", "document_date", "secrecy", "tags", "location", "valid_until")


def editor_of(user: Principal) -> Editor:
    return Editor(username=user.username, role=user.role, clearance=user.clearance)


@router.get("/documents/{document_id}/edit")
def edit_form(document_id: str, request: Request, ctx: ContainerDep, user: Editing) -> Response:
    try:
        values = _current(ctx, user, document_id)
    except NotFound as exc:
        return missing(request, user, document_id, exc)
    return _form(request, user, document_id, values={**values, "reason": ""})


@router.post("/documents/{document_id}/edit", dependencies=[Csrf])
def correct(document_id: str, request: Request, ctx: ContainerDep, user: Editing,
            title: Text = "", type: Text = "", document_date: Text = "",
            secrecy: Text = "", tags: Text = "", location: Text = "", valid_until: Text = "",
            custom_fields: Text = "", custom_fields_was: Text = "", reason: Text = "") -> Response:
    sent = {"title": title, "type": type, "document_date": document_date, "secrecy": secrecy,
            "tags": tags, "location": location, "valid_until": valid_until}
    values = {**sent, "custom_fields": custom_fields, "reason": reason}
    try:
        body: dict[str, Any] = {**sent, "reason": reason}
        if custom_fields.strip() != custom_fields_was.strip():  # as shown: a number stays a number
            body["custom_fields"] = parse_custom_fields(custom_fields)
        with ctx.transaction() as session:
            corrections.correct(ctx, session, document_id=document_id, body=body,
                                editor=editor_of(user), scope=viewer.scope(session, ctx, user))
    except NotFound as exc:
        return missing(request, user, document_id, exc)
    except DanganError as exc:
        with ctx.uow() as uow:
            number = corrections.find_editable(uow.session, document_id, viewer.scope(
                uow.session, ctx, user)).archive_number
        return _form(request, user, document_id, values={**values, "was": custom_fields_was,
                                                         "archive_number": number},
                     error=exc, status=status_for(exc))
    return flash(_to_page(document_id), "ok", N_("The description was corrected."))


@router.post("/documents/{document_id}/confirm", dependencies=[Csrf])
def confirm(document_id: str, request: Request, ctx: ContainerDep, user: Editing) -> Response:
    try:
        with ctx.transaction() as session:
            corrections.confirm(session, document_id=document_id, editor=editor_of(user),
                                scope=viewer.scope(session, ctx, user))
    except NotFound as exc:
        return missing(request, user, document_id, exc)
    except DanganError as exc:
        return flash(_to_page(document_id), "error", N_("The description could not be confirmed: "
                                                       "{reason}"), reason=exc.message)
    return flash(_to_page(document_id), "ok", N_("The description was confirmed."))


def _current(ctx: Container, user: Principal, document_id: str) -> dict[str, Any]:
    """The record's description as the form shows it; a caller who may not
    correct it is refused here already, as the correction would be."""
    with ctx.uow() as uow:
        session = uow.session
        document = corrections.find_editable(session, document_id, viewer.scope(session, ctx, user))
        check_may_correct(editor_of(user), created_by=document.created_by,
                          confirmed=document.confirmed_at is not None, secrecy=document.secrecy)
        shown = corrections.description_of(document)
        return {"title": shown.title, "type": shown.type,
                "document_date": shown.document_date.isoformat() if shown.document_date else "",
                "secrecy": str(shown.secrecy), "tags": ", ".join(shown.tags),
                "location": shown.location or "",
                "valid_until": shown.valid_until.isoformat() if shown.valid_until else "",
                "custom_fields": custom_fields_text(shown.custom_fields),
                "was": custom_fields_text(shown.custom_fields),
                "archive_number": document.archive_number}


def _form(request: Request, user: Principal, document_id: str, *, values: dict[str, Any],
          error: DanganError | None = None, status: int = 200) -> Response:
    return render(request, "documents/edit.html", user=user, document_id=document_id,
                  values=values, error=error, status=status)


def _to_page(document_id: str) -> RedirectResponse:
    return RedirectResponse(f"/documents/{document_id}", status_code=303)
