"""What a reader of the audit trail may see of it (shared.domain.audit_view), as tables."""
from __future__ import annotations

import pytest

from shared.domain.access import scope_of
from shared.domain.audit_view import WITHHELD, may_list, shown_details


@pytest.mark.parametrize(("clearance", "named", "listed"), [
    (3, [], True),  # an event naming no document
    (3, [("d3", 3, False)], True),
    (3, [("d1", 1, False)], False),
    (3, [("d3", 3, False), ("d1", 1, False)], False),  # one hidden document hides the event
    (1, [("d1", 1, False), ("d3", 3, False)], True),
    (1, [("copy", 3, True)], False),  # a restricted ID copy, to someone who may not open it
])
def test_an_event_is_listed_only_when_every_document_it_names_is_within_reach(
        clearance: int, named: list[tuple[str, int, bool]], listed: bool) -> None:
    assert may_list(scope_of(role="auditor", clearance=clearance), named) is listed


def test_a_grant_brings_its_document_within_reach() -> None:
    lent = scope_of(role="auditor", clearance=3, granted=["d1"])
    assert may_list(lent, [("d1", 1, False)])


@pytest.mark.parametrize(("viewer_clearance", "actor", "actor_clearance", "shown"), [
    (3, "ann", 3, True),
    (1, "ann", 3, True),
    (2, "ann", 1, False),  # the searcher could find what the viewer may not see
    (3, "me", 1, True),  # one's own search
    (1, "gone", None, False),  # no such user any more: withheld when in doubt
])
def test_another_users_search_is_read_only_by_a_clearance_reaching_as_far(
        viewer_clearance: int, actor: str, actor_clearance: int | None, shown: bool) -> None:
    details = {"q": "绝密", "total": 3}
    result = shown_details(action="search", actor=actor, details=details, viewer="me",
                           viewer_clearance=viewer_clearance, actor_clearance=actor_clearance)
    assert result == (details if shown else WITHHELD)


def test_other_events_keep_their_details() -> None:
    details = {"archive_number": "KH01-2024-D30-HT-00001"}
    assert shown_details(action="document.upload", actor="ann", details=details, viewer="me",
                         viewer_clearance=3, actor_clearance=None) == details
