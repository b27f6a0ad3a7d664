"""Retention arithmetic and the schedule file (SPEC §3)."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from shared.domain.errors import InvalidInput
from shared.domain.retention import (
    RetentionRule,
    Term,
    Trigger,
    add_years,
    compute_retain_until,
    load_schedule,
)


def test_add_years_keeps_the_day() -> None:
    assert add_years(date(2024, 3, 15), 30) == date(2054, 3, 15)


def test_29_february_lands_on_28_february_in_a_common_year() -> None:
    assert add_years(date(2024, 2, 29), 3) == date(2027, 2, 28)
    assert add_years(date(2024, 2, 29), 4) == date(2028, 2, 29)


def test_the_default_schedule_matches_the_spec() -> None:
    schedule = load_schedule()
    expected = {
        "contract": ("long", 30, "document_date", "D30"),
        "credit_report": ("short", 10, "document_date", "D10"),
        "business_licence": ("short", 5, "customer_closed", "D5"),
        "id_copy": ("short", 3, "customer_closed", "D3"),
        "correspondence": ("short", 10, "document_date", "D10"),
        "other": ("long", 30, "document_date", "D30"),
    }
    got = {name: (r.term.value, r.years, r.trigger.value, r.code) for name, r in schedule.rules.items()}
    assert got == expected


def test_permanent_has_code_y_and_no_end() -> None:
    rule = RetentionRule("contract", Term.PERMANENT, None, Trigger.DOCUMENT_DATE)
    assert rule.code == "Y"
    assert compute_retain_until(rule, document_date=date(2020, 1, 1), ingested=date(2020, 1, 2),
                                customer_closed=None) is None


def test_closure_trigger_is_pending_until_the_customer_closes() -> None:
    rule = RetentionRule("id_copy", Term.SHORT, 3, Trigger.CUSTOMER_CLOSED)
    pending = compute_retain_until(rule, document_date=date(2020, 1, 1), ingested=date(2020, 1, 1),
                                   customer_closed=None)
    assert pending is None
    assert compute_retain_until(rule, document_date=None, ingested=date(2020, 1, 1),
                                customer_closed=date(2024, 6, 30)) == date(2027, 6, 30)


def test_document_date_trigger_falls_back_to_archiving_never_earlier() -> None:
    rule = RetentionRule("contract", Term.LONG, 30, Trigger.DOCUMENT_DATE)
    assert compute_retain_until(rule, document_date=None, ingested=date(2025, 5, 1),
                                customer_closed=None) == date(2055, 5, 1)


def test_ingested_trigger_counts_from_archiving() -> None:
    rule = RetentionRule("other", Term.SHORT, 10, Trigger.INGESTED)
    assert compute_retain_until(rule, document_date=date(2001, 1, 1), ingested=date(2025, 5, 1),
                                customer_closed=None) == date(2035, 5, 1)


@pytest.mark.parametrize("body, message", [
    ('[types.contract]\nterm = "long"\nyears = 60\n', "outside the long range 15–50"),
    ('[types.contract]\nterm = "short"\nyears = 15\n', "outside the short range 1–14"),
    ('[types.contract]\nterm = "forever"\nyears = 1\n', "'forever' is not a valid Term"),
    ('[types.contract]\nterm = "long"\nyears = 30\ntrigger = "birthday"\n', "not a valid Trigger"),
    ('[types.invoice]\nterm = "long"\nyears = 30\n', "unknown document type 'invoice'"),
])
def test_a_bad_schedule_is_refused_naming_the_entry(tmp_path: Path, body: str, message: str) -> None:
    path = tmp_path / "schedule.toml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(InvalidInput, match=message):
        load_schedule(path)
