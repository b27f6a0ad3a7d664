"""Borrowing (借阅) and what nobody may see (SPEC §4) through the HTTP API."""
from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import httpx
import pytest

from shared.bootstrap import Container
from services.search import SearchIndex
from tests import samples
from tests.conftest import drain, team

PEOPLE = {"arch": ("archivist", 1), "staff3": ("staff", 3), "staff2": ("staff", 2),
          "staff1": ("staff", 1), "dm": ("department_manager", 1), "dl": ("division_leader", 1),
          "gm": ("general_manager", 1), "gm3": ("general_manager", 3), "audit": ("auditor", 1)}
TODAY = date(2026, 6, 1)


@pytest.fixture
def people(container: Container, index: SearchIndex) -> Iterator[dict[str, httpx.Client]]:
    container.clock = lambda: TODAY
    with team(container, index, PEOPLE, customer_kind="individual") as clients:
        yield clients


def upload(people: dict, tmp_path: Path, seed: int, text: str, **fields: str) -> dict:
    path = samples.make_pdf(tmp_path, seed=seed, text=text, name=f"f{seed}.pdf")
    data = {"type": "contract", "title": f"档案{seed}", "customer": "C001", **fields}
    with path.open("rb") as handle:
        response = people["arch"].post("/api/v1/documents", files={"file": (path.name, handle)}, data=data)
    assert response.status_code == 201, response.text
    return response.json()


def hits(client: httpx.Client, q: str) -> list[str]:
    return [h["id"] for h in client.get("/api/v1/search", params={"q": q}).json()["hits"]]


@pytest.fixture
def levels(people: dict, container: Container, index: SearchIndex, tmp_path: Path) -> dict[int, dict]:
    docs = {level: upload(people, tmp_path, level, f"机密词{level} 共同词 level{level}", secrecy=str(level))
            for level in (1, 2, 3)}
    drain(container, index)
    return docs


def test_nobody_finds_what_is_beyond_their_clearance(people: dict, levels: dict) -> None:
    for clearance in (1, 2, 3):
        client = people[f"staff{clearance}"]
        for level in (1, 2, 3):
            body = client.get("/api/v1/search", params={"q": f"机密词{level}"}).json()
            if level >= clearance:
                assert body["total"] == 1 and body["hits"][0]["highlights"]
            else:  # no hit, no facet count, no title, no snippet
                assert body == {"total": 0, "page": 1, "size": 20, "hits": [],
                                "facets": {"type": {}, "year": {}}}
        shared_word = client.get("/api/v1/search", params={"q": "共同词"}).json()
        assert shared_word["total"] == 4 - clearance
        assert sum(shared_word["facets"]["type"].values()) == 4 - clearance


def test_a_grant_lets_exactly_its_documents_through_until_its_end(
        people: dict, levels: dict, container: Container) -> None:
    staff = people["staff3"]
    lent, other = levels[2], levels[1]
    until = TODAY + timedelta(days=10)
    asked = staff.post("/api/v1/access-requests", json={"documents": [lent["id"]], "purpose": "诉讼准备",
                                                        "until": until.isoformat()})
    assert asked.status_code == 201, asked.text
    assert staff.get(f"/api/v1/documents/{lent['id']}").status_code == 404  # not before approval
    approved = people["dl"].post(f"/api/v1/access-requests/{asked.json()['id']}/approve")
    assert approved.status_code == 200 and approved.json()["status"] == "approved"

    assert staff.get(f"/api/v1/documents/{lent['id']}").status_code == 200
    assert staff.get(f"/api/v1/documents/{lent['id']}/content").status_code == 200
    assert hits(staff, "机密词2") == [lent["id"]]
    assert staff.get(f"/api/v1/documents/{other['id']}").status_code == 404
    assert staff.get(f"/api/v1/documents/{other['id']}/content").status_code == 404
    assert hits(staff, "机密词1") == []
    assert staff.get("/api/v1/documents").json()["total"] == 2

    container.clock = lambda: until  # the last day still counts
    assert staff.get(f"/api/v1/documents/{lent['id']}/content").status_code == 200
    container.clock = lambda: until + timedelta(days=1)
    assert staff.get(f"/api/v1/documents/{lent['id']}/content").status_code == 404
    assert staff.get(f"/api/v1/documents/{lent['id']}").status_code == 404
    assert hits(staff, "机密词2") == []


