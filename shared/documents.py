"""Reading documents and their versions (档案件)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, and_, exists, func, or_, select
from sqlalchemy.orm import Session, aliased

from shared.db.models import Customer, Document, DocumentVersion
from shared.domain.access import ID_COPY, AccessScope, is_restricted
from shared.domain.errors import NotFound
from shared.domain.model import CustomerStatus, DocumentStatus

NO_CUSTOMER = "-"  # duplicate scope of company-level records


@dataclass(frozen=True)
class DocumentFilter:
    customer: str | None = None
    type: str | None = None
    status: str | None = None
    year: int | None = None
    date_from: date | None = None
    date_to: date | None = None


def get_document(session: Session, document_id: str) -> Document:
    document = session.get(Document, document_id)
    if document is None:
        raise NotFound(f"document {document_id} not found", code="document_not_found")
    return document


def restricted(document: Document) -> bool:
    """The PIPL rule (shared.domain.access.is_restricted) for a stored document."""
    return is_restricted(type=document.type, status=document.status,
                         customer_status=document.customer.status if document.customer else None)


def visible(scope: AccessScope | None, document: Document) -> bool:
    """Whether anything of ``document`` — its existence, id, number, title, file
    name, text or a count it adds to — may reach this viewer: AccessScope.may_open
    (clearance or grant, and the PIPL rule). None: the local operator, who sees all."""
    return scope is None or scope.may_open(document_id=document.id, secrecy=document.secrecy,
                                           restricted=restricted(document))


def find_visible(session: Session, document_id: str, scope: AccessScope | None) -> Document:
    """The document, or the very answer a missing id gets when it is beyond ``scope``."""
    document = session.get(Document, document_id)
    if document is None or not visible(scope, document):
        raise NotFound(f"document {document_id} not found", code="document_not_found")
    return document


def get_version(document: Document, number: int | None) -> DocumentVersion:
    if not document.versions:
        raise NotFound(f"document {document.id} has no content", code="version_not_found")
    if number is None:
        return document.versions[-1]
    for version in document.versions:
        if version.number == number:
            return version
    raise NotFound(f"document {document.id} has no version {number}", code="version_not_found")


def restricted_sql() -> ColumnElement[bool]:
    """The translation into SQL of shared.domain.access.is_restricted: an ID copy,
    not destroyed, whose customer is closed. EXISTS, not a join or IN, so that a
    record without a customer is plainly false (never NULL) and callers may join
    customers themselves."""
    owner = aliased(Customer)  # apart from any customers the caller joins
    closed = exists().where(owner.id == Document.customer_id,
                            owner.status == CustomerStatus.CLOSED.value)
    return and_(Document.type == ID_COPY, Document.status != DocumentStatus.DESTROYED.value, closed)


def visible_to(scope: AccessScope) -> ColumnElement[bool]:
    """The translation into SQL of AccessScope.may_open: the documents a listing
    shows this user (within clearance or granted, and not withheld by PIPL)."""
    seen: ColumnElement[bool] = Document.secrecy >= scope.clearance  # permissions.may_see
    if scope.granted:
        seen = or_(seen, Document.id.in_(sorted(scope.granted)))
    return seen if scope.restricted_ok else and_(seen, ~restricted_sql())


def list_documents(session: Session, flt: DocumentFilter, *, scope: AccessScope, offset: int,
                   limit: int) -> tuple[int, list[Document]]:
    query = select(Document).where(visible_to(scope))
    if flt.customer:
        query = query.join(Customer, Document.customer_id == Customer.id).where(
            Customer.code == flt.customer)
    if flt.type:
        query = query.where(Document.type == flt.type)
    if flt.status:
        query = query.where(Document.status == flt.status)
    if flt.year:
        flt_from, flt_to = date(flt.year, 1, 1), date(flt.year, 12, 31)
        query = query.where(Document.document_date.between(flt_from, flt_to))
    if flt.date_from:
        query = query.where(Document.document_date >= flt.date_from)
    if flt.date_to:
        query = query.where(Document.document_date <= flt.date_to)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(
        query.order_by(Document.created_at.desc(), Document.id).offset(offset).limit(limit)
    ).all()
    return total, list(rows)


def find_duplicate(session: Session, *, customer_scope: str, sha256: str) -> Document | None:
    """The document already holding these exact bytes for this customer, if any."""
    return session.scalar(
        select(Document)
        .join(DocumentVersion, DocumentVersion.document_id == Document.id)
        .where(DocumentVersion.customer_scope == customer_scope, DocumentVersion.sha256 == sha256)
    )
