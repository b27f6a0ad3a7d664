"""Disposition through the HTTP API (鉴定 → 审批 → 监销) on both backends:
every refusal in the chain, and a destruction that leaves no byte behind but a
certificate."""
from __future__ import annotations

import queue
import threading
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select, update

from shared.bootstrap import Container
from shared.db.models import DestructionList, PageText
from shared.domain.access import AccessScope
from shared.domain.errors import StorageUnavailable
from shared.storage import BlobStore
from shared.storage.s3 import S3Store
from services.search import SearchIndex, SearchQuery, parse
from tests import samples
from tests.conftest import drain, login, team

PEOPLE = {"arch": ("archivist", 1), "dm": ("department_manager", 1), "dl": ("division_leader", 1),
          "gm": ("general_manager", 1), "gm3": ("general_manager", 3), "admin": ("admin", 1),
          "sup": ("staff", 1), "arch3": ("archivist", 3)}


@pytest.fixture
def people(container: Container, index: SearchIndex) -> Iterator[dict[str, httpx.Client]]:
    with team(container, index, PEOPLE, customer_kind="company") as clients:
        yield clients


def upload(client: httpx.Client, path: Path, **fields: str) -> dict:
    data = {"type": "contract", "title": "旧合同", "customer": "C001", "document_date": "1990-06-30",
            **fields}
    with path.open("rb") as handle:
        response = client.post("/api/v1/documents", files={"file": (path.name, handle)}, data=data)
    assert response.status_code == 201, response.text
    return response.json()


def due_document(people: dict, tmp_path: Path, seed: int, **fields: str) -> dict:
    document = upload(people["arch"], samples.make_pdf(tmp_path, seed=seed, name=f"d{seed}.pdf"),
                      **fields)
    people["arch"].post("/api/v1/retention/sweep", json={})
    return document


def listed(people: dict, *documents: dict, decision: str = "destroy") -> int:
    arch = people["arch"]
    created = arch.post("/api/v1/destruction-lists", json={"documents": [d["id"] for d in documents]})
    assert created.status_code == 201, created.text
    list_id = created.json()["id"]
    items = [{"document": d["id"], "decision": decision, "reason": "已到期，无保存价值"} for d in documents]
    appraised = arch.post(f"/api/v1/destruction-lists/{list_id}/appraise", json={"items": items})
    assert appraised.status_code == 200
    return list_id


def error(response: httpx.Response) -> tuple[int, str]:
    return response.status_code, response.json()["error"]["code"]


def test_a_full_destruction_leaves_no_byte_but_a_certificate(
        people: dict, container: Container, index: SearchIndex, tmp_path: Path) -> None:
    arch = people["arch"]
    document = upload(arch, samples.make_pdf(tmp_path, text="销毁测试 鹭洲 Destroyme"))
    rescan = samples.make_jpeg(tmp_path, text="销毁测试 第二版")
    with rescan.open("rb") as handle:
        arch.post(f"/api/v1/documents/{document['id']}/versions", files={"file": (rescan.name, handle)})
    drain(container, index)
    found = index.search(SearchQuery(scope=AccessScope(clearance=1), clauses=parse("销毁测试")))
    assert found.total == 1
    before = arch.get(f"/api/v1/documents/{document['id']}").json()
    assert arch.post("/api/v1/retention/sweep", json={}).json()["flagged"] == 1
    list_id = listed(people, document)
    assert people["dm"].post(f"/api/v1/destruction-lists/{list_id}/approve").status_code == 200
    executed = arch.post(f"/api/v1/destruction-lists/{list_id}/execute", json={"supervisor": "sup"})
    assert executed.status_code == 200, executed.text
    assert executed.json()["status"] == "executed"

    assert container.store.keys(f"documents/{document['id']}/") == []
    assert container.store.keys(f"previews/{document['id']}/") == []
    if isinstance(container.store, S3Store):  # no old object version, no delete marker either
        left = container.store.client.list_object_versions(Bucket=container.store.bucket)
        assert left.get("Versions", []) == [] and left.get("DeleteMarkers", []) == []
    with container.uow() as uow:
        assert uow.session.scalar(select(func.count()).select_from(PageText)) == 0
    assert document["id"] not in index.ids()
    assert arch.get("/api/v1/search", params={"q": "销毁测试"}).json()["total"] == 0

    certificate = arch.get(f"/api/v1/destruction-lists/{list_id}/certificate").json()["certificates"]
    assert len(certificate) == 1
    proof = certificate[0]
    assert proof["archive_number"] == document["archive_number"] and proof["title"] == "旧合同"
    assert [v["sha256"] for v in proof["versions"]] == [v["sha256"] for v in before["versions"]]
    assert (proof["appraised_by"], proof["approved_by"], proof["executed_by"], proof["supervisor"]) == (
        "arch", "dm", "arch", "sup")
    gone = arch.get(f"/api/v1/documents/{document['id']}/content")
    assert error(gone) == (410, "destroyed")
    assert gone.json()["error"]["detail"]["certificate"] == proof["reference"]
    assert arch.get(f"/api/v1/documents/{document['id']}").json()["status"] == "destroyed"

    again = upload(arch, samples.make_pdf(tmp_path, seed=77, name="n.pdf"))
    assert again["archive_number"] != document["archive_number"]  # never reused
    assert again["archive_number"].endswith("-00002")