def test_a_refused_request_lets_nothing_through(people: dict, levels: dict) -> None:
    staff = people["staff3"]
    asked = staff.post("/api/v1/access-requests", json={
        "documents": [levels[1]["id"]], "purpose": "查阅", "until": "2026-12-31"}).json()
    url = f"/api/v1/access-requests/{asked['id']}"
    refused = people["dl"].post(f"{url}/approve")  # level 1 needs the general manager
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "insufficient_authority"
    assert people["gm"].post(f"{url}/refuse", json={"reason": ""}).status_code == 422
    done = people["gm"].post(f"{url}/refuse", json={"reason": "用途不充分"})
    assert done.json()["status"] == "refused" and done.json()["refusal_reason"] == "用途不充分"
    assert people["gm"].post(f"{url}/approve").status_code == 409
    assert staff.get(f"/api/v1/documents/{levels[1]['id']}/content").status_code == 404
    assert hits(staff, "机密词1") == []


def test_requests_are_decided_by_someone_else_and_need_a_future_end(people: dict, levels: dict) -> None:
    dm = people["dm"]
    mine = dm.post("/api/v1/access-requests", json={"documents": [levels[3]["id"]], "purpose": "x",
                                                    "until": "2026-12-31"}).json()
    own = dm.post(f"/api/v1/access-requests/{mine['id']}/approve")
    assert own.status_code == 403 and own.json()["error"]["code"] == "approver_is_requester"
    past = people["staff3"].post("/api/v1/access-requests", json={
        "documents": [levels[2]["id"]], "purpose": "x", "until": "2026-05-31"})
    assert past.status_code == 422 and past.json()["error"]["code"] == "invalid_until"
    assert people["audit"].post("/api/v1/access-requests", json={}).status_code == 403


def test_a_customers_whole_file_can_be_lent(people: dict, levels: dict) -> None:
    staff = people["staff3"]
    asked = staff.post("/api/v1/access-requests", json={"customer": "C001", "purpose": "审计",
                                                        "until": "2026-06-30"}).json()
    # before approval the requester is shown only what they may already see
    assert asked["documents"] == [levels[3]["id"]]
    inbox = people["gm"].get("/api/v1/access-requests").json()["items"][0]
    assert sorted(inbox["documents"]) == sorted(d["id"] for d in levels.values())
    people["gm"].post(f"/api/v1/access-requests/{asked['id']}/approve")
    assert sorted(hits(staff, "共同词")) == sorted(d["id"] for d in levels.values())
    mine = staff.get("/api/v1/access-requests").json()["items"][0]
    assert sorted(mine["documents"]) == sorted(d["id"] for d in levels.values())


def test_request_approval_and_download_are_in_the_audit_trail(people: dict, levels: dict) -> None:
    staff = people["staff3"]
    lent = levels[2]
    asked = staff.post("/api/v1/access-requests", json={"documents": [lent["id"]], "purpose": "复印",
                                                        "until": "2026-06-30"}).json()
    people["dl"].post(f"/api/v1/access-requests/{asked['id']}/approve")
    staff.get(f"/api/v1/documents/{lent['id']}/content", params={"download": True})
    trail = people["audit"].get("/api/v1/audit", params={"target": f"access:{asked['id']}"}).json()
    assert [(e["actor"], e["action"]) for e in trail["items"]] == [
        ("staff3", "access.request"), ("dl", "access.approve")]
    reads = people["audit"].get("/api/v1/audit", params={"target": f"document:{lent['id']}",
                                                          "actor": "staff3"}).json()
    assert [e["action"] for e in reads["items"]] == ["document.download"]


