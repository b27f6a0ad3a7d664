"""The document page (档案件): page-1 preview, metadata, versions and a new
version, extraction state, retention, the audit trail, download. The same
visibility rule as the API's routes, through the same code: a document beyond
the caller is a 404 exactly like a missing one; content, preview and download
are the API's own handlers, so each is audited as the API audits it."""
from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse, RedirectResponse, StreamingResponse
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from shared import audit, corrections, retention
from shared.bootstrap import Container
from shared.db.models import Document, Hold
from shared.disposition import certificate_of
from shared.documents import find_visible
from shared.domain.access import AccessScope
from shared.domain.corrections import Editor, check_may_confirm, check_may_correct
from shared.domain.errors import DanganError, NotFound
from shared.domain.model import DocumentStatus
from shared.domain.permissions import Action, allows
from services.api import viewer
from services.api.deps import ContainerDep, Principal
from services.api.errors import status_for
from services.api.routes import documents as api
from services.api.schemas import VersionNumber
from services.api.web.i18n import N_
from services.api.web.labels import label
from services.api.web.messages_of_errors import message_for
from services.api.web.render import WebRoute, flash, render, translator_of
from services.api.web.routes.upload import csrf_before_body
from services.api.web.session import CSRF_FIELD, check_csrf, web_permit
from services.ingest import add_version

router = APIRouter(route_class=WebRoute, include_in_schema=False)
Reader = Annotated[Principal, Depends(web_permit(Action.DOCUMENT_READ))]
Uploader = Annotated[Principal, Depends(web_permit(Action.DOCUMENT_UPLOAD))]
EVENTS_SHOWN = 200  # the newest events of a document's trail on its page

# the audit trail's actions about a document, as the page names them
ACTIONS = {
    "document.upload": N_("Archived"), "document.version": N_("New version added"),
    "document.view": N_("Viewed"), "document.download": N_("Downloaded"),
    "document.destroy": N_("Destroyed"), "retention.override": N_("Retention changed"),
    "hold.place": N_("Legal hold placed"), "hold.release": N_("Legal hold released"),
    "access.request": N_("Access requested"), "access.approve": N_("Access request approved"),
    "access.refuse": N_("Access request refused"),
    "destruction.create": N_("Put on a destruction list"),
    "destruction.appraise": N_("Appraised"), "destruction.approve": N_("Destruction approved"),
    "destruction.execute": N_("Destruction executed"),
}


@router.get("/documents/{document_id}")
def document_page(document_id: str, request: Request, ctx: ContainerDep, user: Reader) -> Response:
    try:
        return _page(request, ctx, user, document_id)
    except NotFound as exc:
        return missing(request, user, document_id, exc)


def _page(request: Request, ctx: Container, user: Principal, document_id: str, *,
          version_error: DanganError | None = None) -> Response:
    with ctx.uow() as uow:
        session = uow.session
        scope = viewer.scope(session, ctx, user)
        document = find_visible(session, document_id, scope)
        latest = document.versions[-1] if document.versions else None
        destroyed = document.status == DocumentStatus.DESTROYED
        certificate = certificate_of(session, document.id) if destroyed else None
        return render(
            request, "document.html", user=user, document=document, latest=latest,
            destroyed=destroyed, certificate=certificate.reference if certificate else None,
            corrections=_corrections(session, user, document, scope),
            holds=_holds(session, user, document, scope), events=_events(session, user, document, scope),
            version_error=version_error, action_name=lambda action: _action_name(request, action),
            status=status_for(version_error) if version_error else 200)


def missing(request: Request, user: Principal, document_id: str, exc: DanganError) -> Response:
    """The answer to an id one may not see, the same as to one that does not
    exist; the access request it offers is accepted alike for both."""
    return render(request, "documents/missing.html", user=user, error=exc,
                  document_id=document_id, status=404)


def _corrections(session: Session, user: Principal, document: Document, scope: AccessScope
                 ) -> dict[str, Any]:
    """The record's corrections (著录修改) and what the caller may do about them."""
    editor = Editor(username=user.username, role=user.role, clearance=user.clearance)
    live = document.status != DocumentStatus.DESTROYED and allows(user.role, Action.DOCUMENT_UPLOAD)
    confirmed = document.confirmed_at is not None
    return {"changes": corrections.history(session, document_id=document.id, scope=scope),
            "superseded": corrections.superseded_numbers(session, document.id),
            "may_correct": live and _allowed(lambda: check_may_correct(
                editor, created_by=document.created_by, confirmed=confirmed,
                secrecy=document.secrecy)),
            "may_confirm": live and _allowed(lambda: check_may_confirm(
                editor, secrecy=document.secrecy, confirmed=confirmed))}


