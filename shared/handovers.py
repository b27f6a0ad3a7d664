"""Handover (移交/交接, SPEC §9): a department hands a batch over to the archive
room; its handover list (移交清单) names every archived record — as it was
then — and every refused file with the reason; an archivist other than the
one who handed over accepts it (交接完成) or returns it with a reason.
Kept permanently: nothing here deletes a handover or an item."""
from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from shared import audit
from shared.db.models import Document, Handover, HandoverItem
from shared.documents import find_visible, visible
from shared.domain.access import AccessScope, refuse_beyond_reach
from shared.domain.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from shared.domain.handover import (
    HandoverState,
    description,
    reference,
    refuse_receiver,
    refuse_unless,
    return_reason,
)
from shared.domain.model import Role
from shared.domain.permissions import may_see

TARGET = "handover:"


def item_visible(scope: AccessScope | None, item: HandoverItem) -> bool:
    """An archived item as its record is (shared.documents.visible); a refused
    file by the secrecy its manifest row gave, when it gave one."""
    if scope is None:
        return True
    if item.document is not None:
        return visible(scope, item.document)
    return item.secrecy is None or may_see(scope.clearance, item.secrecy)


def _may_see_handover(found: Handover, *, actor: str | None, role: str | None) -> bool:
    """The department's own handovers, and every handover for the archive room."""
    return actor is None or role == Role.ARCHIVIST or found.handed_by == actor


def get_handover(session: Session, handover_id: int, *, scope: AccessScope | None = None,
                 actor: str | None = None, role: str | None = None) -> Handover:
    """The handover, answered as absent when it is not the caller's to see, or
    when every item on it is beyond ``scope`` (None: the local operator)."""
    found = session.get(Handover, handover_id)
    if (found is None or not _may_see_handover(found, actor=actor, role=role)
            or (found.items and not any(item_visible(scope, i) for i in found.items))):
        raise NotFound(f"handover {handover_id} not found", code="handover_not_found")
    return found


def list_handovers(session: Session, *, status: str | None = None, scope: AccessScope | None = None,
                   actor: str | None = None, role: str | None = None) -> list[Handover]:
    """The inbox: newest first, of the handovers the caller may see."""
    query = select(Handover).order_by(Handover.id.desc())
    if status:
        try:
            query = query.where(Handover.status == HandoverState(status).value)
        except ValueError:
            raise InvalidInput(f"status is one of {', '.join(HandoverState)}",
                               code="invalid_handover_status") from None
    if actor is not None and role != Role.ARCHIVIST:
        query = query.where(Handover.handed_by == actor)
    return [h for h in session.scalars(query)
            if not h.items or any(item_visible(scope, i) for i in h.items)]


def create(session: Session, *, description_text: str | None, department: str | None,
           actor: str) -> Handover:
    """An open handover (移交) by ``actor`` for their department."""
    created = Handover(description=description(description_text),
                       department=(department or "").strip() or None,
                       status=HandoverState.OPEN.value, handed_by=actor)
    session.add(created)
    session.flush()
    created.reference = reference(year=created.created_at.year, handover_id=created.id)
    audit.record(session, actor=actor, action="handover.create", target=f"{TARGET}{created.id}",
                 details={"reference": created.reference, "department": created.department})
    return created


def _own_open(session: Session, handover_id: int, actor: str, scope: AccessScope | None) -> Handover:
    found = get_handover(session, handover_id, scope=scope, actor=actor, role=None)
    if found.handed_by != actor:
        raise PermissionDenied("only the person who hands a batch over adds to it or submits it",
                               code="not_your_handover")
    refuse_unless(found.status, HandoverState.OPEN, handover=handover_id, step="changed")
    return found


def record_archived(session: Session, found: Handover, document: Document) -> HandoverItem:
    """The record as handed over: number, title, pages and hash kept on the list."""
    first = document.versions[0] if document.versions else None
    item = HandoverItem(handover_id=found.id, document_id=document.id,
                        archive_number=document.archive_number, title=document.title,
                        pages=first.page_count if first else None,
                        sha256=first.sha256 if first else None,
                        filename=first.original_filename if first else "",
                        secrecy=document.secrecy)
    session.add(item)
    found.items.append(item)
    return item


def held_back(session: Session, document: Document, *, actor: str) -> str | None:
    """Why a record an earlier run of the same batch archived goes on no new
    list (another sender's, or already on a list), or None: it goes on it."""
    if document.created_by != actor:
        return f"archived by {document.created_by}, not by the sender"
    elsewhere = session.scalar(select(Handover.reference).join(HandoverItem).where(
        HandoverItem.document_id == document.id))
    if elsewhere is not None:
        return f"already handed over on {elsewhere}"
    return None


