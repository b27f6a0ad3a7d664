"""Documents (档案件): upload, versions, listing and content."""
from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from shared import access, audit, corrections
from shared.bootstrap import Container
from shared.db.models import Document
from shared.disposition import refuse_destroyed
from shared.documents import DocumentFilter, find_visible, get_version, list_documents
from shared.domain.access import AccessScope
from shared.domain.corrections import Editor
from shared.domain.errors import InvalidInput, NotFound, Unsupported
from services.api import viewer
from services.api.correction_schemas import ChangeOut, CorrectedDocumentOut, CorrectionIn, HistoryOut
from services.api.deps import ContainerDep, Principal, Reader, Uploader
from services.api.multipart import read_form
from services.api.schemas import DocumentOut, Page, PageNumber, VersionNumber, VersionOut, multipart_body
from services.ingest import UPLOAD_FIELDS, NewDocument, Upload, add_version, archive_document

router = APIRouter(prefix="/api/v1/documents", tags=["documents"])


@router.post("", status_code=201, response_model=DocumentOut,
             openapi_extra=multipart_body(UPLOAD_FIELDS, others_refused=True))
async def upload(request: Request, ctx: ContainerDep, user: Uploader) -> DocumentOut:
    fields, upload = await read_upload(request, ctx)
    try:
        meta = NewDocument.from_form(fields, file_field="file")
        viewer = await run_in_threadpool(viewer_of, ctx, user)
        document = await run_in_threadpool(archive_document, ctx, upload=upload,
                                           meta=meta, actor=user.username, viewer=viewer)
    finally:
        upload.discard()
    return await run_in_threadpool(reloaded, ctx, document.id, user)


@router.post("/{document_id}/versions", status_code=201, response_model=VersionOut,
             openapi_extra=multipart_body())
async def new_version(document_id: str, request: Request, ctx: ContainerDep,
                      user: Uploader) -> VersionOut:
    await run_in_threadpool(reloaded, ctx, document_id, user)  # 404 beyond the caller's clearance
    _, upload = await read_upload(request, ctx)
    try:
        viewer = await run_in_threadpool(viewer_of, ctx, user)
        version = await run_in_threadpool(add_version, ctx, document_id=document_id,
                                          upload=upload, actor=user.username, viewer=viewer)
    finally:
        upload.discard()
    return VersionOut.of(version)


@router.get("", response_model=Page)
def list_(ctx: ContainerDep, user: Reader,
          customer: str | None = None, type: str | None = None,
          status: str | None = None, year: Annotated[int | None, Query(ge=1900, le=2999)] = None,
          date_from: Annotated[date | None, Query(alias="from")] = None,
          date_to: Annotated[date | None, Query(alias="to")] = None,
          page: PageNumber = 1,
          size: Annotated[int, Query(ge=1, le=500)] = 50) -> Page:
    with ctx.uow() as uow:
        flt = DocumentFilter(customer=customer, type=type, status=status, year=year,
                             date_from=date_from, date_to=date_to)
        total, rows = list_documents(uow.session, flt, scope=_scope(ctx, uow.session, user),
                                     offset=(page - 1) * size, limit=size)
        return Page(total=total, page=page, size=size, items=[DocumentOut.of(d) for d in rows])


@router.get("/{document_id}", response_model=CorrectedDocumentOut)
def get(document_id: str, ctx: ContainerDep, user: Reader) -> CorrectedDocumentOut:
    with ctx.uow() as uow:
        document = _visible(ctx, uow.session, document_id, user)
        return CorrectedDocumentOut.corrected(
            document, corrections.superseded_numbers(uow.session, document.id))


@router.patch("/{document_id}", response_model=CorrectedDocumentOut)
def correct(document_id: str, body: CorrectionIn, ctx: ContainerDep,
            user: Reader) -> CorrectedDocumentOut:
    """著录修改: correct a record's description, with a reason (clerks: their own
    uploads until confirmed; archivists: any record within their clearance)."""
    with ctx.transaction() as session:
        document = corrections.correct(ctx, session, document_id=document_id, body=body.given(),
                                       editor=_editor(user), scope=_scope(ctx, session, user))
        return CorrectedDocumentOut.corrected(
            document, corrections.superseded_numbers(session, document.id))


@router.post("/{document_id}/confirm", response_model=CorrectedDocumentOut)
def confirm(document_id: str, ctx: ContainerDep, user: Reader) -> CorrectedDocumentOut:
    """An archivist confirms the description: after it, clerks no longer correct it."""
    with ctx.transaction() as session:
        document = corrections.confirm(session, document_id=document_id, editor=_editor(user),
                                       scope=_scope(ctx, session, user))
        return CorrectedDocumentOut.corrected(
            document, corrections.superseded_numbers(session, document.id))


@router.get("/{document_id}/history", response_model=HistoryOut)
def history(document_id: str, ctx: ContainerDep, user: Reader) -> HistoryOut:
    """Every field each correction changed: old and new value, who, when, why."""
    with ctx.uow() as uow:
        changes = corrections.history(uow.session, document_id=document_id,
                                      scope=_scope(ctx, uow.session, user))
        return HistoryOut(document=document_id, items=[ChangeOut.of(c) for c in changes])


