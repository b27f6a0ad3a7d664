"""The JSON shape of each record, one for the HTTP API and ``dangan --json``.

Pure functions from rows to dicts: a route returns them as they are and a
command prints them, so both answer alike. Dates stay ``date``/``datetime``;
the JSON encoder of each side writes them as ISO 8601."""
from __future__ import annotations

from datetime import date
from typing import Any, Protocol

from sqlalchemy.orm import Session

from shared import access, retention
from shared.audit import Anchor, ChainReport
from shared.customers import profile_of
from shared.db.models import (
    AccessRequest,
    AuditEvent,
    Customer,
    CustomerRevision,
    DestructionCertificate,
    DestructionList,
    Document,
    Hold,
    Job,
)
from shared.documents import visible
from shared.domain import profile
from shared.domain.access import AccessScope
from shared.domain.retention import RetentionRule

PREVIEW_SIZE = 50  # the documents a dry run lists; its count covers them all


class Account(Protocol):
    """A user row, or the API's view of the caller: who, in which role, seeing what."""

    @property
    def username(self) -> str: ...
    @property
    def role(self) -> str: ...
    @property
    def clearance(self) -> int: ...


def user_out(user: Account) -> dict[str, Any]:
    return {"username": user.username, "role": user.role, "clearance": user.clearance}


def request_out(session: Session, request: AccessRequest, *,
                viewer: AccessScope | None = None) -> dict[str, Any]:
    """An access request (借阅申请) with the documents it reaches — of those,
    only the ones ``viewer`` may see (None: the local operator, all of them):
    a customer-wide request must not list the file's hidden documents to its
    requester before anyone approved it."""
    return {"id": request.id, "requester": request.requester, "purpose": request.purpose,
            "until": request.until, "status": request.status,
            "customer": request.customer.code if request.customer else None,
            "documents": [d.id for d in access.scope(session, request) if visible(viewer, d)],
            "decided_by": request.decided_by, "decided_at": request.decided_at,
            "refusal_reason": request.refusal_reason, "created_at": request.created_at}


def event_out(event: AuditEvent, *, details: dict[str, Any] | None = None) -> dict[str, Any]:
    """An audit event; ``details`` as its reader may read them (shared.audit.readable_details)."""
    return {"id": event.id, "at": event.at, "actor": event.actor, "action": event.action,
            "target": event.target, "details": event.details if details is None else details,
            "hash": event.hash}


def anchor_out(anchor: Anchor | None) -> dict[str, Any]:
    """An anchor of the audit trail's head; ``anchored`` false while the trail is empty."""
    if anchor is None:
        return {"anchored": False, "at": None, "event": None, "hash": None}
    return {"anchored": True, "at": anchor.at, "event": anchor.event_id, "hash": anchor.hash}


def chain_report_out(report: ChainReport) -> dict[str, Any]:
    return {"ok": report.ok, "checked": report.checked, "first_broken_id": report.first_broken_id,
            "reason": report.reason}


def schedule_out(rules: dict[str, RetentionRule]) -> dict[str, dict[str, Any]]:
    """The retention schedule (保管期限表) in force, by record type."""
    return {name: {"term": r.term.value, "years": r.years, "trigger": r.trigger.value, "code": r.code}
            for name, r in rules.items()}


def sweep_out(as_of: date, flagged: int) -> dict[str, Any]:
    return {"as_of": as_of, "flagged": flagged, "dry_run": False}


def preview_out(as_of: date, total: int, rows: list[Document]) -> dict[str, Any]:
    """A dry run's answer: what the sweep would flag, changing nothing."""
    return {"as_of": as_of, "flagged": total, "dry_run": True,
            "documents": [{"id": d.id, "archive_number": d.archive_number} for d in rows]}


def hold_out(session: Session, hold: Hold, *, viewer: AccessScope | None = None) -> dict[str, Any]:
    """A legal hold (冻结): on a customer's whole file, or on the documents it
    names — of those, the ones ``viewer`` may see."""
    named = None if hold.customer_id is not None else [
        d.id for d in retention.held_documents(session, hold) if visible(viewer, d)]
    return {"id": hold.id, "reason": hold.reason, "customer": hold.customer.code if hold.customer else None,
            "documents": named,
            "created_by": hold.created_by, "created_at": hold.created_at,
            "released_at": hold.released_at, "released_by": hold.released_by,
            "release_reason": hold.release_reason}


def destruction_list_out(found: DestructionList, *, viewer: AccessScope | None = None
                         ) -> dict[str, Any]:
    """A destruction list (销毁清册) and the appraisal of each of its items —
    the items ``viewer`` may see."""
    return {
        "id": found.id, "status": found.status, "created_by": found.created_by,
        "created_at": found.created_at, "appraised_by": found.appraised_by,
        "approved_by": found.approved_by, "approved_at": found.approved_at,
        "executed_by": found.executed_by, "supervisor": found.supervisor,
        "executed_at": found.executed_at,
        "items": [{"document": i.document_id, "archive_number": i.document.archive_number,
                   "title": i.document.title, "secrecy": i.document.secrecy,
                   "retain_until": i.document.retain_until, "decision": i.decision, "years": i.years,
                   "reason": i.reason, "destroyed_at": i.destroyed_at}
                  for i in found.items if visible(viewer, i.document)]}


def certificate_out(certificate: DestructionCertificate) -> dict[str, Any]:
    """A destruction certificate (销毁证明): who did what, and the hashes destroyed."""
    return {"reference": certificate.reference, "document": certificate.document_id,
            "archive_number": certificate.archive_number, "destroyed_at": certificate.destroyed_at,
            **certificate.content}


def parked_job_out(job: Job) -> dict[str, Any]:
    """A job that failed its attempts and waits, with its error, for a retry."""
    return {"id": job.id, "kind": job.kind, "payload": job.payload, "attempts": job.attempts,
            "error": job.last_error, "updated_at": job.updated_at}


def customer_out(customer: Customer, *, masked: bool) -> dict[str, Any]:
    """A customer and its current profile; ``masked`` for a reader of clearance 3."""
    current = profile_of(customer)
    if masked:
        current = profile.masked(current)
    return {"code": customer.code, **current, "created_at": customer.created_at,
            "updated_at": customer.updated_at}


def revision_out(revision: CustomerRevision, *, masked: bool) -> dict[str, Any]:
    """One entry of a profile's history: who, when, why, what changed, the whole profile after."""
    after, changes = dict(revision.profile), dict(revision.changes)
    if masked:
        individual = profile.is_individual(after, changes)
        after = profile.masked(after, individual=individual)
        changes = profile.masked_changes(changes, individual=individual)
    return {"number": revision.number, "changed_at": revision.changed_at,
            "changed_by": revision.changed_by, "reason": revision.reason, "changes": changes,
            "profile": after}
