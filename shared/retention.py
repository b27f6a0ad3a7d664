"""Retention in the database (SPEC §3): the sweep that flags what is due,
legal holds (冻结), per-document overrides, and recomputation on closure."""
from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import and_, exists, func, insert, literal, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from shared import audit
from shared.db.models import Customer, Document, Hold, HoldDocument, Job
from shared.db.session import rowcount
from shared.documents import find_visible, visible, visible_to
from shared.domain.access import AccessScope, refuse_beyond_reach
from shared.domain.errors import Conflict, InvalidInput, NotFound
from shared.domain.model import DocumentStatus
from shared.domain.retention import (
    RetentionRule,
    Term,
    Trigger,
    compute_retain_until,
    customer_closed_on,
    is_due,
    valid_years,
    year_range,
)
from shared.jobs.queue import INDEX, JobState, enqueue
from shared.protection import enqueue_protect


def held() -> ColumnElement[bool]:
    """True for a document under any active hold, its own or its customer's."""
    by_document = exists().where(HoldDocument.document_id == Document.id,
                                 HoldDocument.hold_id == Hold.id, Hold.released_at.is_(None))
    held_customers = select(Hold.customer_id).where(Hold.released_at.is_(None),
                                                    Hold.customer_id.is_not(None))
    return or_(by_document, Document.customer_id.in_(held_customers))


def due_condition(as_of: date) -> ColumnElement[bool]:
    """shared/domain/retention.py ``is_due`` as a SQL condition, its one translation."""
    return and_(Document.retain_until.is_not(None), Document.retain_until <= as_of,
                Document.retention_term != Term.PERMANENT.value)


def sweepable() -> ColumnElement[bool]:
    """shared/domain/retention.py ``may_flag`` in SQL, less the date: archived and not held."""
    return and_(Document.status == DocumentStatus.ARCHIVED.value, ~held())


def refuse_future(*, as_of: date, today: date) -> None:
    """A sweep flags only what is due by today: "as of 2199" would flag documents
    that are not due, and nothing reverts a flag. A preview may look ahead."""
    if as_of > today:
        raise InvalidInput(f"a sweep cannot run as of {as_of.isoformat()}, after today "
                           f"({today.isoformat()}); a dry run may look ahead",
                           code="as_of_in_future",
                           detail={"as_of": as_of.isoformat(), "today": today.isoformat()})


def sweep(session: Session, *, as_of: date, actor: str, today: date) -> int:
    """Flag every archived, unheld document whose term ran out by ``as_of`` as due.
    One indexed UPDATE; idempotent; it never deletes anything. ``as_of`` is no
    later than ``today`` (the caller's clock)."""
    refuse_future(as_of=as_of, today=today)
    stamp = datetime.now(UTC)
    result = session.execute(
        update(Document)
        .where(sweepable(), due_condition(as_of))
        .values(status=DocumentStatus.DUE.value, updated_at=stamp)
        .execution_options(synchronize_session=False))
    flagged = rowcount(result) or 0
    if flagged:
        _reindex_flagged(session, stamp)
    audit.record(session, actor=actor, action="retention.sweep", target=None,
                 details={"as_of": as_of.isoformat(), "flagged": flagged})
    return flagged


def preview_sweep(session: Session, *, as_of: date, scope: AccessScope, limit: int
                  ) -> tuple[int, list[Document]]:
    """A dry run: how many documents a sweep as of ``as_of`` would flag, and the
    first ``limit`` of them the caller's scope lets them see. Any date, and
    nothing is written."""
    would_flag = and_(sweepable(), due_condition(as_of))
    total = session.scalar(select(func.count()).select_from(Document).where(would_flag)) or 0
    visible = select(Document).where(would_flag, visible_to(scope))
    rows = session.scalars(visible.order_by(Document.retain_until, Document.archive_number)
                           .limit(limit)).all()
    return total, list(rows)


