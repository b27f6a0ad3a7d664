"""Statistics (档案统计, SPEC §9): holdings by type, year, term, secrecy and
customer grade; ingests, views, downloads and access requests per month; due
and destroyed per year. Each is one GROUP BY in the database."""
from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, SQLColumnExpression, and_, func, literal_column, select, true
from sqlalchemy.orm import Session

from shared.db.models import AuditEvent, Customer, DestructionCertificate, Document
from shared.documents import visible_to
from shared.domain.access import AccessScope
from shared.domain.model import DocumentStatus

DOCUMENT_TARGET = "document:"  # how audit events name a document
DOCUMENT_ACTIONS = {"document.upload", "document.view", "document.download"}
ACTIVITY = {"ingests": "document.upload", "views": "document.view",
            "downloads": "document.download", "access_requests": "access.request"}


def _period(session: Session, column: SQLColumnExpression[Any], pattern: str) -> ColumnElement[str]:
    """'YYYY-MM' or 'YYYY' of a date or time column, on either database."""
    # the pattern is inlined, not bound: PostgreSQL must see the same expression
    # in SELECT and GROUP BY
    if session.get_bind().dialect.name == "postgresql":
        return func.to_char(column, literal_column("'YYYY-MM'" if pattern == "%Y-%m" else "'YYYY'"))
    return func.strftime(literal_column(f"'{pattern}'"), column)


def _grouped(session: Session, key: SQLColumnExpression[Any],
             *where: ColumnElement[bool]) -> dict[str, int]:
    query = select(key, func.count()).select_from(Document).where(*where).group_by(key).order_by(key)
    return {str(k) if k is not None else "none": n for k, n in session.execute(query)}


def statistics(session: Session, scope: AccessScope | None = None) -> dict[str, Any]:
    """Every figure counts only the documents ``scope`` may see (None: all):
    a count is knowledge too."""
    seen = true() if scope is None else visible_to(scope)
    live = and_(Document.status != DocumentStatus.DESTROYED.value, seen)
    holdings = {
        "type": _grouped(session, Document.type, live),
        "year": _grouped(session, _period(session, Document.document_date, "%Y"), live),
        "term": _grouped(session, Document.retention_term, live),
        "secrecy": _grouped(session, Document.secrecy, live),
        "status": _grouped(session, Document.status, seen),
    }
    grade = select(Customer.grade, func.count()).select_from(Document).join(Customer).where(
        live).group_by(Customer.grade).order_by(Customer.grade)
    holdings["customer_grade"] = {g: n for g, n in session.execute(grade)}
    due_year = _period(session, Document.retain_until, "%Y")
    destroyed_year = _period(session, DestructionCertificate.destroyed_at, "%Y")
    retention = {
        "due": _grouped(session, due_year, Document.status == DocumentStatus.DUE.value, seen),
        "destroyed": {y: n for y, n in session.execute(
            select(destroyed_year, func.count()).join(
                Document, Document.id == DestructionCertificate.document_id).where(seen)
            .group_by(destroyed_year).order_by(destroyed_year))},
    }
    return {"holdings": holdings, "activity_per_month": _activity(session, seen),
            "retention_per_year": retention}


def _activity(session: Session, seen: ColumnElement[bool]) -> dict[str, dict[str, int]]:
    """Events per month; those about a document count when the document is seen."""
    month = _period(session, AuditEvent.at, "%Y-%m")
    about = Document.id == func.substr(AuditEvent.target, len(DOCUMENT_TARGET) + 1)
    activity: dict[str, dict[str, int]] = {}
    for name, action in ACTIVITY.items():
        query = select(month, func.count()).where(AuditEvent.action == action)
        if action in DOCUMENT_ACTIONS:
            query = query.join(Document, about).where(seen)
        activity[name] = {m: n for m, n in session.execute(query.group_by(month).order_by(month))}
    return activity


def rows(stats: dict[str, Any]) -> list[tuple[str, str, str, int]]:
    """Flat (section, measure, key, count) rows for CSV and spreadsheets."""
    flat = []
    for section, measures in stats.items():
        for measure, counts in measures.items():
            flat += [(section, measure, key, count) for key, count in counts.items()]
    return flat
