"""Disposition (鉴定 → 审批 → 监销, SPEC §3): destruction lists built from due
documents, appraised item by item, approved by another person with the
authority for the most sensitive level on the list, executed under a named
supervisor. Execution removes every version's bytes, previews and extracted
text, leaves a tombstone and a permanent certificate per document."""
from __future__ import annotations

import json
import logging
import uuid
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import delete, or_, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from shared import audit
from shared.db.models import (
    DestructionCertificate,
    DestructionItem,
    DestructionList,
    Document,
    PageText,
    User,
)
from shared.db.session import Database, rowcount
from shared.documents import find_visible, visible
from shared.domain.access import AccessScope, refuse_beyond_reach
from shared.domain.disposition import (
    OPEN_STATES,
    Appraisal,
    Decision,
    ListState,
    most_sensitive,
    parse_appraisal,
    refuse_approver,
    refuse_supervisor,
)
from shared.domain.errors import Conflict, DanganError, Gone, InvalidInput, NotFound
from shared.domain.keys import preview_key
from shared.domain.model import DocumentStatus
from shared.domain.retention import extend, why_not_destroyed
from shared.jobs.queue import INDEX, enqueue
from shared.protection import enqueue_protect
from shared.retention import is_held, recompute
from shared.storage import BlobStore

# an execution that destroyed nothing for this long has crashed: its claim may be taken over
STALE_CLAIM = timedelta(minutes=10)

log = logging.getLogger(__name__)


def get_list(session: Session, list_id: int, scope: AccessScope | None = None) -> DestructionList:
    """The list, if ``scope`` (None: the local operator) may see one of its
    documents; a list of hidden documents only is answered as absent."""
    found = session.get(DestructionList, list_id)
    if found is None or not any(visible(scope, item.document) for item in found.items):
        raise NotFound(f"destruction list {list_id} not found", code="destruction_list_not_found")
    return found


def _list_in_reach(session: Session, list_id: int, scope: AccessScope | None) -> DestructionList:
    """A list to act on: every document on it within ``scope``."""
    found = get_list(session, list_id, scope)
    refuse_beyond_reach("this list", all(visible(scope, item.document) for item in found.items))
    return found


def _refuse_unless_due_and_free(session: Session, document: Document, *, today: date) -> None:
    why = why_not_destroyed(status=document.status, held=is_held(session, document.id),
                            retain_until=document.retain_until, term=document.retention_term,
                            today=today)
    if why == "document_held":
        raise Conflict(f"{document.archive_number} is under a legal hold", code=why,
                       detail={"document": document.id})
    if why is not None:
        raise Conflict(f"{document.archive_number} is not due for destruction", code=why,
                       detail={"document": document.id, "retain_until": document.retain_until})


def create_list(session: Session, *, documents: list[str], actor: str, today: date,
                scope: AccessScope | None = None) -> DestructionList:
    """A draft list of due documents; one beyond the author's ``scope`` (None:
    the local operator) is answered as absent."""
    if not documents:
        raise InvalidInput("a destruction list needs at least one document", code="empty_list")
    created = DestructionList(status=ListState.DRAFT.value, created_by=actor)
    session.add(created)
    session.flush()
    for document_id in dict.fromkeys(documents):
        document = find_visible(session, document_id, scope)
        _refuse_unless_due_and_free(session, document, today=today)
        open_items = session.scalar(select(DestructionItem.list_id).join(DestructionList).where(
            DestructionItem.document_id == document_id,
            DestructionList.status.in_([state.value for state in OPEN_STATES])))
        if open_items is not None:
            raise Conflict(f"{document.archive_number} is already on destruction list {open_items}",
                           code="already_listed")
        session.add(DestructionItem(list_id=created.id, document_id=document_id))
    session.flush()
    audit.record(session, actor=actor, action="destruction.create", target=f"destruction:{created.id}",
                 details={"documents": list(dict.fromkeys(documents))})
    return created