def _reindex_flagged(session: Session, stamp: datetime) -> None:
    """One index job per flagged document, in one set-based INSERT … SELECT, so
    search's status filter learns of the sweep without a loop over rows."""
    dialect = session.get_bind().dialect.name
    build = func.json_build_object if dialect == "postgresql" else func.json_object
    flagged = select(
        literal(INDEX), build("document_id", Document.id), literal(JobState.QUEUED.value),
        literal(0), literal(5), literal(stamp), literal(stamp), literal(stamp),
    ).where(Document.status == DocumentStatus.DUE.value, Document.updated_at == stamp)
    session.execute(insert(Job).from_select(
        ["kind", "payload", "state", "attempts", "max_attempts", "run_after", "created_at",
         "updated_at"], flagged))


def due_documents(session: Session, *, offset: int, limit: int, scope: AccessScope | None = None
                  ) -> tuple[int, list[Document]]:
    """What waits for appraisal (到期待鉴定), counted and listed within ``scope``
    (None: the local operator, everything); a held document is not listed."""
    query = select(Document).where(Document.status == DocumentStatus.DUE.value, ~held())
    if scope is not None:
        query = query.where(visible_to(scope))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(Document.retain_until, Document.archive_number)
                           .offset(offset).limit(limit)).all()
    return total, list(rows)


def is_held(session: Session, document_id: str) -> bool:
    return bool(session.scalar(select(held()).select_from(Document).where(Document.id == document_id)))


def rule_of(document: Document) -> RetentionRule:
    return RetentionRule(document.type, Term(document.retention_term), document.retention_years,
                         Trigger(document.retention_trigger))


def recompute(document: Document, *, today: date) -> None:
    """retain_until from the document's own rule and its extensions; a due
    document that is no longer due today is archived again."""
    customer = document.customer
    closed = (customer_closed_on(status=customer.status, closed_at=customer.closed_at)
              if customer is not None else None)
    document.retain_until = compute_retain_until(
        rule_of(document), document_date=document.document_date,
        ingested=document.created_at.date(), customer_closed=closed,
        extension_years=document.retention_extension_years)
    if document.status == DocumentStatus.DUE and not is_due(
            document.retain_until, document.retention_term, today):
        document.status = DocumentStatus.ARCHIVED.value


def override(session: Session, *, document_id: str, term: str, years: int | None, reason: str,
             actor: str, today: date, scope: AccessScope | None = None) -> Document:
    """Change one document's retention, with a reason; audited. The override
    names its whole term, so earlier extensions no longer count."""
    if not reason.strip():
        raise InvalidInput("an override needs a reason", code="reason_required")
    try:
        new_term = Term(term)
    except ValueError:
        raise InvalidInput(f"term must be one of {', '.join(t.value for t in Term)}",
                           code="invalid_term") from None
    if new_term is not Term.PERMANENT and not valid_years(new_term, years):
        raise InvalidInput(f"{new_term.value} retention is {year_range(new_term)} years",
                           code="invalid_years")
    document = find_visible(session, document_id, scope)
    if document.status == DocumentStatus.DESTROYED:
        raise Conflict(f"document {document_id} was destroyed", code="document_destroyed")
    before = {"term": document.retention_term, "years": document.retention_years,
              "extension_years": document.retention_extension_years,
              "retain_until": document.retain_until}
    document.retention_term = new_term.value
    document.retention_years = None if new_term is Term.PERMANENT else years
    document.retention_extension_years = 0
    document.retention_override_reason = reason.strip()
    recompute(document, today=today)
    enqueue_protect(session, [document.id])
    enqueue(session, kind=INDEX, payload={"document_id": document.id})
    audit.record(session, actor=actor, action="retention.override", target=f"document:{document_id}",
                 details={"before": before, "term": document.retention_term,
                          "years": document.retention_years, "retain_until": document.retain_until,
                          "reason": reason.strip()})
    return document


