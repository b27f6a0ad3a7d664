"""Retention schedule (保管期限表) and its rules (SPEC §3)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from pathlib import Path

from shared.domain.errors import InvalidInput
from shared.domain.model import DOCUMENT_TYPE_CODES, CustomerStatus, DocumentStatus
from shared.domain.toml_files import line_of, read_toml


class Term(StrEnum):
    PERMANENT = "permanent"  # 永久
    LONG = "long"  # 长期
    SHORT = "short"  # 短期


class Trigger(StrEnum):
    DOCUMENT_DATE = "document_date"
    INGESTED = "ingested"
    CUSTOMER_CLOSED = "customer_closed"


YEAR_RANGES: dict[Term, range] = {Term.LONG: range(15, 51), Term.SHORT: range(1, 15)}


@dataclass(frozen=True)
class RetentionRule:
    document_type: str
    term: Term
    years: int | None  # None for permanent
    trigger: Trigger

    @property
    def code(self) -> str:
        """The retention code in the archive number: ``Y`` or ``D<years>``."""
        return "Y" if self.term is Term.PERMANENT else f"D{self.years}"


@dataclass(frozen=True)
class Schedule:
    rules: dict[str, RetentionRule]

    def for_type(self, document_type: str) -> RetentionRule:
        try:
            return self.rules[document_type]
        except KeyError:
            raise InvalidInput(
                f"unknown document type {document_type!r}",
                code="unknown_document_type",
                detail={"known": sorted(self.rules)},
            ) from None


DEFAULT_SCHEDULE_PATH = Path(__file__).resolve().parent.parent / "retention_schedule.toml"


def load_schedule(path: Path = DEFAULT_SCHEDULE_PATH) -> Schedule:
    """Read and validate the schedule; any error names the file and line."""
    text, data = read_toml(path, code="invalid_schedule")
    rules: dict[str, RetentionRule] = {}
    for name, entry in data.get("types", {}).items():
        rules[name] = _rule(name, entry, f"{path} line {line_of(text, 'types', name)}: [types.{name}]")
    missing = set(DOCUMENT_TYPE_CODES) - set(rules)
    if missing:
        raise InvalidInput(f"{path}: no retention rule for {', '.join(sorted(missing))}",
                           code="invalid_schedule")
    return Schedule(rules=rules)


def _rule(name: str, entry: dict, where: str) -> RetentionRule:
    if name not in DOCUMENT_TYPE_CODES:
        raise InvalidInput(f"{where}: unknown document type {name!r}", code="invalid_schedule")
    unknown = set(entry) - {"term", "years", "trigger"}
    if unknown:
        raise InvalidInput(f"{where}: unknown key(s) {', '.join(sorted(unknown))}",
                           code="invalid_schedule")
    try:
        term = Term(entry.get("term"))  # type: ignore[arg-type]  # None is refused like any unknown term
        trigger = Trigger(entry.get("trigger", Trigger.DOCUMENT_DATE))
    except ValueError as exc:
        raise InvalidInput(f"{where}: {exc}", code="invalid_schedule") from None
    years = entry.get("years")
    if not valid_years(term, years):
        problem = ("a permanent term has no years" if term is Term.PERMANENT else
                   f"years={years!r} is outside the {term.value} range {year_range(term)}")
        raise InvalidInput(f"{where}: {problem}", code="invalid_schedule")
    return RetentionRule(name, term, years, trigger)


def valid_years(term: Term, years: object) -> bool:
    """A permanent term has no years; a long or short one a whole number of
    years inside its range (SPEC §3) — for the schedule and for an override."""
    if term is Term.PERMANENT:
        return years is None
    return isinstance(years, int) and not isinstance(years, bool) and years in YEAR_RANGES[term]


def year_range(term: Term) -> str:
    """``15–50``: a long or short term's range, for messages."""
    span = YEAR_RANGES[term]
    return f"{span.start}–{span.stop - 1}"


def add_years(start: date, years: int) -> date:
    """Calendar years; 29 February lands on 28 February in a common year."""
    try:
        return start.replace(year=start.year + years)
    except ValueError:
        return start.replace(year=start.year + years, day=28)