def appraise(session: Session, *, list_id: int, decisions: list[dict], actor: str,
             scope: AccessScope | None = None) -> DestructionList:
    """Record 鉴定意见: destroy, or extend by ``years`` with a reason."""
    found = _list_in_reach(session, list_id, scope)
    if found.status != ListState.DRAFT:
        raise Conflict(f"destruction list {list_id} is {found.status}; only a draft is appraised",
                       code="list_not_draft")
    items = {item.document_id: item for item in found.items}
    for decision in decisions:
        item = items.get(decision.get("document", ""))
        if item is None:
            raise InvalidInput(f"document {decision.get('document')} is not on list {list_id}",
                               code="not_on_list")
        _decide(item, parse_appraisal(decision))
    found.appraised_by, found.appraised_at = actor, datetime.now(UTC)
    audit.record(session, actor=actor, action="destruction.appraise", target=f"destruction:{list_id}",
                 details={"items": decisions})
    return found


def _decide(item: DestructionItem, appraisal: Appraisal) -> None:
    if appraisal.decision is Decision.EXTEND:
        document = item.document  # an extension past the term is refused at appraisal already
        extend(document.retention_term, years=document.retention_years,
               extension_years=document.retention_extension_years, by=appraisal.years or 0)
    item.decision, item.years, item.reason = appraisal.decision.value, appraisal.years, appraisal.reason


def approve(session: Session, *, list_id: int, actor: str, role: str, clearance: int,
            today: date, scope: AccessScope | None = None) -> DestructionList:
    found = get_list(session, list_id, scope)
    if found.status != ListState.DRAFT:
        raise Conflict(f"destruction list {list_id} is {found.status}", code="list_not_draft")
    level = most_sensitive(item.document.secrecy for item in found.items)
    refuse_approver(approver=actor, role=role, clearance=clearance, author=found.created_by,
                    appraiser=found.appraised_by, most_sensitive_level=level)
    undecided = [i.document.archive_number for i in found.items if i.decision is None]
    if undecided:
        raise Conflict("every item needs an appraisal first", code="not_appraised",
                       detail={"undecided": undecided})
    extended: list[dict] = []
    for item in found.items:
        if item.decision == Decision.DESTROY:
            _refuse_unless_due_and_free(session, item.document, today=today)
        else:
            extended.append(_extend(session, item, today=today))
    found.status, found.approved_by = ListState.APPROVED.value, actor
    found.approved_at = datetime.now(UTC)
    audit.record(session, actor=actor, action="destruction.approve", target=f"destruction:{list_id}",
                 details={"level": level, "extended": extended})
    return found


def _extend(session: Session, item: DestructionItem, *, today: date) -> dict:
    """延长保管: the extension becomes part of the document's rule, so every later
    recomputation keeps it; Object Lock and the search index follow."""
    document = item.document
    document.retention_extension_years = extend(
        document.retention_term, years=document.retention_years,
        extension_years=document.retention_extension_years, by=item.years or 0)
    recompute(document, today=today)
    document.status = DocumentStatus.ARCHIVED.value
    enqueue_protect(session, [document.id])
    enqueue(session, kind=INDEX, payload={"document_id": document.id})
    return {"document": document.id, "years": item.years, "retain_until": document.retain_until}


def _check_supervisor(session: Session, found: DestructionList, actor: str, supervisor: str) -> None:
    user = session.scalar(select(User).where(User.username == supervisor, User.active.is_(True)))
    if user is None:
        raise InvalidInput(f"supervisor {supervisor!r} is not a user", code="unknown_supervisor")
    refuse_supervisor(supervisor=supervisor, executor=actor, approver=found.approved_by)


