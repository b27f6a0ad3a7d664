"""Reading the audit trail (SPEC §4): an auditor sees no more of a document
through it than through the archive, and a document's reading register (查阅登记)
tells who read it under which approval."""
from __future__ import annotations

import subprocess
import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import httpx
import pytest

from shared.bootstrap import Container
from services.search import SearchIndex
from tests import samples
from tests.conftest import drain, team
from tests.e2e.test_cli import DANGAN, env_for

PEOPLE = {"arch": ("archivist", 1), "audit1": ("auditor", 1), "audit3": ("auditor", 3),
          "staff1": ("staff", 1), "staff3": ("staff", 3), "dl": ("division_leader", 1),
          "gm": ("general_manager", 1)}
TODAY = date(2026, 6, 1)


@pytest.fixture
def people(container: Container, index: SearchIndex) -> Iterator[dict[str, httpx.Client]]:
    container.clock = lambda: TODAY
    with team(container, index, PEOPLE, customer_kind="company") as clients:
        yield clients


def upload(people: dict, tmp_path: Path, seed: int, secrecy: int, title: str) -> dict:
    path = samples.make_pdf(tmp_path, seed=seed, text=f"合同 {title}", name=f"file-{seed}-s{secrecy}.pdf")
    with path.open("rb") as handle:
        response = people["arch"].post("/api/v1/documents", files={"file": (path.name, handle)}, data={
            "type": "contract", "title": title, "customer": "C001", "secrecy": str(secrecy)})
    assert response.status_code == 201, response.text
    return response.json()


@pytest.fixture
def docs(people: dict, container: Container, index: SearchIndex, tmp_path: Path) -> dict[int, dict]:
    found = {level: upload(people, tmp_path, level, level, f"标题{level}号") for level in (1, 2, 3)}
    drain(container, index)
    return found


def trail(client: httpx.Client, **params: object) -> dict:
    response = client.get("/api/v1/audit", params={"size": 500, **params})
    assert response.status_code == 200, response.text
    return response.json()


def test_an_auditor_sees_no_event_of_a_document_beyond_their_clearance(
        people: dict, docs: dict) -> None:
    secret = docs[1]
    seen = trail(people["audit3"])
    assert f"document:{secret['id']}" not in {e["target"] for e in seen["items"]}
    for hidden in (secret["id"], secret["archive_number"], secret["title"], "file-1-s1.pdf"):
        assert hidden not in str(seen["items"])
    assert seen["total"] == len(seen["items"])
    assert trail(people["audit3"], action="document.upload")["total"] == 1
    assert trail(people["audit1"], action="document.upload")["total"] == 3
    assert any(e["target"] == f"document:{secret['id']}" for e in trail(people["audit1"])["items"])


def test_a_request_naming_a_hidden_document_is_not_listed(people: dict, docs: dict) -> None:
    asked = people["staff3"].post("/api/v1/access-requests", json={
        "documents": [docs[1]["id"]], "purpose": "审计", "until": "2026-06-30"}).json()
    target = f"access:{asked['id']}"
    assert trail(people["audit3"], target=target) == {"total": 0, "page": 1, "size": 500, "items": []}
    assert trail(people["audit1"], target=target)["total"] == 1


def test_another_users_search_keeps_its_query_unless_the_clearance_reaches(
        people: dict, docs: dict) -> None:
    people["staff1"].get("/api/v1/search", params={"q": "标题1号"})
    people["staff3"].get("/api/v1/search", params={"q": "标题3号"})
    by_audit3 = {e["actor"]: e["details"] for e in trail(people["audit3"], action="search")["items"]}
    assert by_audit3 == {"staff1": {"withheld": True}, "staff3": by_audit3["staff3"]}
    assert by_audit3["staff3"]["q"] == "标题3号"
    by_audit1 = {e["actor"]: e["details"] for e in trail(people["audit1"], action="search")["items"]}
    assert by_audit1["staff1"]["q"] == "标题1号" and by_audit1["staff1"]["total"] == 1


def test_the_register_shows_each_read_with_the_request_that_covered_it(
        people: dict, docs: dict) -> None:
    lent = docs[2]
    asked = people["staff3"].post("/api/v1/access-requests", json={
        "documents": [lent["id"]], "purpose": "复印", "until": "2026-06-30"}).json()
    assert people["dl"].post(f"/api/v1/access-requests/{asked['id']}/approve").status_code == 200
    assert people["staff3"].get(f"/api/v1/documents/{lent['id']}/content").status_code == 200
    people["staff3"].get(f"/api/v1/documents/{lent['id']}/content", params={"download": True})
    people["arch"].get(f"/api/v1/documents/{lent['id']}/content")
    register = trail(people["audit1"], document=lent["id"])["items"]
    assert [(e["actor"], e["action"]) for e in register] == [
        ("arch", "document.upload"), ("staff3", "access.request"), ("dl", "access.approve"),
        ("staff3", "document.view"), ("staff3", "document.download"), ("arch", "document.view")]
    reads = [e["details"] for e in register if e["action"] in ("document.view", "document.download")]
    assert [r.get("access_request") for r in reads] == [asked["id"], asked["id"], None]


def test_a_customer_wide_grant_is_in_the_register_of_each_document_it_reached(
        people: dict, docs: dict) -> None:
    asked = people["staff3"].post("/api/v1/access-requests", json={
        "customer": "C001", "purpose": "尽调", "until": "2026-06-30"}).json()
    assert people["gm"].post(f"/api/v1/access-requests/{asked['id']}/approve").status_code == 200
    people["staff3"].get(f"/api/v1/documents/{docs[1]['id']}/content")
    register = trail(people["audit1"], document=docs[1]["id"])["items"]
    assert [e["action"] for e in register] == [
        "document.upload", "access.request", "access.approve", "document.view"]
    assert register[-1]["details"]["access_request"] == asked["id"]


def test_the_register_of_a_hidden_document_answers_as_a_missing_one(
        people: dict, docs: dict) -> None:
    secret, missing = docs[1]["id"], str(uuid.uuid4())
    answers = []
    for document_id in (secret, missing):
        response = people["audit3"].get("/api/v1/audit", params={"document": document_id})
        answers.append((response.status_code, response.text.replace(document_id, "<id>")))
    assert answers[0] == answers[1] and answers[0][0] == 404


def test_dangan_audit_list_gives_the_register_as_the_named_user_sees_it(
        people: dict, docs: dict, container: Container) -> None:
    def listing(user: str, document: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([DANGAN, "audit", "list", "--document", document, "--as", user],
                              env=env_for(container.settings), capture_output=True, text=True,
                              timeout=60)

    secret = docs[1]
    allowed = listing("audit1", secret["id"])
    assert allowed.returncode == 0, allowed.stderr
    assert "document.upload" in allowed.stdout and "1 events" in allowed.stdout
    refused = listing("audit3", secret["id"])
    assert refused.returncode == 1 and "document_not_found" in refused.stderr
    assert listing("staff1", secret["id"]).returncode == 1  # staff do not read the trail
