"""Legal holds (冻结) and the due flag, as rules: what a sweep flags, and what
may be listed, approved and destroyed (SPEC §3)."""
from __future__ import annotations

from datetime import date

import pytest

from shared.domain.retention import Term, may_flag, valid_years, why_not_destroyed, year_range

DAY = date(2024, 6, 1)
BEFORE, AFTER = date(2024, 5, 31), date(2024, 6, 2)


@pytest.mark.parametrize("status, held, retain_until, term, flagged", [
    ("archived", False, DAY, Term.SHORT, True),  # due on the day itself
    ("archived", False, BEFORE, Term.LONG, True),
    ("archived", False, AFTER, Term.SHORT, False),  # one day short
    ("archived", True, BEFORE, Term.SHORT, False),  # a hold keeps the flag away
    ("archived", False, None, Term.SHORT, False),  # pending: the customer is still active
    ("archived", False, BEFORE, Term.PERMANENT, False),  # never, whatever the date says
    ("due", False, BEFORE, Term.SHORT, False),  # already flagged: the sweep is idempotent
    ("destroyed", False, BEFORE, Term.SHORT, False),
])
def test_what_a_sweep_flags(status: str, held: bool, retain_until: date | None, term: Term,
                            flagged: bool) -> None:
    assert may_flag(status=status, held=held, retain_until=retain_until, term=term,
                    as_of=DAY) is flagged


@pytest.mark.parametrize("status, held, retain_until, term, why", [
    ("due", False, BEFORE, Term.SHORT, None),
    ("due", False, DAY, Term.LONG, None),
    ("due", True, BEFORE, Term.SHORT, "document_held"),  # a hold placed after the sweep
    ("due", True, AFTER, Term.SHORT, "document_held"),  # the hold is named first
    ("due", False, AFTER, Term.SHORT, "document_not_due"),  # extended or recomputed since
    ("archived", False, BEFORE, Term.SHORT, "document_not_due"),  # never flagged
    ("due", False, None, Term.SHORT, "document_not_due"),  # customer reopened: pending again
    ("due", False, BEFORE, Term.PERMANENT, "document_not_due"),  # an override to permanent
    ("destroyed", False, BEFORE, Term.SHORT, "document_not_due"),
])
def test_what_may_be_destroyed_today(status: str, held: bool, retain_until: date | None,
                                     term: Term, why: str | None) -> None:
    assert why_not_destroyed(status=status, held=held, retain_until=retain_until, term=term,
                             today=DAY) == why


@pytest.mark.parametrize("term, years, valid", [
    (Term.PERMANENT, None, True),
    (Term.PERMANENT, 30, False),  # a permanent term has no years
    (Term.LONG, 15, True), (Term.LONG, 50, True),
    (Term.LONG, 14, False), (Term.LONG, 51, False),
    (Term.SHORT, 1, True), (Term.SHORT, 14, True),
    (Term.SHORT, 0, False), (Term.SHORT, 15, False),
    (Term.SHORT, None, False), (Term.SHORT, True, False), (Term.LONG, 30.0, False),
    (Term.LONG, "30", False),
])
def test_the_years_a_term_allows(term: Term, years: object, valid: bool) -> None:
    assert valid_years(term, years) is valid


def test_a_terms_range_reads_as_in_the_rules() -> None:
    assert (year_range(Term.LONG), year_range(Term.SHORT)) == ("15–50", "1–14")