def test_id_copies_of_a_closed_customer_are_for_archivists_only(
        people: dict, container: Container, index: SearchIndex, tmp_path: Path) -> None:
    copy = upload(people, tmp_path, 9, "居民身份证 复印件 11010519491231002X", type="id_copy")
    drain(container, index)
    staff = people["staff1"]
    assert staff.get(f"/api/v1/documents/{copy['id']}/content").status_code == 200
    people["arch"].post("/api/v1/customers/C001/close", json={"closed_at": "2026-05-01"})
    drain(container, index)
    for suffix in ("", "/content", "/preview"):  # withheld: answered as a missing id is
        refused = staff.get(f"/api/v1/documents/{copy['id']}{suffix}")
        assert refused.status_code == 404 and refused.json()["error"]["code"] == "document_not_found"
    assert hits(staff, "复印件") == []
    assert people["arch"].get(f"/api/v1/documents/{copy['id']}/content").status_code == 200
    assert hits(people["arch"], "复印件") == [copy["id"]]


def test_resident_id_numbers_are_masked_for_clearance_three(
        people: dict, container: Container, index: SearchIndex, tmp_path: Path) -> None:
    upload(people, tmp_path, 8, "担保人 11010519491231002X 另 110105194912310021")
    drain(container, index)
    plain = " ".join(people["staff3"].get("/api/v1/search", params={"q": "担保人"}).json()
                     ["hits"][0]["highlights"])
    assert "110105********002X" in plain and "11010519491231002X" not in plain
    assert "110105194912310021" in plain  # no valid check digit: not an ID number
    full = " ".join(people["staff1"].get("/api/v1/search", params={"q": "担保人"}).json()
                    ["hits"][0]["highlights"])
    assert "11010519491231002X" in full


def test_a_document_archived_after_approval_is_not_lent(
        people: dict, levels: dict, container: Container, index: SearchIndex, tmp_path: Path) -> None:
    staff = people["staff3"]
    asked = staff.post("/api/v1/access-requests", json={"customer": "C001", "purpose": "审计",
                                                        "until": "2026-06-30"}).json()
    approved = people["gm"].post(f"/api/v1/access-requests/{asked['id']}/approve").json()
    lent = sorted(d["id"] for d in levels.values())
    assert sorted(approved["documents"]) == lent  # fixed at approval
    later = upload(people, tmp_path, 9, "后来词 共同词", secrecy="1")
    drain(container, index)
    assert staff.get(f"/api/v1/documents/{later['id']}").status_code == 404
    assert staff.get(f"/api/v1/documents/{later['id']}/content").status_code == 404
    assert hits(staff, "后来词") == []
    assert sorted(hits(staff, "共同词")) == lent
    assert later["id"] not in {d["id"] for d in staff.get("/api/v1/documents").json()["items"]}
    again = staff.get("/api/v1/access-requests").json()["items"][0]
    assert sorted(again["documents"]) == lent


def test_an_approver_without_the_clearance_is_refused_without_naming_the_level(
        people: dict, levels: dict) -> None:
    asked = people["staff3"].post("/api/v1/access-requests", json={
        "documents": [levels[1]["id"]], "purpose": "查阅", "until": "2026-06-30"}).json()
    url = f"/api/v1/access-requests/{asked['id']}"
    refused = people["gm3"].post(f"{url}/approve")
    assert refused.status_code == 403
    error = refused.json()["error"]
    assert error["code"] == "insufficient_clearance" and error["detail"] is None
    assert "1" not in error["message"] and "level" not in error["message"]
    assert people["gm3"].post(f"{url}/refuse", json={"reason": "不清楚"}).status_code == 403
    assert people["gm"].post(f"{url}/approve").json()["status"] == "approved"


def test_an_end_date_past_the_longest_grant_is_refused(people: dict, levels: dict) -> None:
    staff = people["staff3"]

    def ask(until: date) -> httpx.Response:
        return staff.post("/api/v1/access-requests", json={
            "documents": [levels[2]["id"]], "purpose": "长期借阅", "until": until.isoformat()})

    too_long = ask(TODAY + timedelta(days=366))
    assert too_long.status_code == 422, too_long.text
    assert too_long.json()["error"]["code"] == "invalid_until"
    assert too_long.json()["error"]["detail"] == {"latest": (TODAY + timedelta(days=365)).isoformat()}
    assert ask(date(9999, 12, 31)).status_code == 422
    assert ask(TODAY + timedelta(days=365)).status_code == 201