def test_no_route_deletes_a_document(people: dict, tmp_path: Path) -> None:
    document = upload(people["arch"], samples.make_pdf(tmp_path))
    for client in people.values():
        assert client.delete(f"/api/v1/documents/{document['id']}").status_code == 405
    assert people["arch"].get(f"/api/v1/documents/{document['id']}/content").status_code == 200


def test_the_author_may_not_approve_their_own_list(people: dict, container: Container,
                                                  tmp_path: Path) -> None:
    from shared import disposition
    from shared.domain.errors import PermissionDenied

    list_id = listed(people, due_document(people, tmp_path, 1))
    refused = people["arch"].post(f"/api/v1/destruction-lists/{list_id}/approve")
    assert error(refused) == (403, "forbidden")  # an archivist approves nothing
    # and were the author to hold an approving role, the rule still holds
    with pytest.raises(PermissionDenied, match="author"), container.transaction() as session:
        disposition.approve(session, list_id=list_id, actor="arch", role="general_manager",
                            clearance=1, today=container.today())


def test_the_approver_needs_the_authority_for_the_most_sensitive_item(people: dict, tmp_path: Path) -> None:
    ordinary = due_document(people, tmp_path, 1)
    secret = due_document(people, tmp_path, 2, secrecy="2")
    list_id = listed(people, ordinary, secret)
    url = f"/api/v1/destruction-lists/{list_id}/approve"
    refused = people["dm"].post(url)
    assert error(refused) == (403, "insufficient_authority")
    assert "division_leader" in refused.json()["error"]["message"]
    assert error(people["admin"].post(url)) == (403, "forbidden")  # admin approves nothing
    assert error(people["sup"].post(url)) == (403, "forbidden")
    assert people["dl"].post(url).json()["status"] == "approved"


def test_level_one_needs_the_general_manager(people: dict, tmp_path: Path) -> None:
    top = due_document(people, tmp_path, 1, secrecy="1")
    list_id = listed(people, top)
    url = f"/api/v1/destruction-lists/{list_id}/approve"
    assert error(people["dl"].post(url)) == (403, "insufficient_authority")
    assert people["gm"].post(url).status_code == 200


def test_an_approver_without_the_clearance_is_refused_without_naming_the_level(
        people: dict, tmp_path: Path) -> None:
    top = due_document(people, tmp_path, 1, secrecy="1")
    ordinary = due_document(people, tmp_path, 2)
    list_id = listed(people, top, ordinary)
    url = f"/api/v1/destruction-lists/{list_id}/approve"
    refused = people["gm3"].post(url)  # the role covers level 1, the clearance does not
    assert error(refused) == (403, "insufficient_clearance")
    assert refused.json()["error"]["detail"] is None
    assert "1" not in refused.json()["error"]["message"]
    shown = people["gm3"].get(f"/api/v1/destruction-lists/{list_id}").json()
    assert [i["document"] for i in shown["items"]] == [ordinary["id"]]
    assert people["gm"].post(url).json()["status"] == "approved"