def place_hold(session: Session, *, reason: str, actor: str, documents: list[str] | None = None,
               customer: str | None = None, scope: AccessScope | None = None) -> Hold:
    """A hold on the documents named (each one the actor may see, else answered
    as absent) or on a customer's whole file — hidden documents included, since
    a hold only ever keeps."""
    if not reason.strip():
        raise InvalidInput("a hold needs a reason", code="reason_required")
    if bool(documents) == bool(customer):
        raise InvalidInput("hold either documents or one customer", code="invalid_hold_scope")
    hold = Hold(reason=reason.strip(), created_by=actor)
    if customer:  # shared.customers depends on this module: look the code up here
        found = session.scalar(select(Customer).where(Customer.code == customer))
        if found is None:
            raise NotFound(f"customer {customer} not found", code="customer_not_found")
        hold.customer_id = found.id
    session.add(hold)
    session.flush()
    for document_id in dict.fromkeys(documents or []):
        document = find_visible(session, document_id, scope)
        if document.status == DocumentStatus.DESTROYED:
            raise Conflict(f"document {document_id} was destroyed", code="document_destroyed")
        session.add(HoldDocument(hold_id=hold.id, document_id=document_id))
    session.flush()
    enqueue_protect(session, hold_document_ids(session, hold))
    audit.record(session, actor=actor, action="hold.place", target=f"hold:{hold.id}",
                 details={"reason": hold.reason, "customer": customer, "documents": documents or []})
    return hold


def release_hold(session: Session, *, hold_id: int, actor: str, reason: str = "",
                 scope: AccessScope | None = None) -> Hold:
    """Release a hold the actor may see; one that also keeps documents beyond
    their clearance or grants is released by someone who may see them all."""
    hold = session.get(Hold, hold_id)
    if hold is None or not hold_is_visible(session, hold, scope):
        raise NotFound(f"hold {hold_id} not found", code="hold_not_found")
    refuse_beyond_reach("this hold", all(visible(scope, d) for d in held_documents(session, hold)))
    if hold.released_at is not None:
        raise Conflict(f"hold {hold_id} was already released", code="hold_released")
    hold.released_at = datetime.now(UTC)
    hold.released_by = actor
    hold.release_reason = reason.strip() or None
    session.flush()
    enqueue_protect(session, hold_document_ids(session, hold))
    audit.record(session, actor=actor, action="hold.release", target=f"hold:{hold_id}",
                 details={"reason": hold.release_reason})
    return hold


def hold_document_ids(session: Session, hold: Hold) -> list[str]:
    if hold.customer_id is not None:
        return list(session.scalars(select(Document.id).where(Document.customer_id == hold.customer_id)))
    return list(session.scalars(select(HoldDocument.document_id).where(HoldDocument.hold_id == hold.id)))


def held_documents(session: Session, hold: Hold) -> list[Document]:
    if hold.customer_id is not None:
        return list(session.scalars(select(Document).where(Document.customer_id == hold.customer_id)))
    return list(session.scalars(select(Document).join(
        HoldDocument, HoldDocument.document_id == Document.id).where(HoldDocument.hold_id == hold.id)))


def hold_is_visible(session: Session, hold: Hold, scope: AccessScope | None) -> bool:
    """A customer's hold is seen by all who see holds (the customer is no secret);
    a hold on named documents only by those who may see one of them."""
    return hold.customer_id is not None or any(
        visible(scope, d) for d in held_documents(session, hold))


def list_holds(session: Session, *, active: bool, scope: AccessScope | None = None) -> list[Hold]:
    """Holds in the order they were placed, those ``scope`` may see; only
    those not yet released if ``active``."""
    query = select(Hold).order_by(Hold.id)
    if active:
        query = query.where(Hold.released_at.is_(None))
    return [h for h in session.scalars(query) if hold_is_visible(session, h, scope)]
