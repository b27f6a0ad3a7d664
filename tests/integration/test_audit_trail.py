"""The hash-chained audit trail, written from the first upload on (SPEC §4)."""
from __future__ import annotations

from pathlib import Path

import httpx
from sqlalchemy import select, text

from shared import audit
from shared.bootstrap import Container
from shared.db.models import AuditEvent
from tests import samples


def test_upload_and_download_are_recorded_in_an_unbroken_chain(
        clerk: httpx.Client, customer: str, container: Container, tmp_path: Path) -> None:
    path = samples.make_pdf(tmp_path)
    with path.open("rb") as handle:
        document = clerk.post("/api/v1/documents", files={"file": (path.name, handle)},
                              data={"type": "contract", "title": "合同", "customer": customer}).json()
    clerk.get(f"/api/v1/documents/{document['id']}/content", params={"download": True})
    with container.uow() as uow:
        events = uow.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
        actions = [(e.actor, e.action) for e in events]
        report = audit.verify(uow.session)
    assert actions == [("test", "user.add"), ("clerk1", "auth.login"), ("clerk1", "customer.create"),
                       ("clerk1", "document.upload"), ("clerk1", "document.download")]
    assert report.ok and report.checked == 5


def test_editing_one_event_breaks_the_chain_at_that_event(
        clerk: httpx.Client, customer: str, container: Container) -> None:
    clerk.post("/api/v1/customers", json={"code": "C2", "name": "x", "kind": "company"})
    with container.uow() as uow:
        target = uow.session.scalars(select(AuditEvent.id).where(
            AuditEvent.action == "customer.create").order_by(AuditEvent.id)).first()
        uow.session.execute(text("UPDATE audit_events SET actor = 'someone else' WHERE id = :i"),
                            {"i": target})
        uow.commit()
    with container.uow() as uow:
        report = audit.verify(uow.session)
    assert not report.ok
    assert report.first_broken_id == target


def test_deleting_the_newest_event_is_noticed(clerk: httpx.Client, customer: str,
                                              container: Container) -> None:
    with container.uow() as uow:
        newest = uow.session.scalar(select(AuditEvent.id).order_by(AuditEvent.id.desc()).limit(1))
        uow.session.execute(text("DELETE FROM audit_events WHERE id = :i"), {"i": newest})
        uow.commit()
    with container.uow() as uow:
        report = audit.verify(uow.session)
    assert not report.ok and report.first_broken_id == newest
