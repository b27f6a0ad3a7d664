"""The hash-chained audit trail (SPEC §4).

Each event stores the hash of the one before it. Appending locks the single
``audit_head`` row for the rest of the transaction, so concurrent writers
queue up and the chain never forks; the event commits or rolls back with the
change it records."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from shared.db.models import AuditEvent, AuditHead

GENESIS = "0" * 64


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


@dataclass(frozen=True)
class ChainReport:
    checked: int
    first_broken_id: int | None
    reason: str | None

    @property
    def ok(self) -> bool:
        return self.first_broken_id is None


def verify(session: Session, *, batch: int = 5000) -> ChainReport:
    """Walk the chain in id order and report the first event that does not hold."""
    prev = GENESIS
    checked = 0
    last_id = 0
    while True:
        rows = session.scalars(
            select(AuditEvent).where(AuditEvent.id > last_id).order_by(AuditEvent.id).limit(batch)
        ).all()
        if not rows:
            break
        for event in rows:
            if event.prev_hash != prev:
                return ChainReport(checked, event.id, "prev_hash does not match the event before")
            expected = event_hash(prev, at=event.at, actor=event.actor, action=event.action,
                                  target=event.target, details=event.details)
            if expected != event.hash:
                return ChainReport(checked, event.id, "content does not match its hash")
            prev = event.hash
            checked += 1
            last_id = event.id
    head = session.execute(select(AuditHead.last_hash).where(AuditHead.id == 1)).scalar_one()
    if head != prev:
        return ChainReport(checked, last_id + 1, "events after this point are missing (head does not match)")
    return ChainReport(checked, None, None)


def list_events(session: Session, *, target: str | None = None, actor: str | None = None,
                action: str | None = None, date_from: date | None = None,
                date_to: date | None = None, offset: int = 0,
                limit: int = 100) -> tuple[int, list[AuditEvent]]:
    """The events that match every given filter, oldest first, and how many there are.
    ``date_from`` and ``date_to`` are whole UTC days, both included."""
    query = select(AuditEvent)
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
