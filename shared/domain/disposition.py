"""Disposition (鉴定 → 审批 → 监销, SPEC §3) as rules: the states of a
destruction list (销毁清册), the appraisal decision (鉴定意见) and the
separation of duties — who may approve a list, who may supervise its
execution. Plain values, no IO; shared/disposition.py applies them."""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from shared.domain.authority import approver_for, may_approve
from shared.domain.errors import InvalidInput, PermissionDenied
from shared.domain.permissions import may_see


class ListState(StrEnum):
    DRAFT = "draft"  # being appraised
    APPROVED = "approved"  # 审批 given
    EXECUTING = "executing"  # 监销 under way
    EXECUTED = "executed"


# a document is on at most one list that is not yet executed
OPEN_STATES = (ListState.DRAFT, ListState.APPROVED, ListState.EXECUTING)


class Decision(StrEnum):
    DESTROY = "destroy"  # 销毁
    EXTEND = "extend"  # 延长保管


@dataclass(frozen=True)
class Appraisal:
    """One item's 鉴定意见: destroy, or keep ``years`` longer (with a reason)."""

    decision: Decision
    years: int | None
    reason: str | None


def parse_appraisal(raw: Mapping[str, Any]) -> Appraisal:
    """An appraisal from its wire form ``{"decision", "years", "reason"}``.
    Whether the years fit the document's term is the retention rule's call
    (shared/domain/retention.py ``extend``)."""
    reason = (raw.get("reason") or "").strip() or None
    try:
        decision = Decision(str(raw.get("decision")))
    except ValueError:
        raise InvalidInput("decision is 'destroy' or 'extend'", code="invalid_decision") from None
    if decision is Decision.DESTROY:
        return Appraisal(decision, None, reason)
    years = raw.get("years")
    if isinstance(years, bool) or not isinstance(years, int) or years < 1 or not reason:
        raise InvalidInput("an extension needs years (at least 1) and a reason",
                           code="invalid_extension", detail={"years": years})
    return Appraisal(decision, years, reason)


def most_sensitive(levels: Iterable[int]) -> int:
    """The most sensitive secrecy level in scope: the lowest number."""
    return min(levels)


def refuse_approver(*, approver: str, role: str, clearance: int, author: str,
                    appraiser: str | None, most_sensitive_level: int) -> None:
    """审批 is by someone other than the list's author or appraiser, who may see
    every document on it and whose role covers its most sensitive level
    (shared/domain/authority.py). A refusal for clearance names no level."""
    if approver in (author, appraiser):
        raise PermissionDenied("the author or appraiser of a list may not approve it",
                               code="approver_is_author")
    if not may_see(clearance, most_sensitive_level):
        raise PermissionDenied("this list holds documents beyond your clearance; an approver "
                               "with the clearance for them decides it",
                               code="insufficient_clearance")
    if not may_approve(role, most_sensitive_level):
        raise PermissionDenied(
            f"a list holding secrecy level {most_sensitive_level} needs a "
            f"{approver_for(most_sensitive_level)}",
            code="insufficient_authority", detail={"level": most_sensitive_level, "role": role})


def refuse_supervisor(*, supervisor: str, executor: str, approver: str | None) -> None:
    """The supervisor (监销人) is neither the executor nor the approver."""
    if supervisor in (executor, approver):
        raise PermissionDenied("the supervisor (监销人) is neither the executor nor the approver",
                               code="supervisor_conflict")
