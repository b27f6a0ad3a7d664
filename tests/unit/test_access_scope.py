"""Who may see and open a document (shared.domain.access): the rules as tables."""
from __future__ import annotations

from datetime import date

import pytest

from shared.domain.access import (
    AccessScope,
    RequestStatus,
    check_may_decide,
    check_until,
    is_restricted,
    most_sensitive,
    scope_of,
)
from shared.domain.errors import Conflict, InvalidInput, PermissionDenied

ROLES = ("clerk", "staff", "archivist", "department_manager", "division_leader", "general_manager",
         "auditor", "admin")


@pytest.mark.parametrize("clearance", [1, 2, 3])
@pytest.mark.parametrize("secrecy", [1, 2, 3])
def test_a_user_sees_the_levels_their_clearance_covers(clearance: int, secrecy: int) -> None:
    scope = scope_of(role="staff", clearance=clearance)
    expected = secrecy >= clearance  # 1 is the most sensitive level
    assert scope.may_see(document_id="d", secrecy=secrecy) is expected
    assert scope.may_open(document_id="d", secrecy=secrecy, restricted=False) is expected


def test_a_grant_lets_exactly_its_documents_through() -> None:
    scope = scope_of(role="staff", clearance=3, granted=["lent"])
    assert scope.may_see(document_id="lent", secrecy=1)
    assert scope.may_open(document_id="lent", secrecy=1, restricted=False)
    assert not scope.may_see(document_id="other", secrecy=1)
    assert scope.granted == frozenset({"lent"})


@pytest.mark.parametrize(("role", "clearance", "secrecy", "granted", "opens"), [
    ("archivist", 1, 1, False, True),
    ("archivist", 1, 3, False, True),
    ("archivist", 2, 2, False, True),
    ("archivist", 3, 1, False, False),  # PIPL adds to clearance: an archivist short of it is refused
    ("archivist", 3, 2, False, False),
    ("archivist", 3, 1, True, True),  # an archivist whose grant covers the level
    ("staff", 1, 3, False, False),
    ("staff", 1, 1, True, False),  # a grant does not lift the restriction
    ("clerk", 1, 3, False, False),
    ("general_manager", 1, 3, False, False),
    ("auditor", 1, 3, False, False),
    ("admin", 1, 3, False, False),
])
def test_a_restricted_id_copy_opens_only_to_an_archivist_who_may_see_it(
        role: str, clearance: int, secrecy: int, granted: bool, opens: bool) -> None:
    scope = scope_of(role=role, clearance=clearance, granted=["copy"] if granted else [])
    assert scope.may_open(document_id="copy", secrecy=secrecy, restricted=True) is opens


@pytest.mark.parametrize("role", ROLES)
def test_only_archivists_pass_the_restriction(role: str) -> None:
    assert scope_of(role=role, clearance=1).restricted_ok is (role == "archivist")


@pytest.mark.parametrize(("clearance", "masked"), [(1, False), (2, False), (3, True)])
def test_resident_id_numbers_are_masked_for_clearance_three(clearance: int, masked: bool) -> None:
    assert scope_of(role="staff", clearance=clearance).mask_ids is masked
    assert scope_of(role="archivist", clearance=clearance).mask_ids is masked


@pytest.mark.parametrize(("type_", "customer_status", "status", "restricted"), [
    ("id_copy", "closed", "archived", True),
    ("id_copy", "closed", "due", True),  # due for appraisal, still restricted
    ("id_copy", "closed", "destroyed", False),  # until destroyed
    ("id_copy", "active", "archived", False),  # only once the customer is closed
    ("id_copy", None, "archived", False),  # a record without a customer
    ("contract", "closed", "archived", False),  # only ID copies
    ("business_licence", "closed", "archived", False),
])
def test_is_restricted(type_: str, customer_status: str | None, status: str, restricted: bool) -> None:
    assert is_restricted(type=type_, customer_status=customer_status, status=status) is restricted


def test_a_scope_is_a_value() -> None:
    assert scope_of(role="staff", clearance=2, granted=["b", "a", "a"]) == AccessScope(
        clearance=2, granted=frozenset({"a", "b"}))
    with pytest.raises(AttributeError):
        scope_of(role="staff", clearance=2).clearance = 1  # frozen


def test_request_states_are_stored_as_plain_strings() -> None:
    assert [s.value for s in RequestStatus] == ["pending", "approved", "refused"]
    assert RequestStatus.APPROVED == "approved"


def test_the_most_sensitive_level_decides_who_approves() -> None:
    assert most_sensitive([3, 1, 2]) == 1
    assert most_sensitive([]) == 3


@pytest.mark.parametrize(("role", "level", "allowed"), [
    ("department_manager", 3, True), ("department_manager", 2, False),
    ("division_leader", 2, True), ("division_leader", 1, False),
    ("general_manager", 1, True), ("archivist", 3, False), ("admin", 3, False),
])
def test_an_approver_needs_the_authority_for_the_level(role: str, level: int, allowed: bool) -> None:
    def decide() -> None:
        check_may_decide(request_id=7, status="pending", requester="staff3", actor="boss",
                         role=role, clearance=1, level=level)

    if allowed:
        decide()
    else:
        with pytest.raises(PermissionDenied) as refused:
            decide()
        assert refused.value.code == "insufficient_authority"


def test_nobody_decides_their_own_request() -> None:
    with pytest.raises(PermissionDenied) as refused:
        check_may_decide(request_id=7, status="pending", requester="gm", actor="gm",
                         role="general_manager", clearance=1, level=3)
    assert refused.value.code == "approver_is_requester"


@pytest.mark.parametrize("status", ["approved", "refused"])
def test_a_decided_request_is_not_decided_again(status: str) -> None:
    with pytest.raises(Conflict) as again:
        check_may_decide(request_id=7, status=status, requester="staff3", actor="gm",
                         role="general_manager", clearance=1, level=1)
    assert again.value.code == "decided"


@pytest.mark.parametrize(("clearance", "level", "code"), [
    (1, 1, None), (2, 2, None), (1, 3, None),
    (3, 1, "insufficient_clearance"), (2, 1, "insufficient_clearance"),
    (3, 2, "insufficient_clearance"),
])
def test_an_approver_needs_the_clearance_for_the_level(clearance: int, level: int,
                                                       code: str | None) -> None:
    def decide() -> None:
        check_may_decide(request_id=7, status="pending", requester="staff3", actor="gm",
                         role="general_manager", clearance=clearance, level=level)

    if code is None:
        decide()
        return
    with pytest.raises(PermissionDenied) as refused:
        decide()
    assert refused.value.code == code
    assert refused.value.detail is None and str(level) not in refused.value.message


@pytest.mark.parametrize(("until", "refused"), [
    (date(2026, 5, 31), True),  # the day before today
    (date(2026, 6, 1), False),  # today
    (date(2027, 6, 1), False),  # the longest: 365 days on
    (date(2027, 6, 2), True),
    (date(9999, 12, 31), True),
])
def test_a_grant_ends_between_today_and_the_longest_grant(until: date, refused: bool) -> None:
    if refused:
        with pytest.raises(InvalidInput) as error:
            check_until(until, today=date(2026, 6, 1), longest_days=365)
        assert error.value.code == "invalid_until"
    else:
        check_until(until, today=date(2026, 6, 1), longest_days=365)
