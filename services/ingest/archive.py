"""Archiving: check the file, store its bytes, then commit document, version,
extraction job and audit event in one transaction. If the database fails
after the object was written, the object is deleted again: nothing half-written
remains."""
from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from datetime import date
from typing import TypeVar

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shared import audit
from shared.archive_numbers import next_sequence
from shared.bootstrap import Container
from shared.customers import get_customer
from shared.db.models import Customer, Document, DocumentVersion, PendingObject
from shared.documents import NO_CUSTOMER, find_duplicate, find_visible, get_document, visible
from shared.domain.access import AccessScope
from shared.domain.archive_number import ArchiveSeries, format_archive_number
from shared.domain.errors import Conflict, Duplicate
from shared.domain.keys import version_key
from shared.domain.metadata import NewDocument
from shared.domain.model import DOCUMENT_TYPE_CODES, DocumentStatus, ExtractionState
from shared.domain.retention import compute_retain_until, customer_closed_on
from shared.domain.validity import default_valid_until
from shared.jobs.queue import EXTRACT, INDEX, enqueue
from shared.protection import enqueue_protect
from services.ingest.inspect import Inspection, inspect_file
from services.ingest.spool import Upload, process_name

T = TypeVar("T")
log = logging.getLogger(__name__)


def archive_document(ctx: Container, *, upload: Upload, meta: NewDocument, actor: str,
                     viewer: AccessScope | None = None) -> Document:
    """Archive a new document; ``viewer`` is the uploader's AccessScope (None:
    the local operator, who sees everything)."""
    meta.validate(today=ctx.today(), clearance=viewer.clearance if viewer else None)
    scope = meta.customer or NO_CUSTOMER
    with ctx.uow() as uow:  # friendly early answers before any byte is stored
        if meta.customer:
            get_customer(uow.session, meta.customer)
        _refuse_duplicate(uow.session, scope, upload.sha256, viewer)
    inspection = inspect_file(upload.path, filename=upload.filename,
                              max_pixels=ctx.settings.max_image_pixels,
                              max_pages=ctx.settings.max_pages)
    document_id = str(uuid.uuid4())

    def record(session: Session, stored_key: str, version_id: str | None) -> Document:
        document = _insert_document(ctx, session, document_id, meta, actor)
        _insert_version(session, document, 1, scope, upload, inspection, stored_key, version_id, actor)
        audit.record(session, actor=actor, action="document.upload", target=f"document:{document_id}",
                     details={"archive_number": document.archive_number, "sha256": upload.sha256,
                              "size": upload.size, "filename": upload.filename})
        return document

    return _store_then_commit(ctx, document_id, 1, upload, inspection, scope, record, viewer)


def add_version(ctx: Container, *, document_id: str, upload: Upload, actor: str,
                viewer: AccessScope | None = None) -> DocumentVersion:
    with ctx.uow() as uow:
        document = find_visible(uow.session, document_id, viewer)
        if document.status == DocumentStatus.DESTROYED:
            raise Conflict(f"document {document_id} was destroyed", code="document_destroyed")
        scope = document.customer.code if document.customer else NO_CUSTOMER
        number = (document.versions[-1].number if document.versions else 0) + 1
        _refuse_duplicate(uow.session, scope, upload.sha256, viewer)
    inspection = inspect_file(upload.path, filename=upload.filename,
                              max_pixels=ctx.settings.max_image_pixels,
                              max_pages=ctx.settings.max_pages)

    def record(session: Session, stored_key: str, version_id: str | None) -> DocumentVersion:
        document = get_document(session, document_id)
        version = _insert_version(session, document, number, scope, upload, inspection,
                                  stored_key, version_id, actor)
        audit.record(session, actor=actor, action="document.version", target=f"document:{document_id}",
                     details={"version": number, "sha256": upload.sha256, "size": upload.size,
                              "filename": upload.filename})
        return version

    return _store_then_commit(ctx, document_id, number, upload, inspection, scope, record, viewer)


