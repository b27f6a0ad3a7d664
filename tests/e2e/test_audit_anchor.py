"""Anchors of the audit trail outside the database (SPEC §4): someone with the
database's keys who cuts off the newest events and resets the head row to match
leaves a chain that verifies on its own — the anchors notice."""
from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select, text

from shared import audit, audit_anchor
from shared.audit import Anchor
from shared.audit_anchor import AnchorFile, LockedObjectAnchors
from shared.bootstrap import Container
from shared.db.models import AuditEvent
from tests.conftest import embedded_only, login, make_user, s3_client
from tests.e2e.test_cli import DANGAN, env_for
from tests.integration.test_audit_trail import tamper


@pytest.fixture
def auditor(container: Container, base_url: str) -> Iterator[httpx.Client]:
    make_user(container, "auditor1", role="auditor", clearance=1)
    client = login(base_url, "auditor1")
    yield client
    client.close()


def newest_id(container: Container) -> int:
    with container.uow() as uow:
        return uow.session.scalar(select(AuditEvent.id).order_by(AuditEvent.id.desc()).limit(1)) or 0


def cut_tail(container: Container, *, keep: int) -> None:
    """Delete every event after ``keep`` and point the head row at ``keep``, as
    one could with the database's own keys: the chain then verifies by itself."""
    tamper(container, "DELETE FROM audit_events WHERE id > :n", n=keep)
    with container.engine.begin() as conn:
        conn.execute(text("UPDATE audit_head SET last_hash = (SELECT hash FROM audit_events "
                          "WHERE id = :n)"), {"n": keep})


def cli_verify(container: Container) -> subprocess.CompletedProcess[str]:
    return subprocess.run([DANGAN, "--json", "audit", "verify"], env=env_for(container.settings),
                          capture_output=True, text=True, timeout=60)


def test_an_untouched_trail_verifies_against_its_anchors(
        auditor: httpx.Client, archivist: httpx.Client, customer: str, container: Container) -> None:
    anchored = auditor.post("/api/v1/audit/anchor")
    assert anchored.status_code == 200, anchored.text
    assert anchored.json()["anchored"] is True and anchored.json()["event"] == newest_id(container)
    archivist.post("/api/v1/customers", json={"code": "C2", "name": "x", "kind": "company"})
    assert auditor.get("/api/v1/audit/verify").json()["ok"] is True
    done = cli_verify(container)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["ok"] is True


def test_a_tail_cut_off_with_its_head_is_reported_at_the_last_anchor(
        auditor: httpx.Client, archivist: httpx.Client, customer: str, container: Container) -> None:
    kept = newest_id(container)
    for code in ("C2", "C3"):
        archivist.post("/api/v1/customers", json={"code": code, "name": "x", "kind": "company"})
    anchored = auditor.post("/api/v1/audit/anchor").json()
    cli = subprocess.run([DANGAN, "audit", "anchor"], env=env_for(container.settings),
                         capture_output=True, text=True, timeout=60)
    assert cli.returncode == 0 and f"anchored event {anchored['event']}" in cli.stdout
    with container.uow() as uow:
        assert audit.verify(uow.session).ok  # the chain alone cannot tell
    cut_tail(container, keep=kept)
    with container.uow() as uow:
        assert audit.verify(uow.session).ok
    report = auditor.get("/api/v1/audit/verify").json()
    assert report["ok"] is False and report["first_broken_id"] == kept + 1
    assert (f"the chain ends at event {kept} but the anchor of" in report["reason"]
            and f"recorded event {anchored['event']} with hash {anchored['hash']}" in report["reason"])
    done = cli_verify(container)
    assert done.returncode == 1
    assert json.loads(done.stdout) == report
    check = subprocess.run([DANGAN, "check"], env=env_for(container.settings),
                           capture_output=True, text=True, timeout=120)
    assert check.returncode != 0 and f"audit event {kept + 1}" in check.stdout + check.stderr


def test_a_different_event_where_an_anchor_stood_is_reported(
        auditor: httpx.Client, archivist: httpx.Client, customer: str, container: Container) -> None:
    anchored = auditor.post("/api/v1/audit/anchor").json()
    cut_tail(container, keep=anchored["event"] - 1)
    # the forger writes on: the anchored position holds another event now (or none at all)
    archivist.post("/api/v1/customers", json={"code": "C9", "name": "forged", "kind": "company"})
    report = auditor.get("/api/v1/audit/verify").json()
    assert report["ok"] is False and report["first_broken_id"] == anchored["event"]
    assert anchored["hash"] in report["reason"]


def test_nothing_is_anchored_while_the_trail_is_empty(container: Container) -> None:
    log = audit_anchor.anchor_log(container.settings, container.store)
    with container.uow() as uow:
        assert audit_anchor.anchor(uow.session, log) is None
    assert log.read() == []


def test_an_unmoved_head_is_not_anchored_twice(archivist: httpx.Client, container: Container) -> None:
    log = audit_anchor.anchor_log(container.settings, container.store)
    with container.uow() as uow:
        first = audit_anchor.anchor(uow.session, log)
        assert audit_anchor.anchor(uow.session, log, unless_at=first) is None
    assert [a.event_id for a in log.read()] == [newest_id(container)]


@embedded_only  # the local directory has no Object Lock: anchors go to a file there
def test_the_embedded_archive_appends_anchors_to_a_file_beside_its_data(
        archivist: httpx.Client, container: Container) -> None:
    log = audit_anchor.anchor_log(container.settings, container.store)
    assert isinstance(log, AnchorFile) and log.path.parent == container.settings.home
    with container.uow() as uow:
        audit_anchor.anchor(uow.session, log)
        audit_anchor.anchor(uow.session, log)
    lines = log.path.read_text().splitlines()
    assert len(lines) == 2 and json.loads(lines[0])["event"] == newest_id(container)


@pytest.mark.parametrize("backend", ["production"], indirect=True)  # S3 locks objects itself
def test_on_s3_each_anchor_is_an_object_under_object_lock(
        archivist: httpx.Client, container: Container) -> None:
    lock = container.store.object_lock()
    assert lock is not None
    log = audit_anchor.anchor_log(container.settings, container.store)
    assert isinstance(log, LockedObjectAnchors)
    with container.uow() as uow:
        written = audit_anchor.anchor(uow.session, log)
    keys = container.store.keys(audit_anchor.PREFIX)
    assert len(keys) == 1 and log.read() == [written]
    state = lock.lock_state(keys[0], version_id=None)
    assert state.retain_until is not None and state.retain_until.year >= datetime.now(UTC).year + 49


def test_an_anchor_reads_back_as_written(tmp_path: Path) -> None:
    log = AnchorFile(tmp_path / "anchors.jsonl")
    anchor = Anchor(at=datetime(2026, 6, 1, 12, 0, tzinfo=UTC), event_id=7, hash="ab" * 32)
    log.append(anchor)
    assert log.read() == [anchor]


@pytest.mark.parametrize("backend", ["production"], indirect=True)
def test_an_anchor_hidden_by_a_delete_marker_is_reported(
        auditor: httpx.Client, archivist: httpx.Client, container: Container) -> None:
    assert auditor.post("/api/v1/audit/anchor").status_code == 200
    key = container.store.keys(audit_anchor.PREFIX)[0]
    client = s3_client(container.settings.s3_endpoint or "")
    client.delete_object(Bucket=container.settings.s3_bucket, Key=key)  # no version: a marker
    refused = auditor.get("/api/v1/audit/verify")
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "anchor_hidden"
    assert key in refused.json()["error"]["message"]
