"""Borrowing (借阅, SPEC §4): access requests for documents or a customer's
whole file, approved by another person whose role covers the most sensitive
level requested, granting view and download until the end date; and the one
place a user's AccessScope is built (the rules: shared.domain.access)."""
from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from shared import audit
from shared.customers import get_customer
from shared.db.models import AccessRequest, AccessRequestDocument, Document
from shared.documents import visible
from shared.domain.access import (
    AccessScope,
    RequestStatus,
    check_may_decide,
    check_until,
    most_sensitive,
    scope_of,
)
from shared.domain.errors import Conflict, InvalidInput, NotFound
from shared.domain.model import DocumentStatus
from shared.domain.permissions import may_see


def request_access(session: Session, *, requester: str, purpose: str, until: date, today: date,
                   longest_days: int, documents: list[str] | None = None,
                   customer: str | None = None, viewer: AccessScope | None = None) -> AccessRequest:
    """A pending request. Documents are named by id: one the requester may not
    see is asked for blind, so an id that does not exist is answered alike —
    accepted, and granting nothing — lest the answer tell which ids exist."""
    if not purpose.strip():
        raise InvalidInput("a request states its purpose (用途)", code="purpose_required")
    check_until(until, today=today, longest_days=longest_days)
    if bool(documents) == bool(customer):
        raise InvalidInput("request either documents or one customer's file", code="invalid_scope")
    request = AccessRequest(requester=requester, purpose=purpose.strip(), until=until,
                            status=RequestStatus.PENDING)
    if customer:
        request.customer_id = get_customer(session, customer).id
    session.add(request)
    session.flush()
    named: list[str] = []
    for document_id in dict.fromkeys(documents or []):
        document = session.get(Document, document_id)
        if document is not None and visible(viewer, document):
            if document.status == DocumentStatus.DESTROYED:
                raise Conflict(f"{document.archive_number} was destroyed", code="document_destroyed")
        elif document is None or document.status == DocumentStatus.DESTROYED:
            continue  # answered as a hidden one is: accepted, granting nothing (no oracle)
        session.add(AccessRequestDocument(request_id=request.id, document_id=document_id))
        named.append(document_id)
    session.flush()
    # the trail names the documents the request reaches (the audit view hides it from
    # whoever may not see one of them); ids that reach nothing are only counted
    audit.record(session, actor=requester, action="access.request", target=f"access:{request.id}",
                 details={"purpose": request.purpose, "until": until.isoformat(),
                          "documents": named, "unmatched": len(dict.fromkeys(documents or [])) - len(named),
                          "customer": customer})
    return request


def scope(session: Session, request: AccessRequest) -> list[Document]:
    """The documents a request reaches: while a customer-wide request is pending,
    the customer's file as it is now; once decided, the documents fixed at
    approval — a document added later needs a request of its own."""
    if request.customer_id is not None and request.status == RequestStatus.PENDING:
        return _customer_file(session, request.customer_id)
    return list(session.scalars(select(Document).join(
        AccessRequestDocument, AccessRequestDocument.document_id == Document.id).where(
        AccessRequestDocument.request_id == request.id)))


def _customer_file(session: Session, customer_id: int) -> list[Document]:
    return list(session.scalars(select(Document).where(
        Document.customer_id == customer_id, Document.status != DocumentStatus.DESTROYED)
        .order_by(Document.id)))


def _pending(session: Session, request_id: int, actor: str, role: str, clearance: int
             ) -> tuple[AccessRequest, list[Document], int]:
    request = session.get(AccessRequest, request_id)
    if request is None:
        raise NotFound(f"access request {request_id} not found", code="access_request_not_found")
    documents = scope(session, request)
    level = most_sensitive(d.secrecy for d in documents)
    check_may_decide(request_id=request_id, status=request.status, requester=request.requester,
                     actor=actor, role=role, clearance=clearance, level=level)
    return request, documents, level


def approve(session: Session, *, request_id: int, actor: str, role: str, clearance: int
            ) -> AccessRequest:
    """Grant the request: its documents are fixed now, those the approver judged."""
    request, documents, level = _pending(session, request_id, actor, role, clearance)
    if request.customer_id is not None:  # resolve the customer's file as it is today
        session.add_all(AccessRequestDocument(request_id=request.id, document_id=d.id)
                        for d in documents)
    request.status, request.decided_by = RequestStatus.APPROVED, actor
    request.decided_at = datetime.now(UTC)
    audit.record(session, actor=actor, action="access.approve", target=f"access:{request_id}",
                 details={"requester": request.requester, "level": level,
                          "until": request.until.isoformat(),
                          "documents": [d.id for d in documents]})
    return request


def refuse(session: Session, *, request_id: int, actor: str, role: str, clearance: int,
           reason: str) -> AccessRequest:
    if not reason.strip():
        raise InvalidInput("a refusal gives its reason", code="reason_required")
    request, _, _ = _pending(session, request_id, actor, role, clearance)
    request.status, request.decided_by, request.refusal_reason = (
        RequestStatus.REFUSED, actor, reason.strip())
    request.decided_at = datetime.now(UTC)
    audit.record(session, actor=actor, action="access.refuse", target=f"access:{request_id}",
                 details={"requester": request.requester, "reason": request.refusal_reason})
    return request


def scope_for(session: Session, *, username: str | None, role: str, clearance: int,
              today: date) -> AccessScope:
    """The user's AccessScope today, their grants looked up once. ``username``
    None: someone with no account (the local shell), who borrows nothing."""
    granted = _granted_ids(session, username=username, today=today) if username else set()
    return scope_of(role=role, clearance=clearance, granted=granted)


def _granted_ids(session: Session, *, username: str, today: date) -> set[str]:
    """Documents an approved request lets ``username`` see today."""
    live = select(AccessRequest).where(AccessRequest.requester == username,
                                       AccessRequest.status == RequestStatus.APPROVED,
                                       AccessRequest.until >= today)
    granted: set[str] = set()
    for request in session.scalars(live):
        granted.update(d.id for d in scope(session, request))
    return granted


def lent_by(session: Session, *, username: str, clearance: int, document: Document,
            today: date) -> int | None:
    """The approved request under which ``username`` reads ``document`` today
    (the newest live one reaching it), for the reading register (查阅登记);
    None when their clearance covers it without one."""
    if may_see(clearance, document.secrecy):
        return None
    return session.scalar(
        select(AccessRequest.id).join(AccessRequestDocument,
                                      AccessRequestDocument.request_id == AccessRequest.id)
        .where(AccessRequest.requester == username, AccessRequest.status == RequestStatus.APPROVED,
               AccessRequest.until >= today, AccessRequestDocument.document_id == document.id)
        .order_by(AccessRequest.id.desc()).limit(1))


def list_requests(session: Session, *, status: str | None = None, requester: str | None = None,
                  limit: int = 500) -> list[AccessRequest]:
    """Access requests, newest first: of one ``requester`` if given, in one ``status`` if given."""
    query = select(AccessRequest).order_by(AccessRequest.id.desc())
    if requester is not None:
        query = query.where(AccessRequest.requester == requester)
    if status:
        query = query.where(AccessRequest.status == status)
    return list(session.scalars(query.limit(limit)))