def test_a_list_of_hidden_documents_only_is_answered_as_a_missing_one(
        people: dict, tmp_path: Path) -> None:
    list_id = listed(people, due_document(people, tmp_path, 1, secrecy="1"))
    items = {"items": [{"document": "x", "decision": "destroy"}]}
    for who, method, suffix, body in [("gm3", "GET", "", None), ("gm3", "GET", "/certificate", None),
                                      ("gm3", "POST", "/approve", None),
                                      ("arch3", "POST", "/appraise", items)]:
        answers = [people[who].request(method, f"/api/v1/destruction-lists/{n}{suffix}", json=body)
                   for n in (list_id, 999999)]
        assert error(answers[0]) == error(answers[1]) == (404, "destruction_list_not_found"), suffix


def test_an_archivist_neither_sees_nor_lists_a_due_document_beyond_their_clearance(
        people: dict, tmp_path: Path) -> None:
    ordinary = due_document(people, tmp_path, 1)
    secret = due_document(people, tmp_path, 2, secrecy="1")
    due = people["arch3"].get("/api/v1/retention/due").json()
    assert (due["total"], [d["id"] for d in due["items"]]) == (1, [ordinary["id"]])
    assert secret["id"] not in str(due) and secret["archive_number"] not in str(due)
    assert people["arch"].get("/api/v1/retention/due").json()["total"] == 2
    hidden = people["arch3"].post("/api/v1/destruction-lists", json={"documents": [secret["id"]]})
    missing = people["arch3"].post("/api/v1/destruction-lists", json={"documents": ["nope"]})
    assert error(hidden) == error(missing) == (404, "document_not_found")


def test_the_executor_may_not_supervise_nor_the_approver(people: dict, tmp_path: Path) -> None:
    list_id = listed(people, due_document(people, tmp_path, 1))
    people["dm"].post(f"/api/v1/destruction-lists/{list_id}/approve")
    url = f"/api/v1/destruction-lists/{list_id}/execute"
    assert error(people["arch"].post(url, json={"supervisor": "arch"})) == (403, "supervisor_conflict")
    assert error(people["arch"].post(url, json={"supervisor": "dm"})) == (403, "supervisor_conflict")
    assert error(people["arch"].post(url, json={"supervisor": "nobody"})) == (422, "unknown_supervisor")
    assert people["arch"].get(f"/api/v1/destruction-lists/{list_id}").json()["status"] == "approved"


def test_a_held_document_cannot_be_listed_approved_or_destroyed(people: dict, tmp_path: Path) -> None:
    arch = people["arch"]
    held_first = due_document(people, tmp_path, 1)
    hold = arch.post("/api/v1/holds", json={"reason": "诉讼", "documents": [held_first["id"]]}).json()
    refused = arch.post("/api/v1/destruction-lists", json={"documents": [held_first["id"]]})
    assert error(refused) == (409, "document_held")
    arch.post(f"/api/v1/holds/{hold['id']}/release")

    list_id = listed(people, held_first)
    hold = arch.post("/api/v1/holds", json={"reason": "再次诉讼", "customer": "C001"}).json()
    assert error(people["dm"].post(f"/api/v1/destruction-lists/{list_id}/approve")) == (409, "document_held")
    arch.post(f"/api/v1/holds/{hold['id']}/release")
    people["dm"].post(f"/api/v1/destruction-lists/{list_id}/approve")
    arch.post("/api/v1/holds", json={"reason": "第三次", "documents": [held_first["id"]]})
    executed = arch.post(f"/api/v1/destruction-lists/{list_id}/execute", json={"supervisor": "sup"})
    assert error(executed) == (409, "document_held")
    assert arch.get(f"/api/v1/documents/{held_first['id']}/content").status_code == 200


def test_a_document_not_yet_due_cannot_be_listed(people: dict, tmp_path: Path) -> None:
    young = upload(people["arch"], samples.make_pdf(tmp_path), document_date="2020-01-01")
    refused = people["arch"].post("/api/v1/destruction-lists", json={"documents": [young["id"]]})
    assert error(refused) == (409, "document_not_due")


