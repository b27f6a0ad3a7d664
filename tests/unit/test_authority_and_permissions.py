"""Who may approve what (approval authority, SPEC §3 §4) and the role × action
table (SPEC §1)."""
from __future__ import annotations

import pytest

from shared.domain.authority import approver_for, may_approve
from shared.domain.model import Role
from shared.domain.permissions import PERMISSIONS, Action, allows

# role -> may approve a scope whose most sensitive level is 1, 2, 3
AUTHORITY = {
    Role.DEPARTMENT_MANAGER: (False, False, True),
    Role.DIVISION_LEADER: (False, True, True),
    Role.GENERAL_MANAGER: (True, True, True),
    Role.ADMIN: (False, False, False),  # admin approves nothing
    Role.ARCHIVIST: (False, False, False),  # nor the archivist who builds the lists
    Role.CLERK: (False, False, False),
    Role.STAFF: (False, False, False),
    Role.AUDITOR: (False, False, False),
}


@pytest.mark.parametrize("role, level, allowed", [
    (role, level, row[level - 1]) for role, row in AUTHORITY.items() for level in (1, 2, 3)])
def test_the_authority_table(role: Role, level: int, allowed: bool) -> None:
    assert may_approve(role.value, level) is allowed


def test_every_role_is_in_the_authority_table() -> None:
    assert set(AUTHORITY) == set(Role)


@pytest.mark.parametrize("level, role", [
    (3, "department_manager"), (2, "division_leader"), (1, "general_manager")])
def test_approver_for_names_the_least_senior_role_that_may(level: int, role: str) -> None:
    assert approver_for(level) == role


def test_an_unknown_role_approves_nothing() -> None:
    assert not may_approve("janitor", 3)


@pytest.mark.parametrize("role, action, allowed", [
    (Role.CLERK, Action.DOCUMENT_UPLOAD, True),
    (Role.CLERK, Action.RETENTION_MANAGE, False),
    (Role.STAFF, Action.DOCUMENT_READ, True),
    (Role.STAFF, Action.DOCUMENT_UPLOAD, False),
    (Role.ARCHIVIST, Action.RETENTION_MANAGE, True),
    (Role.ARCHIVIST, Action.DESTRUCTION_APPROVE, False),  # who builds a list does not approve it
    (Role.DEPARTMENT_MANAGER, Action.DESTRUCTION_APPROVE, True),
    (Role.GENERAL_MANAGER, Action.ACCESS_APPROVE, True),
    (Role.GENERAL_MANAGER, Action.RETENTION_MANAGE, False),
    (Role.AUDITOR, Action.AUDIT_READ, True),
    (Role.AUDITOR, Action.CUSTOMER_MANAGE, False),  # an auditor changes nothing
    (Role.ADMIN, Action.USERS_MANAGE, True),
    (Role.ADMIN, Action.DESTRUCTION_APPROVE, False),
    (Role.ADMIN, Action.DOCUMENT_READ, False),
])
def test_the_role_action_table(role: Role, action: Action, allowed: bool) -> None:
    assert allows(role.value, action) is allowed


def test_every_role_has_an_entry() -> None:
    assert set(PERMISSIONS) == set(Role)


def test_an_unknown_role_may_do_nothing() -> None:
    assert not any(allows("janitor", action) for action in Action)
