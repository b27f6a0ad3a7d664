"""Validity (有效期) and the completeness checklist (齐全): pure rules."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from shared.domain.completeness import load_checklist, missing
from shared.domain.errors import InvalidInput
from shared.domain.validity import add_months, default_valid_until, needs_reinvestigation


def test_months_clamp_to_the_end_of_the_month() -> None:
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2023, 12, 15), 12) == date(2024, 12, 15)
    assert add_months(date(2024, 3, 31), -13) == date(2023, 2, 28)


def test_a_credit_report_without_valid_until_is_current_for_its_months() -> None:
    assert default_valid_until(document_type="credit_report", valid_until=None,
                               document_date=date(2024, 5, 5), today=date(2025, 1, 1),
                               credit_report_months=12) == date(2025, 5, 5)
    assert default_valid_until(document_type="contract", valid_until=None,
                               document_date=date(2024, 5, 5), today=date(2025, 1, 1),
                               credit_report_months=12) is None


def test_reinvestigation_when_every_credit_report_has_expired() -> None:
    today = date(2025, 6, 1)
    assert needs_reinvestigation([date(2025, 5, 31)], today=today, required=True)
    assert not needs_reinvestigation([date(2025, 5, 31), date(2025, 6, 1)], today=today, required=True)
    assert needs_reinvestigation([], today=today, required=True)
    assert not needs_reinvestigation([], today=today, required=False)


def test_the_default_checklist_asks_a_company_for_four_types() -> None:
    checklist = load_checklist()
    lacking = missing(checklist, kind="company", counts={"contract": 2, "id_copy": 1,
                                                         "credit_report": 1})
    assert [m.type for m in lacking] == ["business_licence"]
    assert checklist.for_kind("individual") == {"id_copy": 1}


@pytest.mark.parametrize(("text", "problem"), [
    ('[kinds.company]\nbusiness_licence = 1\n\n[kinds.robot]\nid_copy = 1\n', "line 4"),
    ('[kinds.company]\nbusiness_licence = 1\npassport = 1\n', "line 3"),
    ('[kinds.company]\ncontract = 0\n', "whole number"),
    ('[kinds.company\n', "invalid_checklist"),
])
def test_a_bad_checklist_is_refused_naming_the_problem(tmp_path: Path, text: str, problem: str) -> None:
    path = tmp_path / "checklist.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InvalidInput) as refused:
        load_checklist(path)
    assert refused.value.code == "invalid_checklist"
    assert problem in refused.value.message or problem == "invalid_checklist"
    assert str(path) in refused.value.message