def test_an_unappraised_list_cannot_be_approved(people: dict, tmp_path: Path) -> None:
    document = due_document(people, tmp_path, 1)
    list_id = people["arch"].post("/api/v1/destruction-lists",
                                  json={"documents": [document["id"]]}).json()["id"]
    assert error(people["dm"].post(f"/api/v1/destruction-lists/{list_id}/approve")) == (409, "not_appraised")


def test_an_extension_keeps_the_document_longer(people: dict, tmp_path: Path) -> None:
    document = due_document(people, tmp_path, 1)
    arch = people["arch"]
    list_id = arch.post("/api/v1/destruction-lists", json={"documents": [document["id"]]}).json()["id"]
    bad = arch.post(f"/api/v1/destruction-lists/{list_id}/appraise",
                    json={"items": [{"document": document["id"], "decision": "extend"}]})
    assert error(bad) == (422, "invalid_extension")
    arch.post(f"/api/v1/destruction-lists/{list_id}/appraise", json={"items": [
        {"document": document["id"], "decision": "extend", "years": 10, "reason": "仍有纠纷可能"}]})
    people["dm"].post(f"/api/v1/destruction-lists/{list_id}/approve")
    kept = arch.get(f"/api/v1/documents/{document['id']}").json()
    assert kept["status"] == "archived" and kept["retain_until"] == "2030-06-30"
    executed = arch.post(f"/api/v1/destruction-lists/{list_id}/execute", json={"supervisor": "sup"})
    assert executed.json()["status"] == "executed"
    assert arch.get(f"/api/v1/documents/{document['id']}/content").status_code == 200
    assert arch.get(f"/api/v1/destruction-lists/{list_id}/certificate").json()["certificates"] == []


def test_the_whole_chain_from_the_cli(people: dict, container: Container, tmp_path: Path) -> None:
    import json
    import subprocess

    from tests.e2e.test_cli import DANGAN, env_for

    document = due_document(people, tmp_path, 1)
    env = env_for(container.settings)

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([DANGAN, "--json", "destruction", *args], env=env, capture_output=True,
                              text=True, timeout=120)

    created = run("create", document["id"], "--as", "arch")
    assert created.returncode == 0, created.stderr
    list_id = str(json.loads(created.stdout)["id"])
    assert run("appraise", list_id, "--destroy", document["id"], "--reason", "到期", "--as",
               "arch").returncode == 0
    own = run("approve", list_id, "--as", "arch")
    assert own.returncode == 1 and "forbidden" in own.stderr  # an archivist approves nothing
    assert run("approve", list_id, "--as", "dm").returncode == 0
    assert json.loads(run("execute", list_id, "--supervisor", "sup", "--as", "arch").stdout) == {
        "list": int(list_id), "destroyed": [document["id"]]}
    proof = json.loads(run("certificate", list_id).stdout)
    assert proof[0]["archive_number"] == document["archive_number"]
    assert proof[0]["versions"][0]["sha256"] == document["sha256"]


class WatchedStore:
    """The deployment's store, with its destructions counted and, on demand,
    paused (an execution caught mid-way) or failing at the n-th document."""

    def __init__(self, inner: BlobStore) -> None:
        self.inner = inner
        self.destroyed: Counter[str] = Counter()
        self.entered, self.proceed = threading.Event(), threading.Event()
        self.proceed.set()
        self.fail_at: str | None = None  # a key prefix

    def __getattr__(self, name: str) -> Any:  # every other verb: the real store's
        return getattr(self.inner, name)

    def destroy(self, key: str) -> None:
        self.entered.set()
        assert self.proceed.wait(60), "the paused execution was never let go"
        if self.fail_at and key.startswith(self.fail_at):
            raise StorageUnavailable(f"cannot delete object {key}: connection reset")
        self.inner.destroy(key)
        self.destroyed[key] += 1


def approved_list(people: dict, tmp_path: Path, count: int) -> tuple[int, list[dict]]:
    documents = [upload(people["arch"], samples.make_pdf(tmp_path, seed=n, name=f"d{n}.pdf"))
                 for n in range(1, count + 1)]
    assert people["arch"].post("/api/v1/retention/sweep", json={}).json()["flagged"] == count
    list_id = listed(people, *documents)
    assert people["dm"].post(f"/api/v1/destruction-lists/{list_id}/approve").status_code == 200
    return list_id, documents


