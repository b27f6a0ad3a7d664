"""Corrections (著录修改, SPEC §2): a record's description changed with a
reason, each field's old and new value kept (document_changes), retention
recomputed when its inputs change, and a new archive number (档号) when the
record moves to another series.

Archive numbers: the number encodes year, term and type, so a correction of
the date's year or of the type (or a term the new type brings) moves the
record to another series and it takes that series' next number from the same
gap-free counter as archiving. The old number is kept in
superseded_archive_numbers, shown with the record, and never issued again:
its series' counter never goes back."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shared import audit
from shared.archive_numbers import next_sequence
from shared.bootstrap import Container
from shared.db.models import (
    DestructionItem,
    DestructionList,
    Document,
    DocumentChange,
    SupersededArchiveNumber,
)
from shared.disposition import refuse_destroyed
from shared.documents import find_visible
from shared.domain.access import AccessScope
from shared.domain.archive_number import ArchiveSeries, format_archive_number
from shared.domain.corrections import (
    RETENTION_INPUTS,
    Editor,
    changes_between,
    check_listed_secrecy,
    check_may_confirm,
    check_may_correct,
    check_may_edit_at_all,
    check_retention_change,
    corrected,
    read_correction,
    stored,
)
from shared.domain.disposition import OPEN_STATES
from shared.domain.metadata import NewDocument
from shared.domain.model import DOCUMENT_TYPE_CODES
from shared.domain.retention import Term
from shared.jobs.queue import INDEX, enqueue
from shared.protection import enqueue_protect
from shared.retention import is_held, recompute, rule_of


def correct(ctx: Container, session: Session, *, document_id: str, body: Mapping[str, Any],
            editor: Editor | None, scope: AccessScope | None) -> Document:
    """Apply one correction, or refuse it leaving nothing: no change, no
    history entry, no audit event (the caller's unit of work rolls back)."""
    check_may_edit_at_all(editor)
    correction = read_correction(body)
    document = _editable(session, document_id, scope)
    check_may_correct(editor, created_by=document.created_by,
                      confirmed=document.confirmed_at is not None, secrecy=document.secrecy)
    before = description_of(document)
    after = corrected(before, correction, today=ctx.today(),
                      clearance=editor.clearance if editor else None)
    changes = changes_between(before, after)
    listed = on_open_list(session, document.id)
    check_listed_secrecy(secrecy_changed="secrecy" in changes, listed=listed)
    old_until, old_series = document.retain_until, series_of(ctx, document)
    _store(document, after)
    if RETENTION_INPUTS & set(changes):
        _follow_schedule(ctx, document, type_changed="type" in changes)
        recompute(document, today=ctx.today())
        check_retention_change(before=old_until, after=document.retain_until,
                               held=is_held(session, document.id), listed=listed)
    change_set = _next_change_set(session, document.id)
    if document.retain_until != old_until:
        changes["retain_until"] = (stored(old_until), stored(document.retain_until))
        enqueue_protect(session, [document.id])
    new_series = series_of(ctx, document)
    if new_series != old_series:
        changes["archive_number"] = _renumber(ctx, session, document, new_series, change_set)
    actor = editor.username if editor else "cli"
    for field, (old, new) in changes.items():
        session.add(DocumentChange(document_id=document.id, change_set=change_set, field=field,
                                   old_value=old, new_value=new, changed_by=actor,
                                   reason=correction.reason))
    session.flush()
    enqueue(session, kind=INDEX, payload={"document_id": document.id})
    audit.record(session, actor=actor, action="document.update", target=f"document:{document.id}",
                 details={"change_set": change_set, "reason": correction.reason,
                          "changes": {f: {"from": o, "to": n} for f, (o, n) in changes.items()}})
    return document


def confirm(session: Session, *, document_id: str, editor: Editor | None,
            scope: AccessScope | None) -> Document:
    """An archivist confirms a record's description (著录确认): from now on
    only archivists correct it."""
    document = _editable(session, document_id, scope)
    check_may_confirm(editor, secrecy=document.secrecy, confirmed=document.confirmed_at is not None)
    document.confirmed_at = datetime.now(UTC)
    document.confirmed_by = editor.username if editor else "cli"
    session.flush()
    audit.record(session, actor=document.confirmed_by, action="document.confirm",
                 target=f"document:{document.id}", details={"archive_number": document.archive_number})
    return document


def history(session: Session, *, document_id: str, scope: AccessScope | None
            ) -> list[DocumentChange]:
    """Every field every correction changed, oldest first; for whoever may see the record."""
    find_visible(session, document_id, scope)
    return list(session.scalars(select(DocumentChange).where(DocumentChange.document_id == document_id)
                                .order_by(DocumentChange.change_set, DocumentChange.id)))


def superseded_numbers(session: Session, document_id: str) -> list[str]:
    return list(session.scalars(
        select(SupersededArchiveNumber.archive_number)
        .where(SupersededArchiveNumber.document_id == document_id)
        .order_by(SupersededArchiveNumber.change_set)))


def description_of(document: Document) -> NewDocument:
    """What a clerk said about the record (著录), as an upload says it."""
    return NewDocument(
        type=document.type, title=document.title,
        customer=document.customer.code if document.customer else None,
        document_date=document.document_date, secrecy=document.secrecy,
        tags=list(document.tags or []), location=document.location,
        valid_until=document.valid_until, custom_fields=dict(document.custom_fields or {}))


def series_of(ctx: Container, document: Document) -> ArchiveSeries:
    """The series the record's number belongs in: the year on it (else the year
    it was archived), the code of the term it is kept for, its type's code."""
    return ArchiveSeries(fonds=ctx.settings.fonds,
                         year=(document.document_date or document.created_at.date()).year,
                         term=rule_of(document).code, type_code=DOCUMENT_TYPE_CODES[document.type])


def on_open_list(session: Session, document_id: str) -> bool:
    return session.scalar(
        select(func.count()).select_from(DestructionItem)
        .join(DestructionList, DestructionList.id == DestructionItem.list_id)
        .where(DestructionItem.document_id == document_id,
               DestructionList.status.in_([s.value for s in OPEN_STATES]))) != 0


def find_editable(session: Session, document_id: str, scope: AccessScope | None) -> Document:
    """The record: 404 exactly as GET when the caller may not see it, 410 with
    its certificate once destroyed."""
    document = find_visible(session, document_id, scope)
    refuse_destroyed(session, document)
    return document


def _editable(session: Session, document_id: str, scope: AccessScope | None) -> Document:
    """The record, locked for this transaction (as find_editable answers)."""
    document = find_visible(session, document_id, scope)
    # the row alone (FOR UPDATE cannot reach the customer's outer join), then its values now
    session.execute(select(Document.id).where(Document.id == document_id).with_for_update())
    session.refresh(document)
    refuse_destroyed(session, document)
    return document


def _store(document: Document, after: NewDocument) -> None:
    document.title = after.title.strip()
    document.type = after.type
    document.document_date = after.document_date
    document.secrecy = after.secrecy
    document.tags = list(after.tags)
    document.location = after.location
    document.valid_until = after.valid_until
    document.custom_fields = dict(after.custom_fields)


def _follow_schedule(ctx: Container, document: Document, *, type_changed: bool) -> None:
    """A new type brings its schedule rule (term, years, trigger) unless the
    record carries a retention override, which names its whole term and stays.
    Extensions by appraisal stay in every case, as the schedule's own
    recomputations keep them."""
    if not type_changed or document.retention_override_reason is not None:
        return
    rule = ctx.schedule.for_type(document.type)
    document.retention_term = rule.term.value
    document.retention_years = None if rule.term is Term.PERMANENT else rule.years
    document.retention_trigger = rule.trigger.value


def _next_change_set(session: Session, document_id: str) -> int:
    last = session.scalar(select(func.max(DocumentChange.change_set))
                          .where(DocumentChange.document_id == document_id))
    return (last or 0) + 1


def _renumber(ctx: Container, session: Session, document: Document, series: ArchiveSeries,
              change_set: int) -> tuple[str, str]:
    old = document.archive_number
    session.add(SupersededArchiveNumber(archive_number=old, document_id=document.id,
                                        change_set=change_set))
    seq = next_sequence(session, series)
    document.archive_number = format_archive_number(ctx.settings.archive_number_format, series, seq)
    return old, document.archive_number


def document_record(document: Document, superseded: list[str]) -> dict[str, Any]:
    """What a correction's answer and `dangan documents show` say of a record."""
    return {
        "id": document.id, "archive_number": document.archive_number,
        "superseded_archive_numbers": superseded,
        "customer": document.customer.code if document.customer else None,
        "type": document.type, "title": document.title, "document_date": document.document_date,
        "secrecy": document.secrecy, "retention_term": document.retention_term,
        "retention_years": document.retention_years, "retain_until": document.retain_until,
        "status": document.status, "tags": list(document.tags or []),
        "location": document.location, "custom_fields": dict(document.custom_fields or {}),
        "valid_until": document.valid_until, "created_by": document.created_by,
        "confirmed_at": document.confirmed_at, "confirmed_by": document.confirmed_by,
    }


def change_record(change: DocumentChange) -> dict[str, Any]:
    return {"change_set": change.change_set, "field": change.field, "old_value": change.old_value,
            "new_value": change.new_value, "changed_by": change.changed_by,
            "changed_at": change.changed_at, "reason": change.reason}
