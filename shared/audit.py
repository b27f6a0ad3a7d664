"""The hash-chained audit trail (审计日志, SPEC §4).

Each event stores the hash of the one before it. Appending locks the single
``audit_head`` row for the rest of the transaction, so concurrent writers
queue up and the chain never forks; the event commits or rolls back with the
change it records. Anchors (shared.audit_anchor) keep the head outside the
database, so a tail cut off together with its head row is noticed too.

Listing applies shared.domain.audit_view: an auditor reads no more of a
document through the trail than through the archive itself."""
from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import ColumnElement, String, and_, cast, exists, func, literal, or_, select, update
from sqlalchemy.orm import InstrumentedAttribute, Session

from shared.db.models import (
    AccessRequestDocument,
    AuditEvent,
    AuditHead,
    DestructionItem,
    Document,
    HandoverItem,
    Hold,
    HoldDocument,
    User,
)
from shared.documents import visible_to
from shared.domain.access import AccessScope
from shared.domain.audit_view import SEARCH, shown_details
from shared.domain.errors import NotFound

GENESIS = "0" * 64
DOCUMENT = "document:"  # the target of an event about one document
# events about a request, a hold or a destruction list name their documents
# through the rows that link them: (target prefix, the thing's id, the document's id)
LINKS: tuple[tuple[str, InstrumentedAttribute[int], InstrumentedAttribute[str | None]], ...] = (
    ("access:", AccessRequestDocument.request_id, AccessRequestDocument.document_id),
    ("hold:", HoldDocument.hold_id, HoldDocument.document_id),
    ("destruction:", DestructionItem.list_id, DestructionItem.document_id),
    ("handover:", HandoverItem.handover_id, HandoverItem.document_id),
)


def event_hash(prev_hash: str, *, at: datetime, actor: str, action: str, target: str | None,
               details: dict[str, Any]) -> str:
    body = json.dumps(
        {
            "prev": prev_hash,
            "at": _canonical_time(at),
            "actor": actor,
            "action": action,
            "target": target,
            "details": details,
        },
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
        default=str,
    )
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def _canonical_time(at: datetime) -> str:
    if at.tzinfo is None:  # SQLite hands back naive UTC
        at = at.replace(tzinfo=UTC)
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def record(session: Session, *, actor: str, action: str, target: str | None = None,
           details: dict[str, Any] | None = None) -> AuditEvent:
    """Append one event in the caller's transaction."""
    details = json.loads(json.dumps(details or {}, default=str))
    # touching the head row first takes its lock before we read it
    session.execute(update(AuditHead).where(AuditHead.id == 1).values(last_hash=AuditHead.last_hash))
    prev = session.execute(select(AuditHead.last_hash).where(AuditHead.id == 1)).scalar_one()
    at = datetime.now(UTC)
    digest = event_hash(prev, at=at, actor=actor, action=action, target=target, details=details)
    event = AuditEvent(at=at, actor=actor, action=action, target=target, details=details,
                       prev_hash=prev, hash=digest)
    session.add(event)
    session.execute(update(AuditHead).where(AuditHead.id == 1).values(last_hash=digest))
    return event


# -- the chain and its anchors ------------------------------------------------
@dataclass(frozen=True)
class Anchor:
    """The head of the chain as it was at ``at``: its newest event and that event's hash."""

    at: datetime
    event_id: int
    hash: str

    def when(self) -> str:
        return self.at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def head(session: Session, *, at: datetime) -> Anchor | None:
    """The chain's newest event as an anchor made at ``at``; None while the trail is empty."""
    newest = session.execute(select(AuditEvent.id, AuditEvent.hash)
                             .order_by(AuditEvent.id.desc()).limit(1)).first()
    return None if newest is None else Anchor(at=at, event_id=newest.id, hash=newest.hash)


@dataclass(frozen=True)
class ChainReport:
    checked: int
    first_broken_id: int | None
    reason: str | None

    @property
    def ok(self) -> bool:
        return self.first_broken_id is None


def verify(session: Session, *, anchors: Sequence[Anchor] = (), batch: int = 5000) -> ChainReport:
    """Walk the chain in id order and report the first event that does not hold:
    a broken link, a hash that differs from the one an anchor recorded at that
    event, or a chain that stops short of what an anchor saw."""
    anchored: dict[int, list[Anchor]] = {}
    for anchor in anchors:
        anchored.setdefault(anchor.event_id, []).append(anchor)
    prev, checked, last_id = GENESIS, 0, 0
    for event in _chain(session, batch):
        if event.prev_hash != prev:
            return ChainReport(checked, event.id, "prev_hash does not match the event before")
        expected = event_hash(prev, at=event.at, actor=event.actor, action=event.action,
                              target=event.target, details=event.details)
        if expected != event.hash:
            return ChainReport(checked, event.id, "content does not match its hash")
        for anchor in anchored.pop(event.id, []):
            if anchor.hash != event.hash:
                return ChainReport(checked, event.id, f"event {event.id} differs from the anchor of "
                                   f"{anchor.when()}, which recorded it with hash {anchor.hash}")
        prev, checked, last_id = event.hash, checked + 1, event.id
    last_hash = session.execute(select(AuditHead.last_hash).where(AuditHead.id == 1)).scalar_one()
    if last_hash != prev:
        return ChainReport(checked, last_id + 1, "events after this point are missing (head does not match)")
    return _unmatched(checked, last_id, [a for found in anchored.values() for a in found])


