"""Customers (客户) and the closure event that starts event-based retention (SPEC §2)."""
from __future__ import annotations

from datetime import date
from enum import StrEnum

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from shared import audit
from shared.db.models import Customer, Document
from shared.domain.errors import AlreadyExists, Conflict, InvalidInput, NotFound
from shared.domain.model import CustomerGrade, CustomerKind, CustomerStatus, DocumentStatus
from shared.domain.retention import Trigger
from shared.jobs.queue import INDEX, enqueue
from shared.protection import enqueue_protect
from shared.retention import recompute


def create_customer(session: Session, *, code: str, name: str, kind: str, grade: str,
                    actor: str) -> Customer:
    code, name = code.strip(), name.strip()
    if not code or len(code) > 64 or "/" in code or any(c.isspace() for c in code):
        raise InvalidInput("a customer code is 1–64 characters without spaces or '/'",
                           code="invalid_customer_code")
    if not name:
        raise InvalidInput("a customer needs a name", code="invalid_customer_name")
    _check_choice("kind", kind, CustomerKind)
    _check_choice("grade", grade, CustomerGrade)
    if session.scalar(select(Customer.id).where(Customer.code == code)) is not None:
        raise AlreadyExists(f"customer {code} already exists", code="customer_exists")
    customer = Customer(code=code, name=name, kind=kind, grade=grade,
                        status=CustomerStatus.ACTIVE.value)
    session.add(customer)
    session.flush()
    audit.record(session, actor=actor, action="customer.create", target=f"customer:{code}",
                 details={"name": name, "kind": kind, "grade": grade})
    return customer


def _check_choice(field: str, value: str, choices: type[StrEnum]) -> None:
    allowed = [c.value for c in choices]
    if value not in allowed:
        raise InvalidInput(f"{field} must be one of {', '.join(allowed)}", code=f"invalid_{field}",
                           detail={field: value, "allowed": allowed})


def get_customer(session: Session, code: str) -> Customer:
    customer = session.scalar(select(Customer).where(Customer.code == code))
    if customer is None:
        raise NotFound(f"customer {code} not found", code="customer_not_found")
    return customer


def list_customers(session: Session, *, status: str | None, offset: int, limit: int,
                   kind: str | None = None, grade: str | None = None, text: str | None = None
                   ) -> tuple[int, list[Customer]]:
    """Customers by code; ``text`` is looked for in the code and the name."""
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
                                Customer.name.icontains(words, autoescape=True)))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(Customer.code).offset(offset).limit(limit)).all()
    return total, list(rows)


def update_customer(session: Session, *, code: str, name: str, kind: str, grade: str,
                    actor: str) -> Customer:
    """Change a customer's name, kind and grade (the code stays); the audit
    trail keeps what each changed field was and became."""
    customer = get_customer(session, code)
    name = name.strip()
    if not name:
        raise InvalidInput("a customer needs a name", code="invalid_customer_name")
    _check_choice("kind", kind, CustomerKind)
    _check_choice("grade", grade, CustomerGrade)
    changes = {field: {"from": getattr(customer, field), "to": value}
               for field, value in (("name", name), ("kind", kind), ("grade", grade))
               if getattr(customer, field) != value}
    if not changes:
        return customer
    for field, change in changes.items():
        setattr(customer, field, change["to"])
    session.flush()
    audit.record(session, actor=actor, action="customer.update", target=f"customer:{code}",
                 details={"changes": changes})
    return customer


def close_customer(session: Session, *, code: str, closed_at: date, actor: str,
                   today: date) -> Customer:
    customer = get_customer(session, code)
    if customer.status == CustomerStatus.CLOSED:
        raise Conflict(f"customer {code} is already closed", code="customer_closed")
    if closed_at > today:
        raise InvalidInput("closed_at cannot be in the future", code="invalid_closed_at")
    customer.status = CustomerStatus.CLOSED.value
    customer.closed_at = closed_at
    recomputed = recompute_retention(session, customer, today=today)
    audit.record(session, actor=actor, action="customer.close", target=f"customer:{code}",
                 details={"closed_at": closed_at.isoformat(), "retention_recomputed": recomputed})
    return customer


def reopen_customer(session: Session, *, code: str, actor: str, today: date) -> Customer:
    customer = get_customer(session, code)
    if customer.status != CustomerStatus.CLOSED:
        raise Conflict(f"customer {code} is not closed", code="customer_not_closed")
    previous = customer.closed_at
    customer.status = CustomerStatus.ACTIVE.value
    customer.closed_at = None
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
