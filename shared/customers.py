"""Customers (客户): their profiles with history (动态管理), and the closure event
that starts event-based retention (SPEC §2)."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from shared import audit
from shared.db.models import Customer, CustomerRevision, Document
from shared.domain import profile
from shared.domain.errors import AlreadyExists, Conflict, InvalidInput, NotFound
from shared.domain.metadata import check_reason
from shared.domain.model import CustomerStatus, DocumentStatus
from shared.domain.retention import Trigger
from shared.jobs.queue import INDEX, enqueue
from shared.protection import enqueue_protect
from shared.retention import recompute

OPENED = "the customer's file was opened"  # 建档: the reason of a profile's first entry


def create_customer(session: Session, *, code: str, name: str, kind: str, grade: str,
                    actor: str, details: Mapping[str, Any] | None = None) -> Customer:
    """A new customer; ``details`` are the other fields of its profile. Its
    history starts with this profile."""
    code = code.strip()
    if not code or len(code) > 64 or "/" in code or any(c.isspace() for c in code):
        raise InvalidInput("a customer code is 1–64 characters without spaces or '/'",
                           code="invalid_customer_code")
    after = profile.apply(profile.EMPTY, {**(details or {}), "name": name, "kind": kind,
                                          "grade": grade})
    if session.scalar(select(Customer.id).where(Customer.code == code)) is not None:
        raise AlreadyExists(f"customer {code} already exists", code="customer_exists")
    _refuse_taken_identifiers(session, after, code=code)
    customer = Customer(code=code, status=CustomerStatus.ACTIVE.value)
    after["status"] = customer.status
    _store(customer, after)
    session.add(customer)
    session.flush()
    _record(session, customer, before=profile.EMPTY, after=after, reason=OPENED, actor=actor)
    audit.record(session, actor=actor, action="customer.create", target=f"customer:{code}",
                 details={"name": after["name"], "kind": kind, "grade": grade,
                          "fields": sorted(f for f in profile.EDITABLE
                                           if after[f] != profile.EMPTY[f])})
    return customer


def get_customer(session: Session, code: str) -> Customer:
    customer = session.scalar(select(Customer).where(Customer.code == code))
    if customer is None:
        raise NotFound(f"customer {code} not found", code="customer_not_found")
    return customer


def list_customers(session: Session, *, status: str | None, offset: int, limit: int,
                   kind: str | None = None, grade: str | None = None, text: str | None = None
                   ) -> tuple[int, list[Customer]]:
    """Customers by code; ``text`` is looked for in the code, the name and the
    credit code (an individual's ID number is not: it is personal information)."""
    query = select(Customer)
    if status:
        query = query.where(Customer.status == status)
    if kind:
        query = query.where(Customer.kind == kind)
    if grade:
        query = query.where(Customer.grade == grade)
    if text and text.strip():
        words = text.strip()
        query = query.where(or_(Customer.code.icontains(words, autoescape=True),
                                Customer.name.icontains(words, autoescape=True),
                                Customer.credit_code == words.upper()))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(Customer.code).offset(offset).limit(limit)).all()
    return total, list(rows)


def update_profile(session: Session, *, code: str, values: Mapping[str, Any], reason: str | None,
                   actor: str) -> Customer:
    """Change some fields of a customer's profile (the code stays): a new dated
    entry in its history with who and why; the earlier ones stay as they were."""
    reason = check_reason(reason)
    customer = get_customer(session, code)
    before = profile_of(customer)
    after = profile.apply(before, values)
    changed = profile.changes(before, after)
    if not changed:
        raise InvalidInput("nothing to change: the profile already holds these values",
                           code="no_change")
    _refuse_taken_identifiers(session, after, code=code)
    _store(customer, after)
    session.flush()
    revision = _record(session, customer, before=before, after=after, reason=reason, actor=actor)
    audit.record(session, actor=actor, action="customer.update", target=f"customer:{code}",
                 details={"revision": revision.number, "fields": sorted(changed),
                          "reason": reason})
    return customer


def history(session: Session, *, code: str, offset: int, limit: int
            ) -> tuple[Customer, int, list[CustomerRevision]]:
    """A customer's profile history, newest first."""
    customer = get_customer(session, code)
    where = CustomerRevision.customer_id == customer.id
    total = session.scalar(select(func.count()).where(where)) or 0
    rows = session.scalars(select(CustomerRevision).where(where)
                           .order_by(CustomerRevision.number.desc())
                           .offset(offset).limit(limit)).all()
    return customer, total, list(rows)