def _chain(session: Session, batch: int) -> Iterator[AuditEvent]:
    last_id = 0
    while rows := session.scalars(select(AuditEvent).where(AuditEvent.id > last_id)
                                  .order_by(AuditEvent.id).limit(batch)).all():
        yield from rows
        last_id = rows[-1].id


def _unmatched(checked: int, last_id: int, left: list[Anchor]) -> ChainReport:
    """Anchored events the walk never met: missing from the middle, or cut off
    the end — the newest anchor tells how far the chain once reached."""
    left.sort(key=lambda a: (a.event_id, a.at))
    inside = [a for a in left if a.event_id <= last_id]
    if inside:
        gap = inside[0]
        return ChainReport(checked, gap.event_id, f"the chain has no event {gap.event_id}, which the "
                           f"anchor of {gap.when()} recorded with hash {gap.hash}")
    if left:
        latest = left[-1]
        return ChainReport(checked, last_id + 1, f"the chain ends at event {last_id} but the anchor "
                           f"of {latest.when()} recorded event {latest.event_id} with hash {latest.hash}")
    return ChainReport(checked, None, None)


# -- reading the trail --------------------------------------------------------
@dataclass(frozen=True)
class AuditViewer:
    """Who reads the trail: their name and AccessScope (shared.domain.audit_view)."""

    username: str
    scope: AccessScope


def list_events(session: Session, *, target: str | None = None, actor: str | None = None,
                action: str | None = None, date_from: date | None = None,
                date_to: date | None = None, document: str | None = None,
                viewer: AuditViewer | None = None, offset: int = 0,
                limit: int = 100) -> tuple[int, list[AuditEvent]]:
    """The events that match every given filter, oldest first, and how many there are.
    ``date_from`` and ``date_to`` are whole UTC days, both included. ``document``:
    its reading register (查阅登记), every event about it — NotFound, as for a
    missing id, when it is beyond ``viewer``. ``viewer`` None: the local operator,
    who reads everything; otherwise only the events audit_view.may_list allows."""
    scope = viewer.scope if viewer is not None else None
    query = select(AuditEvent)
    if document is not None:
        query = query.where(_about(register_of(session, document, scope)))
    if scope is not None:
        query = query.where(_listed_to(scope))
    if target:
        query = query.where(AuditEvent.target == target)
    if actor:
        query = query.where(AuditEvent.actor == actor)
    if action:
        query = query.where(AuditEvent.action == action)
    if date_from:
        query = query.where(AuditEvent.at >= datetime.combine(date_from, time.min, UTC))
    if date_to:
        query = query.where(AuditEvent.at <= datetime.combine(date_to, time.max, UTC))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(AuditEvent.id).offset(offset).limit(limit)).all()
    return total, list(rows)


def register_of(session: Session, document_id: str, scope: AccessScope | None) -> Document:
    """The document whose register is read, answered exactly as a missing id when beyond ``scope``."""
    query = select(Document).where(Document.id == document_id)
    found = session.scalar(query if scope is None else query.where(visible_to(scope)))
    if found is None:
        raise NotFound(f"document {document_id} not found", code="document_not_found")
    return found


def _target_of(prefix: str, key: InstrumentedAttribute[int]) -> ColumnElement[str]:
    return literal(prefix) + cast(key, String)


def _about(document: Document) -> ColumnElement[bool]:
    """Events about ``document``: its own (upload, versions, reads, retention,
    destruction) and those of the requests, holds and lists that reach it."""
    about = [AuditEvent.target == f"{DOCUMENT}{document.id}"]
    about += [AuditEvent.target.in_(select(_target_of(prefix, key)).where(linked == document.id))
              for prefix, key, linked in LINKS]
    if document.customer_id is not None:  # holds on its customer's whole file
        about.append(AuditEvent.target.in_(select(_target_of("hold:", Hold.id))
                                           .where(Hold.customer_id == document.customer_id)))
    return or_(*about)


def _listed_to(scope: AccessScope) -> ColumnElement[bool]:
    """The translation into SQL of audit_view.may_list: no document the event
    names is beyond ``scope`` (shared.documents.visible_to); an event naming a
    document id that no row holds is withheld as well."""
    seen = visible_to(scope)
    hidden = [and_(AuditEvent.target.is_not(None), AuditEvent.target.like(f"{DOCUMENT}%"),
                   ~exists().where(Document.id == func.substr(AuditEvent.target, len(DOCUMENT) + 1),
                                   seen))]
    hidden += [exists().where(AuditEvent.target == _target_of(prefix, key), Document.id == linked,
                              ~seen)
               for prefix, key, linked in LINKS]
    return ~or_(*hidden)


def readable_details(session: Session, events: Sequence[AuditEvent], *,
                     viewer: AuditViewer | None) -> list[dict[str, Any]]:
    """Each event's details as ``viewer`` may read them (audit_view.shown_details),
    the searchers' clearances looked up once."""
    if viewer is None:
        return [event.details for event in events]
    searchers = {event.actor for event in events if event.action == SEARCH}
    rows = session.execute(select(User.username, User.clearance)
                           .where(User.username.in_(searchers))).all() if searchers else []
    clearances = {username: clearance for username, clearance in rows}
    return [shown_details(action=event.action, actor=event.actor, details=event.details,
                          viewer=viewer.username, viewer_clearance=viewer.scope.clearance,
                          actor_clearance=clearances.get(event.actor)) for event in events]
