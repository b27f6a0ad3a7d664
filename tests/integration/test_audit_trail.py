"""The hash-chained audit trail (SPEC §4): written from the first upload on,
append-only in the database, and any tampering found by verify."""
from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from shared import audit
from shared.bootstrap import Container
from shared.db.models import AuditEvent
from tests import samples


def tamper(container: Container, statement: str, **params: object) -> None:
    """What someone with the database's own keys could do: switch the guard off and edit."""
    with container.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only"))
            conn.execute(text(statement), params)
            conn.execute(text("ALTER TABLE audit_events ENABLE TRIGGER audit_events_append_only"))
        else:
            conn.execute(text("DROP TRIGGER audit_events_no_update"))
            conn.execute(text("DROP TRIGGER audit_events_no_delete"))
            conn.execute(text(statement), params)


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
    assert actions == [("test", "user.add"), ("clerk1", "auth.login"), ("test", "user.add"),
                       ("archivist1", "auth.login"), ("archivist1", "customer.create"),
                       ("clerk1", "document.upload"), ("clerk1", "document.download")]
    assert report.ok and report.checked == 7


@pytest.mark.parametrize("statement", ["UPDATE audit_events SET actor = 'x'", "DELETE FROM audit_events"])
def test_the_database_refuses_to_change_or_remove_an_event(
        clerk: httpx.Client, customer: str, container: Container, statement: str) -> None:
    with pytest.raises(DBAPIError, match="append-only"), container.engine.begin() as conn:
        conn.execute(text(statement))
    with container.uow() as uow:
        assert audit.verify(uow.session).ok


def test_editing_one_event_breaks_the_chain_at_that_event(
        archivist: httpx.Client, customer: str, container: Container) -> None:
    archivist.post("/api/v1/customers", json={"code": "C2", "name": "x", "kind": "company"})
    with container.uow() as uow:
        target = uow.session.scalars(select(AuditEvent.id).where(
            AuditEvent.action == "customer.create").order_by(AuditEvent.id)).first()
    tamper(container, "UPDATE audit_events SET actor = 'someone else' WHERE id = :i", i=target)
    with container.uow() as uow:
        report = audit.verify(uow.session)
    assert not report.ok
    assert report.first_broken_id == target


def test_deleting_the_newest_event_is_noticed(clerk: httpx.Client, customer: str,
                                              container: Container) -> None:
    with container.uow() as uow:
        newest = uow.session.scalar(select(AuditEvent.id).order_by(AuditEvent.id.desc()).limit(1))
    tamper(container, "DELETE FROM audit_events WHERE id = :i", i=newest)
    with container.uow() as uow:
        report = audit.verify(uow.session)
    assert not report.ok and report.first_broken_id == newest


def test_the_api_and_the_cli_report_the_first_broken_link(
        archivist: httpx.Client, customer: str, container: Container) -> None:
    import subprocess

    from tests.e2e.test_cli import DANGAN, env_for

    assert archivist.get("/api/v1/audit/verify").json() == {
        "ok": True, "checked": 3, "first_broken_id": None, "reason": None}
    trail = archivist.get("/api/v1/audit", params={"target": f"customer:{customer}"}).json()
    assert [e["action"] for e in trail["items"]] == ["customer.create"]
    assert archivist.get("/api/v1/audit", params={"actor": "archivist1"}).json()["total"] == 2
    tamper(container, "UPDATE audit_events SET details = '{}' WHERE id = :i", i=trail["items"][0]["id"])
    broken = archivist.get("/api/v1/audit/verify").json()
    assert broken["ok"] is False and broken["first_broken_id"] == trail["items"][0]["id"]
    done = subprocess.run([DANGAN, "audit", "verify"], env=env_for(container.settings),
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert f"BROKEN at event {trail['items'][0]['id']}" in done.stdout