def start_execution(session: Session, *, list_id: int, actor: str, supervisor: str, token: str,
                    today: date, scope: AccessScope | None = None) -> list[int]:
    """Check everything, claim the list for the execution ``token`` and mark it
    executing; the ids of the items to destroy."""
    found = _list_in_reach(session, list_id, scope)
    if found.status == ListState.EXECUTING:  # an interrupted execution resumes, by the same people
        if (found.executed_by, found.supervisor) != (actor, supervisor):
            raise Conflict(f"list {list_id} is being executed by {found.executed_by}",
                           code="execution_in_progress")
    elif found.status != ListState.APPROVED:
        raise Conflict(f"destruction list {list_id} is {found.status}, not approved",
                       code="list_not_approved")
    _check_supervisor(session, found, actor, supervisor)
    pending = [i for i in found.items if i.decision == Decision.DESTROY and i.destroyed_at is None]
    for item in pending:
        _refuse_unless_due_and_free(session, item.document, today=today)
    _claim(session, list_id=list_id, token=token)
    if found.status == ListState.APPROVED:
        found.status, found.executed_by = ListState.EXECUTING.value, actor
        found.supervisor = supervisor
        audit.record(session, actor=actor, action="destruction.execute", target=f"destruction:{list_id}",
                     details={"supervisor": supervisor, "documents": [i.document_id for i in pending]})
    return [item.id for item in pending]


def _claim(session: Session, *, list_id: int, token: str) -> None:
    """One execution of a list at a time: a compare-and-set on the list row that
    wins for a free claim, or for a stale one (its holder crashed)."""
    now = datetime.now(UTC)
    taken = rowcount(session.execute(
        update(DestructionList)
        .where(DestructionList.id == list_id,
               or_(DestructionList.execution_token.is_(None),
                   DestructionList.execution_heartbeat < now - STALE_CLAIM))
        .values(execution_token=token, execution_heartbeat=now)
        .execution_options(synchronize_session=False)))
    if not taken:
        raise Conflict(f"destruction list {list_id} is being executed right now; "
                       f"an interrupted execution may be resumed later", code="execution_in_progress")


def _renew(session: Session, *, list_id: int, token: str, release: bool = False) -> None:
    """Progress: the claim is still ours (else stop, writing nothing) and fresh again."""
    values = ({"execution_token": None, "execution_heartbeat": None} if release
              else {"execution_heartbeat": datetime.now(UTC)})
    kept = rowcount(session.execute(
        update(DestructionList)
        .where(DestructionList.id == list_id, DestructionList.execution_token == token)
        .values(**values).execution_options(synchronize_session=False)))
    if not kept:
        raise Conflict(f"another execution of destruction list {list_id} took over",
                       code="execution_in_progress")


def objects_of(document: Document) -> list[str]:
    """Every object a document has or may have had: each version's bytes and
    its preview (by its name, since a crashed extraction may not have recorded it)."""
    keys = [v.object_key for v in document.versions]
    return keys + [preview_key(document.id, v.number) for v in document.versions]


def _item(session: Session, item_id: int) -> DestructionItem:
    item = session.get(DestructionItem, item_id)
    if item is None:
        raise NotFound(f"destruction item {item_id} not found", code="destruction_item_not_found")
    return item


def record_destruction(session: Session, *, item_id: int, reference: str) -> DestructionCertificate:
    """After the bytes are gone: tombstone, certificate, no text, index removal queued."""
    item = _item(session, item_id)
    found, document = item.destruction_list, item.document
    now = datetime.now(UTC)
    certificate = DestructionCertificate(
        reference=reference, list_id=found.id, document_id=document.id,
        archive_number=document.archive_number, destroyed_at=now, content=_certificate(
            found, item, document, now))
    session.add(certificate)
    session.execute(delete(PageText).where(PageText.document_id == document.id))
    for version in document.versions:
        version.customer_scope = None  # the same bytes may be archived again one day
        version.preview_key = None
    document.status = DocumentStatus.DESTROYED.value
    document.tags, document.custom_fields = [], {}
    item.destroyed_at = now
    enqueue(session, kind=INDEX, payload={"document_id": document.id})
    audit.record(session, actor=found.executed_by or "-", action="document.destroy",
                 target=f"document:{document.id}",
                 details={"certificate": reference, "supervisor": found.supervisor,
                          "archive_number": document.archive_number})
    return certificate