def _store_then_commit(ctx: Container, document_id: str, number: int, upload: Upload,
                       inspection: Inspection, scope: str,
                       record: Callable[[Session, str, str | None], T],
                       viewer: AccessScope | None) -> T:
    key = version_key(document_id, number, upload.sha256)
    with ctx.transaction() as session:
        session.add(PendingObject(key=key, owner=process_name()))
    try:
        stored = ctx.store.put_file(key, upload.path, content_type=inspection.mime_type)
        with ctx.uow() as uow:
            result = record(uow.session, key, stored.version_id)
            uow.session.execute(delete(PendingObject).where(PendingObject.key == key))
            uow.session.flush()
            uow.commit()
            return result
    except IntegrityError as exc:
        _remove_object(ctx, key)
        with ctx.uow() as uow:
            _refuse_duplicate(uow.session, scope, upload.sha256, viewer)
        raise Conflict("another upload changed this document at the same time; try again",
                       code="concurrent_change") from exc
    except BaseException:
        _remove_object(ctx, key)
        raise


def _remove_object(ctx: Container, key: str) -> None:
    """Undo a put whose row did not commit. If even that fails, say so loudly
    and let the first error go on: the pending row stays, the next start
    retries, and `dangan check` reports the orphan meanwhile."""
    try:
        ctx.store.destroy(key)
        with ctx.transaction() as session:
            session.execute(delete(PendingObject).where(PendingObject.key == key))
    except Exception:  # the caller's error is the one to raise
        log.exception("could not remove object %s after a failed commit", key)


def _refuse_duplicate(session: Session, scope: str, sha256: str, viewer: AccessScope | None) -> None:
    """The same bytes are archived once per customer. The answer names the
    document only to someone who may see it: otherwise it would tell its id
    and archive number to anyone holding a copy of the file."""
    existing = find_duplicate(session, customer_scope=scope, sha256=sha256)
    if existing is None:
        return
    if visible(viewer, existing):
        raise Duplicate(f"these bytes are already archived as {existing.archive_number}",
                        detail={"document": existing.id, "archive_number": existing.archive_number})
    raise Duplicate("these bytes are already archived for this customer, in a document "
                    "beyond your clearance; an archivist can tell you more")


def _insert_document(ctx: Container, session: Session, document_id: str, meta: NewDocument,
                     actor: str) -> Document:
    rule = ctx.schedule.for_type(meta.type)
    customer = get_customer(session, meta.customer) if meta.customer else None
    today = ctx.today()
    series = ArchiveSeries(
        fonds=ctx.settings.fonds,
        year=(meta.document_date or today).year,
        term=rule.code,
        type_code=DOCUMENT_TYPE_CODES[meta.type],
    )
    seq = next_sequence(session, series)
    document = Document(
        id=document_id,
        archive_number=format_archive_number(ctx.settings.archive_number_format, series, seq),
        customer_id=customer.id if customer else None,
        type=meta.type,
        title=meta.title.strip(),
        document_date=meta.document_date,
        secrecy=meta.secrecy,
        retention_term=rule.term.value,
        retention_years=rule.years,
        retention_trigger=rule.trigger.value,
        retain_until=compute_retain_until(
            rule, document_date=meta.document_date, ingested=today,
            customer_closed=_closed_on(customer), extension_years=0),
        status=DocumentStatus.ARCHIVED.value,
        tags=list(meta.tags),
        custom_fields=dict(meta.custom_fields),
        location=meta.location,
        valid_until=default_valid_until(
            document_type=meta.type, valid_until=meta.valid_until,
            document_date=meta.document_date, today=today,
            credit_report_months=ctx.settings.credit_report_valid_months),
        created_by=actor,
    )
    session.add(document)
    return document


def _closed_on(customer: Customer | None) -> date | None:
    if customer is None:
        return None
    return customer_closed_on(status=customer.status, closed_at=customer.closed_at)


def _insert_version(session: Session, document: Document, number: int, scope: str, upload: Upload,
                    inspection: Inspection, key: str, version_id: str | None,
                    actor: str) -> DocumentVersion:
    version = DocumentVersion(
        document_id=document.id, number=number, customer_scope=scope, object_key=key,
        object_version=version_id, sha256=upload.sha256, size=upload.size,
        mime_type=inspection.mime_type, original_filename=upload.filename,
        page_count=inspection.page_count, extraction_state=ExtractionState.PENDING.value, created_by=actor,
    )
    session.add(version)
    enqueue(session, kind=EXTRACT, payload={"document_id": document.id, "version": number})
    # title, customer, type and dates are searchable at once, before extraction ends (or fails)
    enqueue(session, kind=INDEX, payload={"document_id": document.id})
    enqueue_protect(session, [document.id])
    return version
