"""Statistics (档案统计, SPEC §9): holdings by type, year, term, secrecy and
customer grade; ingests, views, downloads and access requests per month; due
and destroyed per year. Each is one GROUP BY in the database."""
from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, SQLColumnExpression, func, literal_column, select
from sqlalchemy.orm import Session

from shared.db.models import AuditEvent, Customer, DestructionCertificate, Document
from shared.domain.model import DocumentStatus

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


def statistics(session: Session) -> dict[str, Any]:
    live = Document.status != DocumentStatus.DESTROYED.value
    holdings = {
        "type": _grouped(session, Document.type, live),
        "year": _grouped(session, _period(session, Document.document_date, "%Y"), live),
        "term": _grouped(session, Document.retention_term, live),
        "secrecy": _grouped(session, Document.secrecy, live),
        "status": _grouped(session, Document.status),
    }
    grade = select(Customer.grade, func.count()).select_from(Document).join(Customer).where(
        live).group_by(Customer.grade).order_by(Customer.grade)
    holdings["customer_grade"] = {g: n for g, n in session.execute(grade)}
    month = _period(session, AuditEvent.at, "%Y-%m")
    activity: dict[str, dict[str, int]] = {}
    for name, action in ACTIVITY.items():
        rows = session.execute(select(month, func.count()).where(AuditEvent.action == action)
                               .group_by(month).order_by(month))
        activity[name] = {m: n for m, n in rows}
    due_year = _period(session, Document.retain_until, "%Y")
    destroyed_year = _period(session, DestructionCertificate.destroyed_at, "%Y")
    retention = {
        "due": _grouped(session, due_year, Document.status == DocumentStatus.DUE.value),
        "destroyed": {y: n for y, n in session.execute(
            select(destroyed_year, func.count()).group_by(destroyed_year).order_by(destroyed_year))},
    }
    return {"holdings": holdings, "activity_per_month": activity, "retention_per_year": retention}


def rows(stats: dict[str, Any]) -> list[tuple[str, str, str, int]]:
    """Flat (section, measure, key, count) rows for CSV and spreadsheets."""
    flat = []
    for section, measures in stats.items():
        for measure, counts in measures.items():
            flat += [(section, measure, key, count) for key, count in counts.items()]
    return flat
