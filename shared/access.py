"""Borrowing (借阅, SPEC §4): access requests for documents or a customer's
whole file, approved by another person whose role covers the most sensitive
level requested, granting view and download until the end date; and the
personal-information rule for ID copies of closed customers."""
from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from shared import audit
from shared.customers import get_customer
from shared.db.models import AccessRequest, AccessRequestDocument, Document
from shared.domain.authority import approver_for, may_approve
from shared.domain.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from shared.domain.model import DocumentStatus, Role
from shared.domain.permissions import may_see

PENDING, APPROVED, REFUSED = "pending", "approved", "refused"


def request_access(session: Session, *, requester: str, purpose: str, until: date, today: date,
                   documents: list[str] | None = None, customer: str | None = None) -> AccessRequest:
    if not purpose.strip():
        raise InvalidInput("a request states its purpose (用途)", code="purpose_required")
    if until < today:
        raise InvalidInput("the end date (归还日期) has passed", code="invalid_until")
    if bool(documents) == bool(customer):
        raise InvalidInput("request either documents or one customer's file", code="invalid_scope")
    request = AccessRequest(requester=requester, purpose=purpose.strip(), until=until, status=PENDING)
    if customer:
        request.customer_id = get_customer(session, customer).id
    session.add(request)
    session.flush()
    for document_id in dict.fromkeys(documents or []):
        document = session.get(Document, document_id)
        if document is None or document.status == DocumentStatus.DESTROYED:
            raise NotFound(f"document {document_id} not found", code="document_not_found")
        session.add(AccessRequestDocument(request_id=request.id, document_id=document_id))
    session.flush()
    audit.record(session, actor=requester, action="access.request", target=f"access:{request.id}",
                 details={"purpose": request.purpose, "until": until.isoformat(),
                          "documents": documents or [], "customer": customer})
    return request


def scope(session: Session, request: AccessRequest) -> list[Document]:
    if request.customer_id is not None:
        return list(session.scalars(select(Document).where(
            Document.customer_id == request.customer_id, Document.status != DocumentStatus.DESTROYED)))
    return list(session.scalars(select(Document).join(
        AccessRequestDocument, AccessRequestDocument.document_id == Document.id).where(
        AccessRequestDocument.request_id == request.id)))


def _pending(session: Session, request_id: int, actor: str, role: str) -> tuple[AccessRequest, int]:
    request = session.get(AccessRequest, request_id)
    if request is None:
        raise NotFound(f"access request {request_id} not found", code="access_request_not_found")
    if request.status != PENDING:
        raise Conflict(f"access request {request_id} was already {request.status}", code="decided")
    if actor == request.requester:
        raise PermissionDenied("nobody decides their own request", code="approver_is_requester")
    level = min((d.secrecy for d in scope(session, request)), default=3)
    if not may_approve(role, level):
        raise PermissionDenied(f"a request reaching secrecy level {level} needs a {approver_for(level)}",
                               code="insufficient_authority", detail={"level": level, "role": role})
    return request, level


def approve(session: Session, *, request_id: int, actor: str, role: str) -> AccessRequest:
    request, level = _pending(session, request_id, actor, role)
    request.status, request.decided_by = APPROVED, actor
    request.decided_at = datetime.now(UTC)
    audit.record(session, actor=actor, action="access.approve", target=f"access:{request_id}",
                 details={"requester": request.requester, "level": level,
                          "until": request.until.isoformat()})
    return request


def refuse(session: Session, *, request_id: int, actor: str, role: str, reason: str) -> AccessRequest:
    if not reason.strip():
        raise InvalidInput("a refusal gives its reason", code="reason_required")
    request, _ = _pending(session, request_id, actor, role)
    request.status, request.decided_by, request.refusal_reason = REFUSED, actor, reason.strip()
    request.decided_at = datetime.now(UTC)
    audit.record(session, actor=actor, action="access.refuse", target=f"access:{request_id}",
                 details={"requester": request.requester, "reason": request.refusal_reason})
    return request


def granted_ids(session: Session, *, username: str, today: date) -> set[str]:
    """Documents an approved request lets ``username`` see today."""
    live = select(AccessRequest).where(AccessRequest.requester == username,
                                       AccessRequest.status == APPROVED, AccessRequest.until >= today)
    granted: set[str] = set()
    for request in session.scalars(live):
        granted.update(d.id for d in scope(session, request))
    return granted


def is_restricted(document: Document) -> bool:
    """PIPL: an ID copy of a closed customer is for archivists only until destroyed."""
    customer = document.customer
    return (document.type == "id_copy" and customer is not None and customer.status == "closed"
            and document.status != DocumentStatus.DESTROYED)


def may_open(*, role: str, clearance: int, document: Document, granted: set[str]) -> bool:
    if is_restricted(document):
        return role == Role.ARCHIVIST
    return may_see(clearance, document.secrecy) or document.id in granted
