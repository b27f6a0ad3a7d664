"""The listings the API and the dangan command both show, read from the
database once: holds, access requests, audit events."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from shared import access, audit, retention
from shared.bootstrap import Container
from shared.customers import create_customer


def test_holds_listing_leaves_out_released_holds_unless_all_are_asked(container: Container) -> None:
    with container.transaction() as session:
        create_customer(session, code="C1", name="鹭洲贸易", kind="company", grade="B", actor="t")
        kept = retention.place_hold(session, reason="诉讼", customer="C1", actor="t")
        gone = retention.place_hold(session, reason="审计", customer="C1", actor="t")
        retention.release_hold(session, hold_id=gone.id, actor="t")
    with container.uow() as uow:
        assert [h.id for h in retention.list_holds(uow.session, active=True)] == [kept.id]
        assert [h.id for h in retention.list_holds(uow.session, active=False)] == [kept.id, gone.id]


def test_access_requests_listing_is_newest_first_by_requester_and_status(
        container: Container) -> None:
    today = container.today()
    with container.transaction() as session:
        create_customer(session, code="C1", name="鹭洲贸易", kind="company", grade="B", actor="t")
        ids = [access.request_access(session, requester=who, purpose="核对", until=today,
                                     today=today, longest_days=30, customer="C1").id
               for who in ("ann", "bob", "ann")]
        access.refuse(session, request_id=ids[2], actor="boss", role="general_manager", clearance=1,
                      reason="不需要")
    with container.uow() as uow:
        listed = access.list_requests
        assert [r.id for r in listed(uow.session)] == ids[::-1]
        assert [r.id for r in listed(uow.session, requester="ann")] == [ids[2], ids[0]]
        assert [r.id for r in listed(uow.session, requester="ann", status="pending")] == [ids[0]]


def test_audit_listing_counts_every_match_and_takes_whole_days(container: Container) -> None:
    with container.transaction() as session:
        for n in range(3):
            audit.record(session, actor="ann", action="note", target=f"note:{n}")
        audit.record(session, actor="bob", action="note", target="note:bob")
    today = datetime.now(UTC).date()
    with container.uow() as uow:
        total, page = audit.list_events(uow.session, actor="ann", offset=1, limit=1)
        assert total == 3 and [e.target for e in page] == ["note:1"]
        assert audit.list_events(uow.session, action="note", date_from=today, date_to=today)[0] == 4
        yesterday = today - timedelta(days=1)
        assert audit.list_events(uow.session, action="note", date_to=yesterday) == (0, [])
