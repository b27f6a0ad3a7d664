"""Retention rules and the schedule file (SPEC §3): the trigger date, retain
until, what is due and how far an extension may go."""
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
    customer_closed_on,
    extend,
    extension_room,
    is_due,
    load_schedule,
    trigger_date,
)

CONTRACT = RetentionRule("contract", Term.LONG, 30, Trigger.DOCUMENT_DATE)
ID_COPY = RetentionRule("id_copy", Term.SHORT, 3, Trigger.CUSTOMER_CLOSED)
INGESTED = RetentionRule("other", Term.SHORT, 10, Trigger.INGESTED)
PERMANENT = RetentionRule("contract", Term.PERMANENT, None, Trigger.DOCUMENT_DATE)


@pytest.mark.parametrize("start, years, expected", [
    (date(2024, 3, 15), 30, date(2054, 3, 15)),  # the day is kept
    (date(2024, 2, 29), 3, date(2027, 2, 28)),  # 29 February to a common year
    (date(2024, 2, 29), 4, date(2028, 2, 29)),  # and to a leap year
    (date(2024, 2, 28), 1, date(2025, 2, 28)),
    (date(2023, 12, 31), 1, date(2024, 12, 31)),
])
def test_add_years_is_calendar_arithmetic(start: date, years: int, expected: date) -> None:
    assert add_years(start, years) == expected


@pytest.mark.parametrize("status, closed_at, expected", [
    ("closed", date(2024, 6, 30), date(2024, 6, 30)),
    ("active", None, None),  # pending
    ("active", date(2024, 6, 30), None),  # a stale date on an active customer starts nothing
])
def test_a_customer_closed_on_starts_clocks_only_when_closed(
        status: str, closed_at: date | None, expected: date | None) -> None:
    assert customer_closed_on(status=status, closed_at=closed_at) == expected


@pytest.mark.parametrize("rule, document_date, customer_closed, expected", [
    (CONTRACT, date(1990, 6, 30), None, date(1990, 6, 30)),
    (CONTRACT, None, None, date(2025, 5, 1)),  # no date on the document: archiving, never earlier
    (INGESTED, date(2001, 1, 1), None, date(2025, 5, 1)),
    (ID_COPY, date(2001, 1, 1), None, None),  # the customer is still active: pending
    (ID_COPY, None, date(2024, 6, 30), date(2024, 6, 30)),
])
def test_the_trigger_date(rule: RetentionRule, document_date: date | None,
                          customer_closed: date | None, expected: date | None) -> None:
    assert trigger_date(rule, document_date=document_date, ingested=date(2025, 5, 1),
                        customer_closed=customer_closed) == expected


@pytest.mark.parametrize("rule, document_date, customer_closed, extension, expected", [
    (CONTRACT, date(1990, 6, 30), None, 0, date(2020, 6, 30)),
    (CONTRACT, date(1990, 6, 30), None, 10, date(2030, 6, 30)),  # extensions count
    (CONTRACT, date(1996, 2, 29), None, 0, date(2026, 2, 28)),  # 29 February to a common year
    (CONTRACT, None, None, 0, date(2055, 5, 1)),  # document without a date
    (INGESTED, date(2001, 1, 1), None, 0, date(2035, 5, 1)),  # ingested trigger
    (ID_COPY, date(2020, 1, 1), None, 5, None),  # pending trigger, extended or not
    (ID_COPY, None, date(2024, 6, 30), 0, date(2027, 6, 30)),
    (ID_COPY, None, date(2024, 6, 30), 2, date(2029, 6, 30)),
    (PERMANENT, date(2020, 1, 1), None, 0, None),  # never
])
def test_retain_until(rule: RetentionRule, document_date: date | None, customer_closed: date | None,
                      extension: int, expected: date | None) -> None:
    assert compute_retain_until(rule, document_date=document_date, ingested=date(2025, 5, 1),
                                customer_closed=customer_closed, extension_years=extension) == expected


def test_permanent_has_code_y() -> None:
    assert PERMANENT.code == "Y" and CONTRACT.code == "D30"


@pytest.mark.parametrize("retain_until, term, as_of, due", [
    (date(2020, 6, 30), Term.LONG, date(2020, 6, 30), True),  # on the day itself
    (date(2020, 6, 30), Term.LONG, date(2020, 6, 29), False),  # not the day before
    (date(2020, 6, 30), Term.SHORT, date(2031, 1, 1), True),
    (None, Term.SHORT, date(2031, 1, 1), False),  # pending
    (None, Term.PERMANENT, date(2199, 1, 1), False),  # never
    (date(2020, 6, 30), Term.PERMANENT, date(2199, 1, 1), False),  # a stale date on a permanent one
    (date(2020, 6, 30), "short", date(2020, 6, 30), True),  # the stored string is understood
])
def test_is_due(retain_until: date | None, term: Term | str, as_of: date, due: bool) -> None:
    assert is_due(retain_until, term, as_of) is due


@pytest.mark.parametrize("term, years, extension, by, total", [
    (Term.LONG, 30, 0, 20, 20),  # up to the top of the long range, 50
    (Term.LONG, 30, 10, 10, 20),  # earlier extensions count
    (Term.LONG, 15, 0, 35, 35),
    (Term.SHORT, 5, 0, 9, 9),  # up to the top of the short range, 14
    (Term.SHORT, 3, 5, 6, 11),
    (Term.SHORT, 1, 0, 1, 1),
    (Term.SHORT, 13, 0, 1, 1),
])
def test_an_extension_inside_the_terms_range_adds_its_years(
        term: Term, years: int, extension: int, by: int, total: int) -> None:
    assert extend(term, years=years, extension_years=extension, by=by) == total


@pytest.mark.parametrize("term, years, extension, by, most", [
    (Term.LONG, 30, 0, 21, 20),  # one year past 50
    (Term.LONG, 30, 10, 11, 10),
    (Term.LONG, 50, 0, 1, 0),  # at the top already
    (Term.SHORT, 5, 0, 10, 9),  # one year past 14
    (Term.SHORT, 3, 5, 7, 6),
    (Term.SHORT, 14, 0, 1, 0),
])
def test_an_extension_past_the_terms_range_names_the_most_years_left(
        term: Term, years: int, extension: int, by: int, most: int) -> None:
    with pytest.raises(InvalidInput) as refused:
        extend(term, years=years, extension_years=extension, by=by)
    assert refused.value.code == "invalid_extension"
    assert refused.value.detail["most_years"] == most
    assert "retention override" in refused.value.message
    assert (f"at most {most} more" in refused.value.message) if most else (
        "no further" in refused.value.message)
    assert extension_room(term, years=years, extension_years=extension) == most


@pytest.mark.parametrize("by", [0, -3])
def test_an_extension_adds_at_least_a_year(by: int) -> None:
    with pytest.raises(InvalidInput, match="at least 1 year"):
        extend(Term.SHORT, years=3, extension_years=0, by=by)


def test_a_permanent_document_is_never_extended() -> None:
    with pytest.raises(InvalidInput, match="never extended") as refused:
        extend(Term.PERMANENT, years=None, extension_years=0, by=1)
    assert refused.value.code == "invalid_extension"
    assert extension_room(Term.PERMANENT, years=None, extension_years=0) == 0


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
