"""The completeness report (齐全率) and the expiry reminder (到期提醒), SPEC §2.

Both count only documents that still exist (archived or due: a ``due`` document
has not been destroyed, so it still counts) and that the caller may see
(``visible_to(scope)``): a count is knowledge too. Customers are listed
whatever the scope, as ``GET /api/v1/customers`` lists them."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, func, select, true
from sqlalchemy.orm import Session

from shared.customers import get_customer
from shared.db.models import Customer, Document
from shared.documents import visible_to
from shared.domain.access import AccessScope
from shared.domain.completeness import Checklist, missing
from shared.domain.model import DocumentStatus
from shared.domain.validity import (
    CREDIT_REPORT,
    WINDOWS,
    check_window,
    expiry_of,
    needs_reinvestigation,
)

LIVE = (DocumentStatus.ARCHIVED.value, DocumentStatus.DUE.value)


@dataclass(frozen=True)
class CustomerFilter:
    customer: str | None = None
    kind: str | None = None
    grade: str | None = None


def _seen(scope: AccessScope | None) -> ColumnElement[bool]:
    live = Document.status.in_(LIVE)
    return live if scope is None else and_(live, visible_to(scope))


def _customers(session: Session, flt: CustomerFilter) -> list[Customer]:
    if flt.customer:
        return [get_customer(session, flt.customer)]
    query = select(Customer).order_by(Customer.code)
    if flt.kind:
        query = query.where(Customer.kind == flt.kind)
    if flt.grade:
        query = query.where(Customer.grade == flt.grade)
    return list(session.scalars(query))


def _credit_reports(session: Session, seen: ColumnElement[bool],
                    ids: list[int]) -> dict[int, list[date | None]]:
    reports: dict[int, list[date | None]] = defaultdict(list)
    rows = session.execute(select(Document.customer_id, Document.valid_until).where(
        seen, Document.type == CREDIT_REPORT, Document.customer_id.in_(ids) if ids else true()))
    for customer_id, valid_until in rows:
        if customer_id is not None:
            reports[customer_id].append(valid_until)
    return reports


def department_of(customer: Customer) -> str | None:
    """The department (部门) in charge of the customer, from its profile."""
    return customer.department


def completeness(session: Session, *, checklist: Checklist, today: date,
                 scope: AccessScope | None, flt: CustomerFilter = CustomerFilter()
                 ) -> dict[str, Any]:
    """Per customer: complete or the types it lacks; for the archive: the rate of
    complete files by kind, grade and department."""
    customers = _customers(session, flt)
    seen = _seen(scope)
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    for customer_id, type_, n in session.execute(
            select(Document.customer_id, Document.type, func.count()).where(
                seen, Document.customer_id.is_not(None)).group_by(
                Document.customer_id, Document.type)):
        if customer_id is not None:
            counts[customer_id][type_] = n
    reports = _credit_reports(session, seen, [c.id for c in customers])
    items = []
    for customer in customers:
        lacking = missing(checklist, kind=customer.kind, counts=counts.get(customer.id, {}))
        required = CREDIT_REPORT in checklist.for_kind(customer.kind)
        items.append({
            "customer": customer.code, "name": customer.name, "kind": customer.kind,
            "grade": customer.grade, "department": department_of(customer),
            "status": customer.status, "complete": not lacking,
            "missing": [{"type": m.type, "required": m.required, "present": m.present}
                        for m in lacking],
            "reinvestigate": needs_reinvestigation(reports.get(customer.id, []), today=today,
                                                   required=required),
        })
    return {"customers": items, "rates": _rates(items)}


def _rates(items: list[dict[str, Any]]) -> dict[str, dict[str, dict[str, Any]]]:
    rates: dict[str, dict[str, dict[str, Any]]] = {}
    for measure in ("kind", "grade", "department"):
        groups: dict[str, list[bool]] = defaultdict(list)
        for item in items:
            groups[item[measure] or "none"].append(item["complete"])
        rates[measure] = {key: {"customers": len(flags), "complete": sum(flags),
                                "rate": round(sum(flags) / len(flags), 4)}
                          for key, flags in sorted(groups.items())}
    total = [item["complete"] for item in items]
    rates["archive"] = {"all": {"customers": len(total), "complete": sum(total),
                                "rate": round(sum(total) / len(total), 4) if total else 1.0}}
    return rates


def expiring(session: Session, *, checklist: Checklist, today: date, within: int,
             scope: AccessScope | None, customer: str | None = None) -> dict[str, Any]:
    """What expires within ``within`` days and what has expired, per customer;
    a customer without a current credit report is flagged ``reinvestigate``."""
    check_window(within)
    seen = _seen(scope)
    query = select(Document).where(
        seen, Document.valid_until.is_not(None),
        Document.valid_until <= today + timedelta(days=within)).order_by(
        Document.valid_until, Document.archive_number)
    if customer:
        query = query.where(Document.customer_id == get_customer(session, customer).id)
    by_customer: dict[str | None, list[dict[str, Any]]] = defaultdict(list)
    for document in session.scalars(query):
        state = expiry_of(document.valid_until, today=today, within=within)
        if state is None:
            continue
        code = document.customer.code if document.customer else None
        by_customer[code].append({
            "id": document.id, "archive_number": document.archive_number,
            "type": document.type, "title": document.title,
            "document_date": document.document_date, "valid_until": document.valid_until,
            "state": state.state, "days_left": state.days_left, "status": document.status})
    flagged = {c["customer"] for c in completeness(
        session, checklist=checklist, today=today, scope=scope,
        flt=CustomerFilter(customer=customer))["customers"] if c["reinvestigate"]}
    customers = []
    for code in sorted(set(by_customer) | flagged, key=lambda c: c or ""):
        documents = by_customer.get(code, [])
        customers.append({
            "customer": code,
            "reinvestigate": code in flagged,
            "expired": [d for d in documents if d["state"] == "expired"],
            "expiring": [d for d in documents if d["state"] == "expiring"]})
    return {"as_of": today, "within": within, "customers": customers}


def expiry_gauges(session: Session, *, checklist: Checklist, today: date
                  ) -> tuple[dict[str, int], int]:
    """For the metrics, in one grouped query: live documents that expire within
    30, 60 and 90 days (cumulative: the 60-day figure holds the 30-day one) or
    have expired, and the customers to re-investigate."""
    windows = {str(days): 0 for days in WINDOWS} | {"expired": 0}
    for valid_until, n in session.execute(
            select(Document.valid_until, func.count()).where(
                _seen(None), Document.valid_until.is_not(None),
                Document.valid_until <= today + timedelta(days=max(WINDOWS)))
            .group_by(Document.valid_until)):
        if valid_until is None:
            continue
        if valid_until < today:
            windows["expired"] += n
            continue
        for days in WINDOWS:
            if valid_until <= today + timedelta(days=days):
                windows[str(days)] += n
    report = completeness(session, checklist=checklist, today=today, scope=None)
    return windows, sum(1 for c in report["customers"] if c["reinvestigate"])