def profile_of(customer: Customer) -> dict[str, Any]:
    """The current profile, in the form history entries keep (dates as ISO text)."""
    values = {field: getattr(customer, field) for field in profile.FIELDS}
    for field in profile.DATES:
        values[field] = values[field].isoformat() if values[field] else None
    values["contacts"] = list(values["contacts"] or [])
    values["custom_fields"] = dict(values["custom_fields"] or {})
    return values


def _store(customer: Customer, values: Mapping[str, Any]) -> None:
    for field in profile.FIELDS:
        value = values[field]
        if field in profile.DATES:
            value = date.fromisoformat(value) if value else None
        setattr(customer, field, value)


def _record(session: Session, customer: Customer, *, before: Mapping[str, Any],
            after: Mapping[str, Any], reason: str, actor: str) -> CustomerRevision:
    last = session.scalar(select(func.max(CustomerRevision.number))
                          .where(CustomerRevision.customer_id == customer.id)) or 0
    revision = CustomerRevision(customer_id=customer.id, number=last + 1, changed_by=actor,
                                reason=reason, changes=profile.changes(before, after),
                                profile=dict(after))
    session.add(revision)
    session.flush()
    return revision


def _refuse_taken_identifiers(session: Session, values: Mapping[str, Any], *, code: str) -> None:
    """One organisation, one credit code; one person, one ID number: a second
    customer with the same identifier is a duplicate file."""
    for field, column in (("credit_code", Customer.credit_code), ("id_number", Customer.id_number)):
        if values.get(field):
            other = session.scalar(select(Customer.code).where(column == values[field],
                                                               Customer.code != code))
            if other is not None:
                raise AlreadyExists(f"customer {other} already has this {field.replace('_', ' ')}",
                                    code="customer_identifier_exists",
                                    detail={"field": field, "customer": other})


def close_customer(session: Session, *, code: str, closed_at: date, actor: str,
                   today: date) -> Customer:
    customer = get_customer(session, code)
    if customer.status == CustomerStatus.CLOSED:
        raise Conflict(f"customer {code} is already closed", code="customer_closed")
    if closed_at > today:
        raise InvalidInput("closed_at cannot be in the future", code="invalid_closed_at")
    before = profile_of(customer)
    customer.status = CustomerStatus.CLOSED.value
    customer.closed_at = closed_at
    _record(session, customer, before=before, after=profile_of(customer),
            reason=f"closed on {closed_at.isoformat()}", actor=actor)
    recomputed = recompute_retention(session, customer, today=today)
    audit.record(session, actor=actor, action="customer.close", target=f"customer:{code}",
                 details={"closed_at": closed_at.isoformat(), "retention_recomputed": recomputed})
    return customer


def reopen_customer(session: Session, *, code: str, actor: str, today: date) -> Customer:
    customer = get_customer(session, code)
    if customer.status != CustomerStatus.CLOSED:
        raise Conflict(f"customer {code} is not closed", code="customer_not_closed")
    previous = customer.closed_at
    before = profile_of(customer)
    customer.status = CustomerStatus.ACTIVE.value
    customer.closed_at = None
    _record(session, customer, before=before, after=profile_of(customer), reason="reopened",
            actor=actor)
    recomputed = recompute_retention(session, customer, today=today)
    audit.record(session, actor=actor, action="customer.reopen", target=f"customer:{code}",
                 details={"was_closed_at": previous.isoformat() if previous else None,
                          "retention_recomputed": recomputed})
    return customer


def recompute_retention(session: Session, customer: Customer, *, today: date) -> int:
    """Closure starts (and reopening stops) the clocks that run from it; each
    document keeps its extensions (the domain rule counts them)."""
    documents = session.scalars(select(Document).where(
        Document.customer_id == customer.id,
        Document.retention_trigger == Trigger.CUSTOMER_CLOSED.value,
        Document.status != DocumentStatus.DESTROYED.value)).all()
    for document in documents:
        recompute(document, today=today)
        # ID copies become restricted on closure (PIPL): the index must learn it
        enqueue(session, kind=INDEX, payload={"document_id": document.id})
    enqueue_protect(session, [d.id for d in documents])
    return len(documents)