def destroyed_once(people: dict, container: Container, list_id: int, documents: list[dict],
                   store: WatchedStore) -> None:
    arch = people["arch"]
    assert arch.get(f"/api/v1/destruction-lists/{list_id}").json()["status"] == "executed"
    proofs = arch.get(f"/api/v1/destruction-lists/{list_id}/certificate").json()["certificates"]
    assert sorted(p["document"] for p in proofs) == sorted(d["id"] for d in documents)
    events = arch.get("/api/v1/audit", params={"action": "document.destroy"}).json()
    assert sorted(e["target"] for e in events["items"]) == sorted(f"document:{d['id']}" for d in documents)
    assert set(store.destroyed.values()) == {1}
    assert {key.split("/")[1] for key in store.destroyed} == {d["id"] for d in documents}
    assert container.store.keys("documents/") == []


def test_a_second_execution_of_a_list_under_way_is_refused(
        people: dict, container: Container, tmp_path: Path) -> None:
    list_id, documents = approved_list(people, tmp_path, 2)
    container.store = store = WatchedStore(container.store)
    store.proceed.clear()  # whichever execution wins the claim waits inside its first deletion
    url = f"/api/v1/destruction-lists/{list_id}/execute"
    clients = [login(str(people["arch"].base_url), "arch") for _ in range(2)]
    start, answers = threading.Barrier(2), queue.Queue()

    def execute(client: httpx.Client) -> None:
        start.wait()
        answers.put(client.post(url, json={"supervisor": "sup"}))

    threads = [threading.Thread(target=execute, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    first = answers.get(timeout=60)  # the other one cannot finish while the gate is shut
    assert error(first) == (409, "execution_in_progress")
    assert store.entered.wait(60) and not store.destroyed  # the winner waits at its first deletion
    store.proceed.set()
    second = answers.get(timeout=60)
    for thread in threads:
        thread.join()
    for client in clients:
        client.close()
    assert second.status_code == 200, second.text
    assert second.json()["status"] == "executed"
    destroyed_once(people, container, list_id, documents, store)


def test_an_execution_interrupted_by_an_error_is_resumed_by_the_same_people(
        people: dict, container: Container, tmp_path: Path) -> None:
    list_id, documents = approved_list(people, tmp_path, 2)
    container.store = store = WatchedStore(container.store)
    store.fail_at = f"documents/{documents[1]['id']}/"
    url = f"/api/v1/destruction-lists/{list_id}/execute"
    assert error(people["arch"].post(url, json={"supervisor": "sup"})) == (503, "storage_unavailable")
    halfway = people["arch"].get(f"/api/v1/destruction-lists/{list_id}").json()
    assert halfway["status"] == "executing"
    assert [i["destroyed_at"] is not None for i in halfway["items"]] == [True, False]
    assert error(people["arch"].post(url, json={"supervisor": "dl"})) == (409, "execution_in_progress")
    store.fail_at = None
    resumed = people["arch"].post(url, json={"supervisor": "sup"})
    assert resumed.status_code == 200, resumed.text
    destroyed_once(people, container, list_id, documents, store)


def test_a_crashed_execution_holds_the_list_until_its_claim_goes_stale(
        people: dict, container: Container, tmp_path: Path) -> None:
    from shared import disposition

    list_id, documents = approved_list(people, tmp_path, 2)
    container.store = store = WatchedStore(container.store)
    with container.transaction() as session:  # an execution that claimed the list, then died
        disposition.start_execution(session, list_id=list_id, actor="arch", supervisor="sup",
                                    token="crashed", today=container.today())
    url = f"/api/v1/destruction-lists/{list_id}/execute"
    assert error(people["arch"].post(url, json={"supervisor": "sup"})) == (409, "execution_in_progress")
    assert not store.destroyed
    silent = datetime.now(UTC) - disposition.STALE_CLAIM - timedelta(seconds=1)
    with container.transaction() as session:
        session.execute(update(DestructionList).where(DestructionList.id == list_id)
                        .values(execution_heartbeat=silent))
    resumed = people["arch"].post(url, json={"supervisor": "sup"})
    assert resumed.status_code == 200, resumed.text
    destroyed_once(people, container, list_id, documents, store)
