"""Handover (移交/交接, SPEC §9) as rules: the states of a handover list
(移交清单) and who may decide it — an archivist, never the person who handed
the batch over. Plain values, no IO; shared/handovers.py applies them."""
from __future__ import annotations

from enum import StrEnum

from shared.domain.errors import Conflict, InvalidInput, PermissionDenied
from shared.domain.model import Role


class HandoverState(StrEnum):
    OPEN = "open"  # items being added
    SUBMITTED = "submitted"  # 已移交: waiting for the archive room
    ACCEPTED = "accepted"  # 交接完成
    RETURNED = "returned"  # 退回, with a reason


def refuse_unless(current: str, wanted: HandoverState, *, handover: int, step: str) -> None:
    """A step is taken only from the state it follows."""
    if current != wanted:
        raise Conflict(f"handover {handover} is {current}; only a {wanted} handover is {step}",
                       code=f"handover_not_{wanted.value}", detail={"status": current})


def refuse_receiver(*, receiver: str, role: str, handed_by: str) -> None:
    """接收: by an archivist of the archive room, other than who handed over."""
    if role != Role.ARCHIVIST:
        raise PermissionDenied("only an archivist accepts or returns a handover",
                               code="handover_needs_archivist")
    if receiver == handed_by:
        raise PermissionDenied("the person who handed a batch over may not receive it",
                               code="receiver_is_sender")


def return_reason(raw: str | None) -> str:
    """退回 always says why."""
    reason = (raw or "").strip()
    if not reason:
        raise InvalidInput("returning a handover needs a reason", code="return_reason_required")
    return reason


def description(raw: str | None) -> str:
    """说明: what the batch is, as the department names it."""
    text = (raw or "").strip()
    if not text:
        raise InvalidInput("a handover needs a description (说明)", code="handover_description_required")
    if len(text) > 2000:
        raise InvalidInput("a handover's description is at most 2000 characters",
                           code="handover_description_too_long")
    return text


def reference(*, year: int, handover_id: int) -> str:
    """The handover list's reference, e.g. YJ-2026-00012 (移交): one per handover, never reused."""
    return f"YJ-{year}-{handover_id:05d}"
