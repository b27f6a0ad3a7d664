"""Validity (有效期, SPEC §2): when a document stops being current, and which
documents expire soon. Validity never touches retention or destruction."""
from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from shared.domain.errors import InvalidInput

CREDIT_REPORT = "credit_report"
WINDOWS = (30, 60, 90)  # the expiry reminder's windows, in days


def add_months(start: date, months: int) -> date:
    """Calendar months; a day past the end of the target month lands on its last
    day (31 January + 1 month = 28 or 29 February)."""
    index = start.year * 12 + start.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(start.day, last))


def default_valid_until(*, document_type: str, valid_until: date | None,
                        document_date: date | None, today: date,
                        credit_report_months: int) -> date | None:
    """The valid_until a document is archived with: the one given, else for a
    credit report its date (or today) plus ``credit_report_months``; other
    types without one stay valid indefinitely (None)."""
    if valid_until is not None or document_type != CREDIT_REPORT:
        return valid_until
    return add_months(document_date or today, credit_report_months)


def check_valid_until(valid_until: date | None, *, document_date: date | None) -> None:
    """A document cannot stop being valid before the date on it."""
    if valid_until is not None and document_date is not None and valid_until < document_date:
        raise InvalidInput(
            f"valid_until {valid_until} is before document_date {document_date}",
            code="valid_until_before_document_date",
            detail={"valid_until": valid_until.isoformat(),
                    "document_date": document_date.isoformat()})


def check_window(within: int) -> int:
    if within not in WINDOWS:
        raise InvalidInput(f"within must be one of {', '.join(map(str, WINDOWS))} days",
                           code="invalid_window", detail={"allowed": list(WINDOWS)})
    return within


@dataclass(frozen=True)
class Expiry:
    """One document's standing: ``expired`` (valid_until before today) or
    ``expiring`` (within the window) — anything else is not listed."""

    state: str  # "expired" | "expiring"
    days_left: int


def expiry_of(valid_until: date | None, *, today: date, within: int) -> Expiry | None:
    if valid_until is None:
        return None
    days_left = (valid_until - today).days
    if days_left < 0:
        return Expiry("expired", days_left)
    if days_left <= within:
        return Expiry("expiring", days_left)
    return None


def needs_reinvestigation(credit_reports_valid_until: Iterable[date | None], *, today: date,
                          required: bool) -> bool:
    """重新调查: every credit report the customer has has expired; or it has none
    and its kind must have one (``required``, from the completeness checklist).
    A credit report without valid_until counts as current."""
    reports = list(credit_reports_valid_until)
    if not reports:
        return required
    return not any(v is None or v >= today for v in reports)
