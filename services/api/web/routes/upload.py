"""The upload page (上传, SPEC §5, §8): several files at once, dropped or
picked, each sent on its own by upload.js with its progress, its result (an
archive number, or the refusal in the page's language) and its extraction
state until it is searchable. Without JavaScript the same form posts and a
results page answers. Bytes take the API's streaming path (read_form, a spool
hashed as it arrives, archive_document), so a refusal leaves nothing behind."""
from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from shared.customers import list_customers
from shared.domain.errors import DanganError
from shared.domain.model import SECRECY_LEVELS
from shared.domain.permissions import Action, may_see
from services.api.deps import ContainerDep, Principal
from services.api.errors import status_for
from services.api.routes import documents as api
from services.api.schemas import DocumentOut
from services.api.web.labels import label
from services.api.web.messages_of_errors import message_for
from services.api.web.render import WebRoute, render, translator_of
from services.api.web.session import CSRF_FIELD, CSRF_HEADER, check_csrf, web_permit
from services.ingest import NewDocument, Upload, archive_document

router = APIRouter(route_class=WebRoute, include_in_schema=False)
Uploader = Annotated[Principal, Depends(web_permit(Action.DOCUMENT_UPLOAD))]
CUSTOMER_CHOICES = 20  # customers offered for what has been typed


def wants_json(request: Request) -> bool:
    """upload.js asks for JSON; a form posted without JavaScript gets a page."""
    return "application/json" in request.headers.get("accept", "")


@router.get("/upload")
def upload_form(request: Request, user: Uploader) -> Response:
    return render(request, "upload.html", user=user, secrecy_options=secrecy_options(request, user))


def secrecy_options(request: Request, user: Principal) -> list[tuple[int, str]]:
    """The secrecy levels one may archive at: those one could see afterwards."""
    tr = translator_of(request)
    return [(level, label(tr, "secrecy", level)) for level in sorted(SECRECY_LEVELS, reverse=True)
            if may_see(user.clearance, level)]


@router.get("/upload/customers")
def customer_choices(ctx: ContainerDep, user: Uploader, q: str = "") -> JSONResponse:
    """Customers whose code or name holds ``q``, for the form's picker."""
    with ctx.uow() as uow:
        _, rows = list_customers(uow.session, status=None, offset=0, limit=CUSTOMER_CHOICES,
                                 text=q[:64])
        return JSONResponse({"items": [{"code": c.code, "name": c.name, "status": c.status}
                                       for c in rows]})


async def csrf_before_body(request: Request) -> bool:
    """Checks the CSRF token before any byte is spooled where the request lets
    it be: in the X-CSRF-Token header (upload.js), or any body that is not a
    multipart upload. False: the token is a field of the multipart body."""
    header = request.headers.get(CSRF_HEADER)
    if header is None and request.headers.get("content-type", "").startswith("multipart/form-data"):
        return False
    await check_csrf(request, header)
    return True


@router.post("/upload")
async def upload(request: Request, ctx: ContainerDep, user: Uploader) -> Response:
    """One file with its description: a JSON answer for upload.js, a results
    page for a form posted without JavaScript."""
    filename: str | None = None
    try:
        checked = await csrf_before_body(request)
        fields, spooled = await api.read_upload(request, ctx)
        filename = spooled.filename
        result = await _archive(request, ctx, user, fields, spooled, csrf_checked=checked)
    except DanganError as exc:
        if wants_json(request):
            return refusal(request, exc)
        if exc.code == "csrf_refused":
            raise
        return render(request, "upload.html", user=user, secrecy_options=secrecy_options(request, user),
                      results=[{"error": exc, "filename": filename}], status=status_for(exc))
    if wants_json(request):
        return JSONResponse(result, status_code=201)
    return render(request, "upload.html", user=user, secrecy_options=secrecy_options(request, user),
                  results=[result], status=201)


async def _archive(request: Request, ctx: ContainerDep, user: Principal, fields: dict[str, str],
                   upload: Upload, *, csrf_checked: bool) -> dict[str, Any]:
    """archive_document as POST /api/v1/documents calls it; the spool is removed
    whatever the answer."""
    try:
        sent = fields.pop(CSRF_FIELD, None)
        if not csrf_checked:
            await check_csrf(request, sent or "")
        meta = NewDocument.from_form(fields, file_field="file")
        viewer = await run_in_threadpool(api.viewer_of, ctx, user)
        document = await run_in_threadpool(archive_document, ctx, upload=upload, meta=meta,
                                           actor=user.username, viewer=viewer)
    finally:
        upload.discard()
    return archived(request, await run_in_threadpool(api.reloaded, ctx, document.id, user),
                    filename=upload.filename)


def archived(request: Request, document: DocumentOut, *, filename: str) -> dict[str, Any]:
    state = document.extraction_state or "pending"
    return {"id": document.id, "archive_number": document.archive_number, "filename": filename,
            "title": document.title, "url": f"/documents/{document.id}", "state": state,
            "state_label": label(translator_of(request), "extraction", state)}


def refusal(request: Request, exc: DanganError) -> JSONResponse:
    """A refusal as upload.js shows it: the reason in the page's language; the
    existing document when the same bytes are archived and the caller may see it."""
    detail = exc.detail if isinstance(exc.detail, dict) else {}
    body: dict[str, Any] = {"code": exc.code, "message": message_for(exc, translator_of(request))}
    if exc.code == "duplicate" and detail.get("document"):
        body["existing"] = {"url": f"/documents/{detail['document']}",
                            "archive_number": detail.get("archive_number")}
    return JSONResponse({"error": body}, status_code=status_for(exc))
