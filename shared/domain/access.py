"""Who may see and open a document (查阅权限, SPEC §2, §4), decided once.

A user's ``AccessScope`` is built by ``scope_of`` from their role, clearance
and the documents their approved requests lend them. Routes ask it about one
document; listings and both search engines translate it into their own query
language (shared.documents.visible_to, services.search.*). Plain values, no IO.

Also the borrowing rules (借阅) that need no database: the states of an access
request and who may decide one."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from shared.domain.authority import approver_for, may_approve
from shared.domain.errors import Conflict, InvalidInput, PermissionDenied
from shared.domain.model import CustomerStatus, DocumentStatus, Role
from shared.domain.permissions import may_see

ID_COPY = "id_copy"
MASKED_CLEARANCE = 3  # resident ID numbers are masked in snippets for this clearance


def masks_personal(clearance: int) -> bool:
    """PIPL: a reader of this clearance sees resident ID numbers in snippets and
    individuals' personal fields (ID number, address, phones, e-mails) masked."""
    return clearance == MASKED_CLEARANCE


def is_restricted(*, type: str, customer_status: str | None, status: str) -> bool:
    """PIPL: an ID copy (身份证复印件) of a closed customer is restricted until destroyed.

    ``customer_status`` is None for a company-level record (no customer)."""
    return (type == ID_COPY and customer_status == CustomerStatus.CLOSED
            and status != DocumentStatus.DESTROYED)


@dataclass(frozen=True)
class AccessScope:
    """What one user may see and open.

    A listing or a search shows exactly what ``may_open`` allows: a restricted
    ID copy's title and snippet are personal information too, so a user who may
    not open it does not find it either."""

    clearance: int  # sees secrecy levels >= clearance
    granted: frozenset[str] = frozenset()  # and these documents, lent by approved requests
    restricted_ok: bool = False  # archivists may open restricted ID copies (within clearance)
    mask_ids: bool = False  # resident ID numbers masked in snippets

    def may_see(self, *, document_id: str, secrecy: int) -> bool:
        """By clearance or by grant; otherwise the document is answered as absent."""
        return may_see(self.clearance, secrecy) or document_id in self.granted

    def may_open(self, *, document_id: str, secrecy: int, restricted: bool) -> bool:
        """Content, preview, download — and what listings and searches show. The
        PIPL restriction adds to clearance and grants, never replaces them."""
        return (self.may_see(document_id=document_id, secrecy=secrecy)
                and (self.restricted_ok or not restricted))


def scope_of(*, role: str, clearance: int, granted: Iterable[str] = ()) -> AccessScope:
    """The one way a user's scope is made from who they are."""
    return AccessScope(clearance=clearance, granted=frozenset(granted),
                       restricted_ok=role == Role.ARCHIVIST,
                       mask_ids=masks_personal(clearance))


class RequestStatus(StrEnum):
    """The states of an access request (借阅申请); stored as these strings."""

    PENDING = "pending"
    APPROVED = "approved"
    REFUSED = "refused"


def most_sensitive(levels: Iterable[int]) -> int:
    """The most sensitive secrecy level among ``levels`` (3 when there are none)."""
    return min(levels, default=3)


def check_may_decide(*, request_id: int, status: str, requester: str, actor: str, role: str,
                     clearance: int, level: int) -> None:
    """Separation of duty: a pending request, decided by someone other than its
    requester who may see every document it reaches (clearance ``level`` or
    better) and whose role covers ``level`` (shared.domain.authority). A refusal
    for clearance states no level: the level of what the approver may not see
    is itself withheld."""
    if status != RequestStatus.PENDING:
        raise Conflict(f"access request {request_id} was already {status}", code="decided")
    if actor == requester:
        raise PermissionDenied("nobody decides their own request", code="approver_is_requester")
    if not may_see(clearance, level):
        raise PermissionDenied("this request reaches documents beyond your clearance; "
                               "an approver with the clearance for them decides it",
                               code="insufficient_clearance")
    if not may_approve(role, level):
        raise PermissionDenied(f"a request reaching secrecy level {level} needs a {approver_for(level)}",
                               code="insufficient_authority", detail={"level": level, "role": role})


def refuse_beyond_reach(what: str, within_reach: bool) -> None:
    """Nobody acts on a document beyond their clearance and grants — an archivist,
    approver or auditor neither. The refusal says so without a level or a name."""
    if not within_reach:
        raise PermissionDenied(f"{what} reaches documents beyond your clearance; someone with "
                               "the clearance for them does it", code="insufficient_clearance")


def check_until(until: date, *, today: date, longest_days: int) -> None:
    """归还日期: a grant ends no earlier than today and no later than
    ``longest_days`` from today (DANGAN_ACCESS_LONGEST_DAYS)."""
    if until < today:
        raise InvalidInput("the end date (归还日期) has passed", code="invalid_until")
    latest = today + timedelta(days=longest_days)
    if until > latest:
        raise InvalidInput(f"a grant lasts at most {longest_days} days: the end date (归还日期) "
                           f"is {latest.isoformat()} at the latest", code="invalid_until",
                           detail={"latest": latest.isoformat()})
