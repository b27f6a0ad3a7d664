"""What a reader of the audit trail (审计日志, SPEC §4) may see of it, decided once.

An auditor reads who did what, not what they may not see themselves: an event
that names documents is listed only when its viewer may see every one of them
(AccessScope.may_open, as a listing shows documents; a destroyed document by
the secrecy it had), and another user's search is listed without its query and
hit totals unless the viewer's clearance reaches as far as the searcher's.
shared.audit translates the first rule into SQL, so counts and pages hold only
what is listed. Plain values, no IO."""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from shared.domain.access import AccessScope

SEARCH = "search"  # the action of a search event
WITHHELD: dict[str, Any] = {"withheld": True}  # the details of a search the viewer may not read


def may_list(viewer: AccessScope, named: Iterable[tuple[str, int, bool]]) -> bool:
    """An event naming these documents (id, secrecy, restricted by PIPL) is
    listed to ``viewer`` only when every one is within their scope: one hidden
    document hides the event, whose details may name it (file name, archive
    number), and so does its mere existence."""
    return all(viewer.may_open(document_id=document_id, secrecy=secrecy, restricted=restricted)
               for document_id, secrecy, restricted in named)


def shown_details(*, action: str, actor: str, details: dict[str, Any], viewer: str,
                  viewer_clearance: int, actor_clearance: int | None) -> dict[str, Any]:
    """The details of one event as ``viewer`` reads them. A search by someone
    else is withheld unless the viewer's clearance is at least the searcher's
    (numerically <=): its query and hit totals tell of documents only the
    searcher may see. ``actor_clearance`` None (no such user any more): withheld."""
    if action != SEARCH or actor == viewer:
        return details
    if actor_clearance is not None and viewer_clearance <= actor_clearance:
        return details
    return dict(WITHHELD)