def _allowed(check: Callable[[], None]) -> bool:
    try:
        check()
    except DanganError:
        return False
    return True


def _holds(session: Session, user: Principal, document: Document, scope: AccessScope) -> list[Hold]:
    """The active legal holds that keep this document, for those who read holds."""
    if not allows(user.role, Action.RETENTION_READ):
        return []
    return [hold for hold in retention.list_holds(session, active=True, scope=scope)
            if document.id in retention.hold_document_ids(session, hold)]


def _events(session: Session, user: Principal, document: Document, scope: AccessScope
            ) -> dict[str, Any] | None:
    """The document's audit trail as GET /api/v1/audit?document=ID reads it for
    the caller, its newest events; None for a role that does not read the trail."""
    if not allows(user.role, Action.AUDIT_READ):
        return None
    reader = audit.AuditViewer(username=user.username, scope=scope)
    total, _ = audit.list_events(session, document=document.id, viewer=reader, limit=0)
    _, rows = audit.list_events(session, document=document.id, viewer=reader,
                                offset=max(0, total - EVENTS_SHOWN), limit=EVENTS_SHOWN)
    details = audit.readable_details(session, rows, viewer=reader)
    return {"total": total, "rows": list(zip(rows, details, strict=True))}


def _action_name(request: Request, action: str) -> str:
    text = ACTIONS.get(action)
    return translator_of(request).gettext(text) if text else action


@router.get("/documents/{document_id}/state")
def state(document_id: str, request: Request, ctx: ContainerDep, user: Reader) -> JSONResponse:
    """The extraction state of the newest version, for the upload page's script."""
    try:
        with ctx.uow() as uow:
            document = find_visible(uow.session, document_id, viewer.scope(uow.session, ctx, user))
            latest = document.versions[-1] if document.versions else None
            current = latest.extraction_state if latest else "pending"
            return JSONResponse({
                "state": current, "label": label(translator_of(request), "extraction", current),
                "error": latest.extraction_error if latest else None,
                "version": latest.number if latest else None})
    except DanganError as exc:
        return JSONResponse({"error": {"code": exc.code,
                                       "message": message_for(exc, translator_of(request))}},
                            status_code=status_for(exc))


@router.get("/documents/{document_id}/preview")
def preview(document_id: str, ctx: ContainerDep, user: Reader,
            version: VersionNumber = None) -> StreamingResponse:
    """Page 1 as a JPEG, recorded as a view — the API's own handler."""
    return api.preview(document_id, ctx, user, version)


@router.get("/documents/{document_id}/download")
def download(document_id: str, ctx: ContainerDep, user: Reader,
             version: VersionNumber = None) -> StreamingResponse:
    """The original bytes under their original file name, recorded as a
    download — the API's content handler (a destroyed record answers 410)."""
    return api.content(document_id, ctx, user, version, download=True)


@router.post("/documents/{document_id}/versions")
async def new_version(document_id: str, request: Request, ctx: ContainerDep,
                      user: Uploader) -> Response:
    """A rescan: a new version, never over an old one. The CSRF token comes in
    the X-CSRF-Token header or the form's csrf field."""
    checked = await csrf_before_body(request)
    try:
        await run_in_threadpool(api.reloaded, ctx, document_id, user)  # 404 beyond the caller
    except NotFound as exc:
        return missing(request, user, document_id, exc)
    try:
        fields, upload = await api.read_upload(request, ctx)
    except DanganError as exc:
        return await run_in_threadpool(_page, request, ctx, user, document_id, version_error=exc)
    try:
        if not checked:
            await check_csrf(request, fields.get(CSRF_FIELD) or "")
        scope = await run_in_threadpool(api.viewer_of, ctx, user)
        added = await run_in_threadpool(add_version, ctx, document_id=document_id, upload=upload,
                                        actor=user.username, viewer=scope)
    except DanganError as exc:
        if exc.code == "csrf_refused":
            raise
        return await run_in_threadpool(_page, request, ctx, user, document_id, version_error=exc)
    finally:
        upload.discard()
    response = RedirectResponse(f"/documents/{document_id}#versions", status_code=303)
    return flash(response, "ok", N_("Version {number} added."), number=added.number)