def customer_closed_on(*, status: str, closed_at: date | None) -> date | None:
    """The date a customer's closure (销户) starts its clocks; None while it is
    active, so a clock running from it is pending."""
    return closed_at if status == CustomerStatus.CLOSED else None


def trigger_date(rule: RetentionRule, *, document_date: date | None, ingested: date,
                 customer_closed: date | None) -> date | None:
    """The date a document's clock runs from; None while its event is pending."""
    if rule.trigger is Trigger.CUSTOMER_CLOSED:
        return customer_closed
    if rule.trigger is Trigger.DOCUMENT_DATE:
        # without a date on the document, count from archiving: later, never earlier
        return document_date or ingested
    return ingested


def compute_retain_until(rule: RetentionRule, *, document_date: date | None, ingested: date,
                         customer_closed: date | None, extension_years: int) -> date | None:
    """到期日: trigger date + the rule's years + the document's extensions.
    ``None`` means never (permanent) or pending (the trigger has not happened)."""
    if rule.term is Term.PERMANENT or rule.years is None:
        return None
    start = trigger_date(rule, document_date=document_date, ingested=ingested,
                         customer_closed=customer_closed)
    return add_years(start, rule.years + extension_years) if start else None


def is_due(retain_until: date | None, term: Term | str, as_of: date) -> bool:
    """到期: the term ran out by ``as_of``, on the day itself included. Permanent
    and pending documents are never due. (shared/retention.py ``due_condition``
    is this rule in SQL.)"""
    return Term(term) is not Term.PERMANENT and retain_until is not None and retain_until <= as_of


def may_flag(*, status: str, held: bool, retain_until: date | None, term: Term | str,
             as_of: date) -> bool:
    """What a sweep flags as due (到期待鉴定): an archived document, under no
    legal hold (冻结), whose term ran out by ``as_of``. (shared/retention.py
    ``sweepable`` and ``due_condition`` are this rule in SQL.)"""
    return status == DocumentStatus.ARCHIVED and not held and is_due(retain_until, term, as_of)


def why_not_destroyed(*, status: str, held: bool, retain_until: date | None, term: Term | str,
                      today: date) -> str | None:
    """None when a document may be put on a destruction list, approved for
    destruction or destroyed today; otherwise why not: ``document_held`` while
    any hold applies, ``document_not_due`` unless it was flagged due and is due today."""
    if held:
        return "document_held"
    if status != DocumentStatus.DUE or not is_due(retain_until, term, today):
        return "document_not_due"
    return None


def extension_room(term: Term | str, *, years: int | None, extension_years: int) -> int:
    """The most years a document may still be extended by: its total (rule
    years + every extension) stays inside its term's range."""
    if Term(term) is Term.PERMANENT:
        return 0
    return max(0, YEAR_RANGES[Term(term)].stop - 1 - (years or 0) - extension_years)


def extend(term: Term | str, *, years: int | None, extension_years: int, by: int) -> int:
    """延长保管: the document's extension years once ``by`` more are added.
    Beyond its term's range a longer keep is a retention override, not an extension."""
    term = Term(term)
    if term is Term.PERMANENT:  # never due, so never appraised
        raise InvalidInput("a permanent document is kept for ever; it is never extended",
                           code="invalid_extension", detail={"term": term.value})
    if by < 1:
        raise InvalidInput("an extension adds at least 1 year", code="invalid_extension",
                           detail={"years": by})
    room = extension_room(term, years=years, extension_years=extension_years)
    if by > room:
        span, kept = YEAR_RANGES[term], (years or 0) + extension_years
        most = f"by at most {room} more year{'' if room == 1 else 's'}" if room else "no further"
        raise InvalidInput(
            f"this document may be extended {most}: {term.value} retention is "
            f"{span.start}–{span.stop - 1} years in all and it is kept {kept}; "
            f"a longer keep needs a retention override",
            code="invalid_extension",
            detail={"most_years": room, "term": term.value, "years": years,
                    "extension_years": extension_years, "requested": by})
    return extension_years + by