def _certificate(found: DestructionList, item: DestructionItem, document: Document,
                 now: datetime) -> dict:
    content = {
        "archive_number": document.archive_number, "title": document.title, "type": document.type,
        "customer": document.customer.code if document.customer else None,
        "term": document.retention_term, "years": document.retention_years,
        "document_date": document.document_date, "archived_at": document.created_at,
        "retain_until": document.retain_until, "secrecy": document.secrecy,
        "versions": [{"number": v.number, "sha256": v.sha256, "size": v.size,
                      "filename": v.original_filename} for v in document.versions],
        "appraisal": item.reason, "appraised_by": found.appraised_by, "approved_by": found.approved_by,
        "approved_at": found.approved_at, "executed_by": found.executed_by,
        "supervisor": found.supervisor, "destroyed_at": now}
    return json.loads(json.dumps(content, default=lambda v: v.isoformat()))


def finish_execution(session: Session, *, list_id: int, token: str) -> DestructionList:
    _renew(session, list_id=list_id, token=token, release=True)
    found = get_list(session, list_id)
    found.status, found.executed_at = ListState.EXECUTED.value, datetime.now(UTC)
    return found


def execute(*, database: Database, store: BlobStore, today: date, list_id: int, actor: str,
            supervisor: str, scope: AccessScope | None = None) -> list[str]:
    """Destroy every item appraised 'destroy'; the ids of the destroyed documents.
    The list is claimed first, so a second execution meanwhile is refused. Bytes
    go first, then the records, item by item: an interruption is resumed by
    running the execution again (at once after an error, once the claim is
    stale after a crash)."""
    token = uuid.uuid4().hex
    with database.transaction() as session:
        item_ids = start_execution(session, list_id=list_id, actor=actor, supervisor=supervisor,
                                   token=token, today=today, scope=scope)
    try:
        destroyed = [_destroy_item(database, store, list_id=list_id, item_id=item_id, token=token,
                                   year=today.year) for item_id in item_ids]
        with database.transaction() as session:
            finish_execution(session, list_id=list_id, token=token)
    except BaseException:
        _release_after_failure(database, list_id=list_id, token=token)
        raise
    return destroyed


def _destroy_item(database: Database, store: BlobStore, *, list_id: int, item_id: int, token: str,
                  year: int) -> str:
    with database.uow() as uow:
        item = _item(uow.session, item_id)
        keys, document_id = objects_of(item.document), item.document_id
    for key in keys:
        store.destroy(key)
    with database.transaction() as session:
        _renew(session, list_id=list_id, token=token)
        reference = f"XH-{year}-{list_id:05d}-{item_id:06d}"
        record_destruction(session, item_id=item_id, reference=reference)
    return document_id


def _release_after_failure(database: Database, *, list_id: int, token: str) -> None:
    """Free the claim so that the same people may resume at once. The failure
    being raised is what matters: when the release fails too (the database is
    down), the claim goes stale by itself."""
    try:
        with database.transaction() as session:
            _renew(session, list_id=list_id, token=token, release=True)
    except (DanganError, SQLAlchemyError):
        log.warning("the claim on destruction list %s is left to go stale", list_id)


def certificates(session: Session, *, list_id: int, scope: AccessScope | None = None
                 ) -> list[DestructionCertificate]:
    """The certificates of a list, of the documents ``scope`` may see."""
    get_list(session, list_id, scope)
    rows = session.execute(select(DestructionCertificate, Document).join(
        Document, Document.id == DestructionCertificate.document_id).where(
        DestructionCertificate.list_id == list_id).order_by(DestructionCertificate.id))
    return [certificate for certificate, document in rows if visible(scope, document)]


def certificate_of(session: Session, document_id: str) -> DestructionCertificate | None:
    return session.scalar(select(DestructionCertificate).where(
        DestructionCertificate.document_id == document_id))


def refuse_destroyed(session: Session, document: Document) -> None:
    """A destroyed record answers Gone, naming its destruction certificate."""
    if document.status == DocumentStatus.DESTROYED:
        certificate = certificate_of(session, document.id)
        raise Gone(f"{document.archive_number} was destroyed",
                   detail={"certificate": certificate.reference if certificate else None,
                           "archive_number": document.archive_number})
