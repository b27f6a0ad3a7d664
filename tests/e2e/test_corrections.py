"""Corrections (著录修改) through the HTTP API, on both backends: a reason and a
field-level history, retention and the archive number following what changed,
who may correct, and refusals that leave nothing behind."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from shared.bootstrap import Container
from services.search import SearchIndex
from tests import samples
from tests.conftest import drain, team

PEOPLE = {"arch": ("archivist", 1), "arch3": ("archivist", 3), "clerk": ("clerk", 1),
          "clerk2": ("clerk", 1), "clerk3": ("clerk", 3), "staff": ("staff", 1),
          "dm": ("department_manager", 1), "sup": ("staff", 1)}
WHY = "原件日期著录有误"


@pytest.fixture
def people(container: Container, index: SearchIndex) -> Iterator[dict[str, httpx.Client]]:
    with team(container, index, PEOPLE, customer_kind="company") as clients:
        yield clients


def upload(client: httpx.Client, folder: Path, seed: int = 0, **fields: str) -> dict:
    data = {"type": "contract", "title": "房屋租赁合同", "customer": "C001",
            "document_date": "2024-03-15", **fields}
    path = samples.make_pdf(folder, seed=seed, name=f"d{seed}.pdf")
    with path.open("rb") as handle:
        response = client.post("/api/v1/documents", files={"file": (path.name, handle)}, data=data)
    assert response.status_code == 201, response.text
    return response.json()


def patch(client: httpx.Client, document: dict, **body: Any) -> httpx.Response:
    return client.patch(f"/api/v1/documents/{document['id']}", json=body)


def error(response: httpx.Response) -> tuple[int, str]:
    return response.status_code, response.json()["error"]["code"]


def holdings(people: dict, document: dict) -> tuple:
    """What a refusal must leave as it was: the record, its history, the audit trail."""
    arch = people["arch"]
    return (arch.get(f"/api/v1/documents/{document['id']}").json(),
            arch.get(f"/api/v1/documents/{document['id']}/history").json(),
            arch.get("/api/v1/audit", params={"size": 500}).json()["total"])


def refused(people: dict, document: dict, response: httpx.Response, before: tuple,
            expected: tuple[int, str]) -> None:
    assert error(response) == expected, response.text
    assert holdings(people, document) == before


def events(people: dict, document: dict, action: str) -> list[dict]:
    found = people["arch"].get("/api/v1/audit", params={"target": f"document:{document['id']}",
                                                        "size": 500}).json()["items"]
    return [e for e in found if e["action"] == action]


def test_a_corrected_date_recomputes_retain_until_and_the_history_keeps_the_old_value(
        people: dict, tmp_path: Path) -> None:
    document = upload(people["clerk"], tmp_path)
    assert document["retain_until"] == "2054-03-15"
    answer = patch(people["clerk"], document, document_date="2024-05-20", reason=WHY)
    assert answer.status_code == 200, answer.text
    assert answer.json()["retain_until"] == "2054-05-20"
    assert answer.json()["archive_number"] == document["archive_number"]  # same series
    shown = people["clerk"].get(f"/api/v1/documents/{document['id']}").json()
    assert (shown["document_date"], shown["retain_until"]) == ("2024-05-20", "2054-05-20")
    history = people["clerk"].get(f"/api/v1/documents/{document['id']}/history").json()["items"]
    assert {(c["field"], c["old_value"], c["new_value"]) for c in history} == {
        ("document_date", "2024-03-15", "2024-05-20"), ("retain_until", "2054-03-15", "2054-05-20")}
    assert {(c["change_set"], c["changed_by"], c["reason"]) for c in history} == {(1, "clerk", WHY)}
    [event] = events(people, document, "document.update")
    assert event["actor"] == "clerk" and event["details"]["reason"] == WHY
    assert event["details"]["changes"]["document_date"] == {"from": "2024-03-15", "to": "2024-05-20"}


def test_each_field_of_an_upload_may_be_corrected(people: dict, tmp_path: Path) -> None:
    document = upload(people["clerk"], tmp_path)
    answer = patch(people["clerk"], document, reason="补充著录", title="房屋租赁合同（补充协议）",
                   tags=["租赁", "补充"], location="盒12/架3", custom_fields={"合同金额": 120000},
                   secrecy=2, valid_until="2027-03-14")
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["title"], body["tags"], body["location"], body["custom_fields"], body["secrecy"],
            body["valid_until"]) == ("房屋租赁合同（补充协议）", ["租赁", "补充"], "盒12/架3",
                                     {"合同金额": 120000}, 2, "2027-03-14")
    assert body["retain_until"] == document["retain_until"]  # nothing retention reads changed
    history = people["clerk"].get(f"/api/v1/documents/{document['id']}/history").json()["items"]
    assert sorted(c["field"] for c in history) == [
        "custom_fields", "location", "secrecy", "tags", "title", "valid_until"]
    cleared = patch(people["clerk"], document, reason="位置不详", location=None)
    assert cleared.json()["location"] is None
    assert {c["change_set"] for c in people["clerk"].get(
        f"/api/v1/documents/{document['id']}/history").json()["items"]} == {1, 2}


def test_a_type_change_renumbers_and_the_old_number_is_never_issued_again(
        people: dict, tmp_path: Path) -> None:
    arch = people["arch"]
    document = upload(arch, tmp_path)
    old = document["archive_number"]
    assert old == "KH01-2024-D30-HT-00001"
    answer = patch(arch, document, type="correspondence", reason="实为往来函件")
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["archive_number"] == "KH01-2024-D10-WL-00001"
    assert (body["retention_term"], body["retention_years"], body["retain_until"]) == (
        "short", 10, "2034-03-15")
    assert arch.get(f"/api/v1/documents/{document['id']}").json()[
        "superseded_archive_numbers"] == [old]
    history = arch.get(f"/api/v1/documents/{document['id']}/history").json()["items"]
    assert ("archive_number", old, "KH01-2024-D10-WL-00001") in {
        (c["field"], c["old_value"], c["new_value"]) for c in history}
    assert events(people, document, "document.update")[0]["details"]["changes"][
        "archive_number"] == {"from": old, "to": "KH01-2024-D10-WL-00001"}

    assert upload(arch, tmp_path, seed=1)["archive_number"] == "KH01-2024-D30-HT-00002"
    back = patch(arch, document, type="contract", reason="复核后仍为合同").json()
    assert back["archive_number"] == "KH01-2024-D30-HT-00003"  # the counter never goes back
    assert back["superseded_archive_numbers"] == [old, "KH01-2024-D10-WL-00001"]


def test_a_new_year_on_the_document_moves_it_to_that_year_series(people: dict, tmp_path: Path) -> None:
    document = upload(people["clerk"], tmp_path)
    body = patch(people["clerk"], document, document_date="2023-12-31", reason=WHY).json()
    assert body["archive_number"] == "KH01-2023-D30-HT-00001"
    assert body["superseded_archive_numbers"] == ["KH01-2024-D30-HT-00001"]


@pytest.mark.parametrize("body, expected", [
    ({"title": "新题名"}, (422, "reason_required")),
    ({"title": "新题名", "reason": "   "}, (422, "reason_required")),
    ({"title": "新题名", "reason": "x" * 501}, (422, "invalid_request")),
    ({"title": "新题名", "reason": "第一行\n第二行"}, (422, "invalid_request")),
    ({"document_date": "2024-02-30", "reason": WHY}, (422, "invalid_request")),
    ({"document_date": "2999-01-01", "reason": WHY}, (422, "invalid_document_date")),
    ({"valid_until": "2020-01-01", "reason": WHY}, (422, "valid_until_before_document_date")),
    ({"type": "poem", "reason": WHY}, (422, "unknown_document_type")),
    ({"title": "", "reason": WHY}, (422, "invalid_title")),
    ({"secrecy": 4, "reason": WHY}, (422, "invalid_secrecy")),
    ({"tags": 5, "reason": WHY}, (422, "invalid_request")),
    ({"custom_fields": {"a": {"b": 1}}, "reason": WHY}, (422, "invalid_request")),
    ({"archive_number": "KH01-2024-D30-HT-99999", "reason": WHY}, (422, "invalid_request")),
    ({"title": "房屋租赁合同", "reason": WHY}, (422, "no_change")),
    ({"reason": WHY}, (422, "no_change")),
])
def test_a_refused_correction_leaves_no_change_no_history_and_no_audit_event(
        people: dict, tmp_path: Path, body: dict, expected: tuple[int, str]) -> None:
    document = upload(people["clerk"], tmp_path)
    before = holdings(people, document)
    refused(people, document, patch(people["clerk"], document, **body), before, expected)


def test_a_clerk_corrects_only_their_own_uploads(people: dict, tmp_path: Path) -> None:
    document = upload(people["clerk"], tmp_path)
    before = holdings(people, document)
    refused(people, document, patch(people["clerk2"], document, title="改", reason=WHY), before,
            (403, "not_your_document"))
    refused(people, document, patch(people["staff"], document, title="改", reason=WHY), before,
            (403, "forbidden"))


def test_after_an_archivist_confirms_only_archivists_correct(people: dict, tmp_path: Path) -> None:
    document = upload(people["clerk"], tmp_path)
    assert error(people["clerk"].post(f"/api/v1/documents/{document['id']}/confirm")) == (
        403, "confirm_needs_archivist")
    confirmed = people["arch"].post(f"/api/v1/documents/{document['id']}/confirm")
    assert confirmed.status_code == 200, confirmed.text
    shown = people["clerk"].get(f"/api/v1/documents/{document['id']}").json()
    assert shown["confirmed_by"] == "arch" and shown["confirmed_at"]
    assert len(events(people, document, "document.confirm")) == 1
    assert error(people["arch"].post(f"/api/v1/documents/{document['id']}/confirm")) == (
        409, "already_confirmed")

    before = holdings(people, document)
    refused(people, document, patch(people["clerk"], document, title="改", reason=WHY), before,
            (403, "document_confirmed"))
    assert patch(people["arch"], document, title="改正题名", reason=WHY).status_code == 200


def test_a_new_secrecy_stays_within_the_editors_clearance(people: dict, tmp_path: Path) -> None:
    document = upload(people["clerk3"], tmp_path)
    before = holdings(people, document)
    refused(people, document, patch(people["clerk3"], document, secrecy=1, reason="提高密级"),
            before, (403, "secrecy_above_clearance"))
    assert patch(people["arch"], document, secrecy=1, reason="提高密级").json()["secrecy"] == 1


def test_a_record_the_caller_may_not_see_answers_404_as_get_does(people: dict,
                                                                 tmp_path: Path) -> None:
    document = upload(people["arch"], tmp_path, secrecy="1")
    before = holdings(people, document)
    for name in ("clerk3", "arch3"):
        client = people[name]
        hidden = patch(client, document, title="改", reason=WHY)
        missing = client.patch("/api/v1/documents/no-such-id", json={"title": "改", "reason": WHY})
        got = client.get(f"/api/v1/documents/{document['id']}")
        assert error(hidden) == error(missing) == error(got) == (404, "document_not_found")
        assert hidden.json()["error"]["message"].replace(document["id"], "X") == \
            missing.json()["error"]["message"].replace("no-such-id", "X")
        assert error(client.get(f"/api/v1/documents/{document['id']}/history")) == (
            404, "document_not_found")
        assert error(client.post(f"/api/v1/documents/{document['id']}/confirm")) == (
            404, "document_not_found")
    assert holdings(people, document) == before


def test_a_destroyed_record_answers_410(people: dict, tmp_path: Path) -> None:
    arch = people["arch"]
    document = upload(arch, tmp_path, document_date="1990-06-30")
    assert arch.post("/api/v1/retention/sweep", json={}).json()["flagged"] == 1
    list_id = arch.post("/api/v1/destruction-lists", json={"documents": [document["id"]]}).json()["id"]
    arch.post(f"/api/v1/destruction-lists/{list_id}/appraise", json={"items": [
        {"document": document["id"], "decision": "destroy", "reason": "已到期"}]})
    assert people["dm"].post(f"/api/v1/destruction-lists/{list_id}/approve").status_code == 200
    executed = arch.post(f"/api/v1/destruction-lists/{list_id}/execute", json={"supervisor": "sup"})
    assert executed.status_code == 200, executed.text
    before = holdings(people, document)
    gone = patch(arch, document, title="改", reason=WHY)
    refused(people, document, gone, before, (410, "destroyed"))
    assert gone.json()["error"]["detail"]["certificate"]


def test_a_held_record_keeps_at_least_its_term(people: dict, tmp_path: Path) -> None:
    arch = people["arch"]
    document = upload(arch, tmp_path)
    assert arch.post("/api/v1/holds", json={"reason": "诉讼", "documents": [document["id"]]}
                     ).status_code == 201
    before = holdings(people, document)
    shorter = patch(arch, document, document_date="2024-01-01", reason=WHY)
    refused(people, document, shorter, before, (409, "correction_shortens_held"))
    assert shorter.json()["error"]["detail"] == {"retain_until": "2054-03-15",
                                                 "would_be": "2054-01-01"}
    longer = patch(arch, document, document_date="2024-06-01", reason=WHY)
    assert longer.json()["retain_until"] == "2054-06-01"
    assert patch(arch, document, title="诉讼中的合同", reason=WHY).status_code == 200


def test_a_record_on_an_open_destruction_list_keeps_at_least_its_term(people: dict,
                                                                      tmp_path: Path) -> None:
    arch = people["arch"]
    document = upload(arch, tmp_path, document_date="1990-06-30")
    arch.post("/api/v1/retention/sweep", json={})
    assert arch.post("/api/v1/destruction-lists", json={"documents": [document["id"]]}
                     ).status_code == 201
    before = holdings(people, document)
    refused(people, document, patch(arch, document, type="credit_report", reason="实为资信报告"),
            before, (409, "correction_shortens_listed"))
    kept = patch(arch, document, document_date="1999-06-30", reason=WHY).json()
    assert (kept["retain_until"], kept["status"]) == ("2029-06-30", "archived")  # no longer due


def test_the_history_is_append_only_in_the_database(people: dict, container: Container,
                                                    tmp_path: Path) -> None:
    document = upload(people["clerk"], tmp_path)
    patch(people["clerk"], document, type="correspondence", reason="实为往来函件")
    for statement in ("UPDATE document_changes SET reason = 'x'", "DELETE FROM document_changes",
                      "DELETE FROM superseded_archive_numbers"):
        with pytest.raises(DBAPIError), container.transaction() as session:
            session.execute(text(statement))


def test_a_corrected_title_is_what_search_finds(people: dict, container: Container,
                                                 index: SearchIndex, tmp_path: Path) -> None:
    document = upload(people["clerk"], tmp_path)
    patch(people["clerk"], document, title="抵押借款合同", type="other", reason="题名著录有误")
    drain(container, index)
    hits = people["clerk"].get("/api/v1/search", params={"q": "抵押借款"}).json()["hits"]
    assert [(h["id"], h["archive_number"]) for h in hits] == [
        (document["id"], "KH01-2024-D30-QT-00001")]


@pytest.mark.parametrize("backend", ["production"], indirect=True)
def test_a_later_date_extends_the_object_lock(people: dict, container: Container,
                                              index: SearchIndex, tmp_path: Path) -> None:
    document = upload(people["arch"], tmp_path)
    patch(people["arch"], document, document_date="2024-06-01", reason=WHY)
    drain(container, index)
    version = people["arch"].get(f"/api/v1/documents/{document['id']}").json()["versions"][0]
    head = container.store.client.head_object(  # type: ignore[attr-defined]
        Bucket=container.store.bucket,  # type: ignore[attr-defined]
        Key=f"documents/{document['id']}/v1-{version['sha256']}")
    assert head["ObjectLockRetainUntilDate"].date().isoformat() == "2054-06-01"


def test_a_listed_record_keeps_the_secrecy_its_approval_was_decided_on(people: dict,
                                                                      tmp_path: Path) -> None:
    arch = people["arch"]
    document = upload(arch, tmp_path, document_date="1990-06-30")
    arch.post("/api/v1/retention/sweep", json={})
    arch.post("/api/v1/destruction-lists", json={"documents": [document["id"]]})
    before = holdings(people, document)
    refused(people, document, patch(arch, document, secrecy=1, reason="提高密级"), before,
            (409, "correction_changes_listed_secrecy"))
    assert patch(arch, document, title="旧合同（已鉴定）", reason=WHY).status_code == 200