def add_documents(session: Session, *, handover_id: int, documents: list[str], actor: str,
                  scope: AccessScope | None = None) -> Handover:
    """Add records ``actor`` uploaded to their open handover; a record beyond
    ``scope`` is answered as absent, one on another handover is refused."""
    if not documents:
        raise InvalidInput("name at least one record to hand over", code="empty_handover")
    found = _own_open(session, handover_id, actor, scope)
    listed = {i.document_id for i in found.items}
    for document_id in dict.fromkeys(documents):
        document = find_visible(session, document_id, scope)
        if document.created_by != actor:
            raise PermissionDenied(f"{document.archive_number} was uploaded by someone else",
                                   code="not_your_upload", detail={"document": document_id})
        elsewhere = session.scalar(select(HandoverItem.handover_id).where(
            HandoverItem.document_id == document_id, HandoverItem.handover_id != handover_id))
        if elsewhere is not None:
            raise Conflict(f"{document.archive_number} is already on handover {elsewhere}",
                           code="already_handed_over", detail={"document": document_id})
        if document_id not in listed:
            record_archived(session, found, document)
    session.flush()
    audit.record(session, actor=actor, action="handover.add", target=f"{TARGET}{handover_id}",
                 details={"documents": list(dict.fromkeys(documents))})
    return found


def record_refusal(session: Session, *, handover_id: int, filename: str, code: str, message: str,
                   secrecy: int | None, actor: str) -> HandoverItem:
    """A file the archive refused, with the reason, kept on the list."""
    found = _own_open(session, handover_id, actor, None)
    item = HandoverItem(handover_id=found.id, filename=filename[:500], refusal_code=code[:64],
                        refusal_message=message, secrecy=secrecy)
    session.add(item)
    session.flush()
    audit.record(session, actor=actor, action="handover.refusal", target=f"{TARGET}{handover_id}",
                 # the file name stays on the list, where the refused row's secrecy guards it
                 details={"item": item.id, "code": code})
    return item


def submit(session: Session, *, handover_id: int, actor: str,
           scope: AccessScope | None = None) -> Handover:
    """移交: the list is closed and waits for the archive room."""
    found = _own_open(session, handover_id, actor, scope)
    if not found.items:
        raise InvalidInput("a handover with nothing on it is not submitted", code="empty_handover")
    found.status, found.submitted_at = HandoverState.SUBMITTED.value, datetime.now(UTC)
    audit.record(session, actor=actor, action="handover.submit", target=f"{TARGET}{handover_id}",
                 details={"items": len(found.items)})
    return found


def _decide(session: Session, handover_id: int, *, actor: str, role: str,
            scope: AccessScope | None) -> Handover:
    found = get_handover(session, handover_id, scope=scope, actor=actor, role=role)
    refuse_receiver(receiver=actor, role=role, handed_by=found.handed_by)
    refuse_unless(found.status, HandoverState.SUBMITTED, handover=handover_id, step="decided")
    refuse_beyond_reach("this handover", all(item_visible(scope, i) for i in found.items))
    found.received_by, found.decided_at = actor, datetime.now(UTC)
    return found


def accept(session: Session, *, handover_id: int, actor: str, role: str,
           scope: AccessScope | None = None) -> Handover:
    """交接完成: the archive room received what the list names."""
    found = _decide(session, handover_id, actor=actor, role=role, scope=scope)
    found.status = HandoverState.ACCEPTED.value
    audit.record(session, actor=actor, action="handover.accept", target=f"{TARGET}{handover_id}",
                 details={"reference": found.reference})
    return found


def return_handover(session: Session, *, handover_id: int, reason: str | None, actor: str,
                    role: str, scope: AccessScope | None = None) -> Handover:
    """退回: the archive room sends the batch back, saying why."""
    why = return_reason(reason)
    found = _decide(session, handover_id, actor=actor, role=role, scope=scope)
    found.status, found.return_reason = HandoverState.RETURNED.value, why
    audit.record(session, actor=actor, action="handover.return", target=f"{TARGET}{handover_id}",
                 details={"reference": found.reference, "reason": why})
    return found


def item_out(item: HandoverItem) -> dict[str, Any]:
    if item.refusal_code is not None:
        return {"filename": item.filename, "code": item.refusal_code, "message": item.refusal_message}
    document = item.document
    pages = item.pages
    if pages is None and document is not None and document.versions:
        pages = document.versions[0].page_count  # counted once extraction ran
    return {"document": item.document_id, "archive_number": item.archive_number,
            "title": item.title, "pages": pages, "sha256": item.sha256, "filename": item.filename,
            "status": document.status if document is not None else None}


def handover_out(found: Handover, *, viewer: AccessScope | None = None) -> dict[str, Any]:
    """A handover list (移交清单): what ``viewer`` may see of it, no count of the rest."""
    shown = [i for i in found.items if item_visible(viewer, i)]
    return {
        "id": found.id, "reference": found.reference, "description": found.description,
        "department": found.department, "status": found.status, "handed_by": found.handed_by,
        "created_at": found.created_at, "submitted_at": found.submitted_at,
        "received_by": found.received_by, "decided_at": found.decided_at,
        "return_reason": found.return_reason,
        "items": [item_out(i) for i in shown if i.refusal_code is None],
        "refused": [item_out(i) for i in shown if i.refusal_code is not None]}


def summary_out(found: Handover, *, viewer: AccessScope | None = None) -> dict[str, Any]:
    """One line of the inbox: the handover without its items, counting only the visible."""
    full = handover_out(found, viewer=viewer)
    return {**{k: v for k, v in full.items() if k not in ("items", "refused")},
            "items": len(full["items"]), "refused": len(full["refused"])}
