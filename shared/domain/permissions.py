"""Who may do what: the role × action table (SPEC §1), the one place where
permissions are decided. Routes name their action; the table answers."""
from __future__ import annotations

from enum import StrEnum

from shared.domain.model import Role


class Action(StrEnum):
    DOCUMENT_UPLOAD = "document.upload"  # upload documents and new versions
    DOCUMENT_READ = "document.read"  # list, view, download, search (within clearance)
    CUSTOMER_READ = "customer.read"
    CUSTOMER_MANAGE = "customer.manage"  # create, close, reopen
    RETENTION_READ = "retention.read"  # schedule, due list, holds, lists, certificates
    RETENTION_MANAGE = "retention.manage"  # sweep, overrides, holds, destruction lists
    DESTRUCTION_APPROVE = "destruction.approve"
    ACCESS_REQUEST = "access.request"  # ask to borrow documents beyond one's clearance
    ACCESS_APPROVE = "access.approve"
    AUDIT_READ = "audit.read"
    AUDIT_ANCHOR = "audit.anchor"  # write the trail's head outside the database; changes no record
    REPORTS_READ = "reports.read"  # statistics (档案统计)
    JOBS_MANAGE = "jobs.manage"
    USERS_MANAGE = "users.manage"


READERS = {Action.DOCUMENT_READ, Action.CUSTOMER_READ, Action.ACCESS_REQUEST}
APPROVER = READERS | {Action.RETENTION_READ, Action.DESTRUCTION_APPROVE, Action.ACCESS_APPROVE,
                      Action.REPORTS_READ}

PERMISSIONS: dict[Role, frozenset[Action]] = {
    Role.CLERK: frozenset(READERS | {Action.DOCUMENT_UPLOAD}),
    Role.STAFF: frozenset(READERS),
    Role.ARCHIVIST: frozenset(READERS | {
        Action.DOCUMENT_UPLOAD, Action.CUSTOMER_MANAGE, Action.RETENTION_READ,
        Action.RETENTION_MANAGE, Action.AUDIT_READ, Action.JOBS_MANAGE, Action.REPORTS_READ}),
    Role.DEPARTMENT_MANAGER: frozenset(APPROVER),
    Role.DIVISION_LEADER: frozenset(APPROVER),
    Role.GENERAL_MANAGER: frozenset(APPROVER),
    Role.AUDITOR: frozenset({Action.AUDIT_READ, Action.AUDIT_ANCHOR, Action.RETENTION_READ,
                             Action.REPORTS_READ}),
    Role.ADMIN: frozenset({Action.USERS_MANAGE, Action.JOBS_MANAGE, Action.AUDIT_ANCHOR}),
}


def allows(role: str, action: Action) -> bool:
    try:
        return action in PERMISSIONS[Role(role)]
    except ValueError:
        return False


def may_see(clearance: int, secrecy: int) -> bool:
    """A user of clearance N sees documents of secrecy level >= N (SPEC §2)."""
    return secrecy >= clearance