def _editor(user: Principal) -> Editor:
    return Editor(username=user.username, role=user.role, clearance=user.clearance)


@router.get("/{document_id}/content")
def content(document_id: str, ctx: ContainerDep, user: Reader,
            version: VersionNumber = None,
            download: bool = False) -> StreamingResponse:
    with ctx.transaction() as session:
        document = _openable(ctx, session, document_id, user)
        stored = get_version(document, version)
        chunks = ctx.store.iter_chunks(stored.object_key, version_id=stored.object_version)
        first = next(chunks, b"")  # fail here (404/503), before the 200 is sent
        audit.record(session, actor=user.username,
                     action="document.download" if download else "document.view",
                     target=f"document:{document_id}",
                     details=_reading(ctx, session, user, document, version=stored.number))

    def body() -> Iterator[bytes]:
        yield first
        yield from chunks

    disposition = "attachment" if download else "inline"
    return StreamingResponse(body(), media_type=stored.mime_type, headers={
        "Content-Length": str(stored.size),
        "Content-Disposition": f"{disposition}; filename*=UTF-8''{quote(stored.original_filename)}",
        "ETag": f'"{stored.sha256}"',
        "X-Archive-Number": document.archive_number,
    })


@router.get("/{document_id}/download-url")
def download_url(document_id: str, ctx: ContainerDep, user: Reader,
                 version: VersionNumber = None) -> dict:
    """A time-limited URL (DANGAN_S3_PRESIGN_SECONDS) from which the client
    downloads the bytes straight from the object store, sparing the API the
    transfer; recorded as a download. A store clients cannot reach (the local
    directory) answers 501: use /content."""
    presigner = ctx.store.presigner()
    if presigner is None:
        raise Unsupported("this archive's object store gives no direct download URLs; "
                          "use /content?download=true", code="direct_download_unavailable")
    with ctx.transaction() as session:
        document = _openable(ctx, session, document_id, user)
        stored = get_version(document, version)
        seconds = ctx.settings.s3_presign_seconds
        url = presigner.presign_get(stored.object_key, version_id=stored.object_version,
                                    filename=stored.original_filename, expires=seconds)
        audit.record(session, actor=user.username, action="document.download",
                     target=f"document:{document_id}",
                     details=_reading(ctx, session, user, document, version=stored.number, direct=True))
    return {"url": url, "expires_in": seconds, "version": stored.number, "sha256": stored.sha256}


@router.get("/{document_id}/preview")
def preview(document_id: str, ctx: ContainerDep, user: Reader,
            version: VersionNumber = None) -> StreamingResponse:
    """A JPEG of page 1, made by the extraction job (404 until then); recorded as a view."""
    with ctx.transaction() as session:
        document = _openable(ctx, session, document_id, user)
        stored = get_version(document, version)
        if not stored.preview_key:
            raise NotFound("no preview yet: extraction has not finished", code="preview_not_ready")
        key = stored.preview_key
        audit.record(session, actor=user.username, action="document.view",
                     target=f"document:{document_id}",
                     details=_reading(ctx, session, user, document, version=stored.number, preview=True))
    return StreamingResponse(ctx.store.iter_chunks(key), media_type="image/jpeg")


def _reading(ctx: Container, session: Session, user: Principal, document: Document, *,
             version: int, **how: bool) -> dict:
    """What the reading register (查阅登记) keeps of one read: the version, how,
    and the access request it was made under when the reader's clearance alone
    does not reach the document."""
    lent = access.lent_by(session, username=user.username, clearance=user.clearance,
                          document=document, today=ctx.today())
    return {"version": version, **how, **({"access_request": lent} if lent is not None else {})}


def reloaded(ctx: Container, document_id: str, user: Principal) -> DocumentOut:
    with ctx.uow() as uow:
        return DocumentOut.of(_visible(ctx, uow.session, document_id, user))


def viewer_of(ctx: Container, user: Principal) -> AccessScope:
    with ctx.uow() as uow:
        return _scope(ctx, uow.session, user)


def _scope(ctx: Container, session: Session, user: Principal) -> AccessScope:
    return viewer.scope(session, ctx, user)


def _visible(ctx: Container, session: Session, document_id: str, user: Principal) -> Document:
    """The document, or 404 exactly as a missing id when the caller may not see
    it: beyond their clearance and grants, or an ID copy withheld by PIPL."""
    return find_visible(session, document_id, _scope(ctx, session, user))


def _openable(ctx: Container, session: Session, document_id: str, user: Principal) -> Document:
    """A readable document whose bytes still exist; a destroyed one answers 410
    with its certificate's reference."""
    document = _visible(ctx, session, document_id, user)
    refuse_destroyed(session, document)
    return document


async def read_upload(request: Request, ctx: Container) -> tuple[dict[str, str], Upload]:
    """The form's fields and its file; a request without a file is refused."""
    form = await read_form(request, spool_dir=ctx.settings.spool_dir,
                           limit=ctx.settings.max_upload_bytes)
    if form.upload is None:
        raise InvalidInput("the request has no file part named 'file'", code="missing_file")
    return form.fields, form.upload
