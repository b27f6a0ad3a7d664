"""Disposition rules (SPEC §3): the appraisal decision, and the separation of
duties — who may approve a destruction list, who may supervise its execution."""
from __future__ import annotations

from typing import Any

import pytest

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
from shared.domain.errors import InvalidInput, PermissionDenied


@pytest.mark.parametrize("raw, expected", [
    ({"decision": "destroy", "reason": " 已到期 "}, Appraisal(Decision.DESTROY, None, "已到期")),
    ({"decision": "destroy"}, Appraisal(Decision.DESTROY, None, None)),  # no reason needed
    ({"decision": "destroy", "years": 5, "reason": ""}, Appraisal(Decision.DESTROY, None, None)),
    ({"decision": "extend", "years": 10, "reason": "仍有纠纷可能"},
     Appraisal(Decision.EXTEND, 10, "仍有纠纷可能")),
])
def test_an_appraisal_is_read_from_its_wire_form(raw: dict[str, Any], expected: Appraisal) -> None:
    assert parse_appraisal(raw) == expected


@pytest.mark.parametrize("raw, code", [
    ({"decision": "keep"}, "invalid_decision"),
    ({}, "invalid_decision"),
    ({"decision": "extend", "reason": "x"}, "invalid_extension"),  # no years
    ({"decision": "extend", "years": 0, "reason": "x"}, "invalid_extension"),
    ({"decision": "extend", "years": -1, "reason": "x"}, "invalid_extension"),
    ({"decision": "extend", "years": True, "reason": "x"}, "invalid_extension"),
    ({"decision": "extend", "years": "5", "reason": "x"}, "invalid_extension"),
    ({"decision": "extend", "years": 5}, "invalid_extension"),  # no reason
    ({"decision": "extend", "years": 5, "reason": "  "}, "invalid_extension"),
])
def test_a_bad_appraisal_is_refused(raw: dict[str, Any], code: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_appraisal(raw)
    assert refused.value.code == code


def test_states_and_decisions_keep_their_stored_strings() -> None:
    assert [s.value for s in ListState] == ["draft", "approved", "executing", "executed"]
    assert [d.value for d in Decision] == ["destroy", "extend"]
    assert ListState.EXECUTED not in OPEN_STATES and ListState.DRAFT in OPEN_STATES


def test_the_most_sensitive_level_is_the_lowest_number() -> None:
    assert most_sensitive([3, 2, 3]) == 2


def approve(approver: str = "boss", role: str = "general_manager", author: str = "arch",
            appraiser: str | None = "arch2", level: int = 3, clearance: int = 1) -> None:
    refuse_approver(approver=approver, role=role, clearance=clearance, author=author,
                    appraiser=appraiser, most_sensitive_level=level)


@pytest.mark.parametrize("approver, role, level", [
    ("boss", "department_manager", 3),
    ("boss", "division_leader", 2),
    ("boss", "division_leader", 3),
    ("boss", "general_manager", 1),
])
def test_another_person_with_the_authority_may_approve(approver: str, role: str, level: int) -> None:
    approve(approver=approver, role=role, level=level)


@pytest.mark.parametrize("approver, role, level, code", [
    ("arch", "general_manager", 3, "approver_is_author"),  # the author
    ("arch2", "general_manager", 3, "approver_is_author"),  # the appraiser
    ("boss", "department_manager", 2, "insufficient_authority"),
    ("boss", "division_leader", 1, "insufficient_authority"),
    ("boss", "archivist", 3, "insufficient_authority"),
    ("boss", "admin", 3, "insufficient_authority"),
])
def test_who_may_not_approve(approver: str, role: str, level: int, code: str) -> None:
    with pytest.raises(PermissionDenied) as refused:
        approve(approver=approver, role=role, level=level)
    assert refused.value.code == code


def test_the_refusal_names_the_role_needed() -> None:
    with pytest.raises(PermissionDenied, match="needs a division_leader") as refused:
        approve(role="department_manager", level=2)
    assert refused.value.detail == {"level": 2, "role": "department_manager"}


def test_a_list_not_yet_appraised_has_no_appraiser_to_exclude() -> None:
    approve(approver="boss", appraiser=None)


def test_someone_else_may_supervise() -> None:
    refuse_supervisor(supervisor="sup", executor="exec", approver="boss")


@pytest.mark.parametrize("supervisor", ["exec", "boss"])  # the executor, the approver
def test_neither_the_executor_nor_the_approver_may_supervise(supervisor: str) -> None:
    with pytest.raises(PermissionDenied) as refused:
        refuse_supervisor(supervisor=supervisor, executor="exec", approver="boss")
    assert refused.value.code == "supervisor_conflict"


@pytest.mark.parametrize("clearance, level", [(3, 1), (2, 1), (3, 2)])
def test_an_approver_needs_the_clearance_for_every_item(clearance: int, level: int) -> None:
    with pytest.raises(PermissionDenied) as refused:
        approve(level=level, clearance=clearance)
    assert refused.value.code == "insufficient_clearance"
    assert refused.value.detail is None and str(level) not in refused.value.message


@pytest.mark.parametrize("clearance, level", [(1, 1), (1, 3), (2, 2), (3, 3)])
def test_an_approver_with_the_clearance_is_judged_by_role(clearance: int, level: int) -> None:
    approve(level=level, clearance=clearance)  # a general manager covers every level
