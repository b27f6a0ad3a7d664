"""An approved extension (延长保管) through the HTTP API: it moves retain_until
by its years, survives closing and reopening the customer, keeps the sweep
away and takes the document off search's due list; an extension past the
term's range is refused and changes nothing."""
from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import httpx
import pytest

from shared.bootstrap import Container
from services.search import SearchIndex, all_documents
from tests import samples
from tests.conftest import drain, team

PEOPLE = {"arch": ("archivist", 1), "dm": ("department_manager", 1), "sup": ("staff", 1)}
TODAY = date(2024, 6, 1)
CLOSED_AT = "2015-03-31"  # a business licence is kept 5 years from closure: due 2020-03-31


@pytest.fixture
def people(container: Container, index: SearchIndex) -> Iterator[dict[str, httpx.Client]]:
    container.clock = lambda: TODAY
    with team(container, index, PEOPLE, customer_kind="company") as clients:
        yield clients


def due_licence(people: dict, tmp_path: Path) -> dict:
    """A closed customer's business licence, flagged due by the sweep."""
    arch = people["arch"]
    path = samples.make_pdf(tmp_path, seed=1, name="licence.pdf")
    with path.open("rb") as handle:
        created = arch.post("/api/v1/documents", files={"file": (path.name, handle)},
                            data={"type": "business_licence", "title": "营业执照", "customer": "C001"})
    assert created.status_code == 201, created.text
    closed = arch.post("/api/v1/customers/C001/close", json={"closed_at": CLOSED_AT})
    assert closed.status_code == 200, closed.text
    assert arch.post("/api/v1/retention/sweep", json={}).json()["flagged"] == 1
    document = arch.get(f"/api/v1/documents/{created.json()['id']}").json()
    assert (document["retain_until"], document["status"]) == ("2020-03-31", "due")
    return document


def appraised(people: dict, document: dict, years: int) -> tuple[int, httpx.Response]:
    arch = people["arch"]
    created = arch.post("/api/v1/destruction-lists", json={"documents": [document["id"]]})
    assert created.status_code == 201, created.text
    list_id = created.json()["id"]
    answer = arch.post(f"/api/v1/destruction-lists/{list_id}/appraise", json={"items": [
        {"document": document["id"], "decision": "extend", "years": years, "reason": "仍有纠纷可能"}]})
    return list_id, answer


def extended(people: dict, document: dict, years: int) -> int:
    list_id, answer = appraised(people, document, years)
    assert answer.status_code == 200, answer.text
    approved = people["dm"].post(f"/api/v1/destruction-lists/{list_id}/approve")
    assert approved.status_code == 200, approved.text
    return list_id


def found(client: httpx.Client, status: str) -> list[str]:
    response = client.get("/api/v1/search", params={"customer": "C001", "status": status})
    assert response.status_code == 200, response.text
    return [hit["id"] for hit in response.json()["hits"]]


def state(client: httpx.Client, document: dict) -> tuple[str, str]:
    again = client.get(f"/api/v1/documents/{document['id']}").json()
    return again["retain_until"], again["status"]


def test_an_approved_extension_survives_reopening_and_leaves_the_due_list(
        people: dict, container: Container, index: SearchIndex, tmp_path: Path) -> None:
    arch = people["arch"]
    document = due_licence(people, tmp_path)
    drain(container, index)
    assert found(arch, "due") == [document["id"]]

    extended(people, document, 9)
    assert state(arch, document) == ("2029-03-31", "archived")
    drain(container, index)  # the index job the approval queued
    assert found(arch, "due") == []
    assert found(arch, "archived") == [document["id"]]

    arch.post("/api/v1/customers/C001/reopen")
    assert state(arch, document) == (None, "archived")  # pending while the customer is active
    arch.post("/api/v1/customers/C001/close", json={"closed_at": CLOSED_AT})
    assert state(arch, document) == ("2029-03-31", "archived")  # not back to 2020-03-31

    assert arch.post("/api/v1/retention/sweep", json={"as_of": "2024-01-01"}).json()["flagged"] == 0
    assert arch.post("/api/v1/retention/sweep", json={}).json()["flagged"] == 0
    assert state(arch, document) == ("2029-03-31", "archived")

    drain(container, index)
    index.rebuild(all_documents(container.database))  # what `dangan reindex` does
    assert found(arch, "due") == []
    assert found(arch, "archived") == [document["id"]]


def test_an_extension_past_the_terms_range_is_refused_and_changes_nothing(
        people: dict, tmp_path: Path) -> None:
    arch = people["arch"]
    document = due_licence(people, tmp_path)
    list_id, refused = appraised(people, document, 10)  # 5 + 10 > 14, the top of the short range
    assert refused.status_code == 422, refused.text
    problem = refused.json()["error"]
    assert problem["code"] == "invalid_extension"
    assert "at most 9 more years" in problem["message"] and "retention override" in problem["message"]
    assert problem["detail"]["most_years"] == 9
    listed = arch.get(f"/api/v1/destruction-lists/{list_id}").json()
    assert [i["decision"] for i in listed["items"]] == [None] and listed["appraised_by"] is None
    assert state(arch, document) == ("2020-03-31", "due")


def test_a_later_extension_counts_the_earlier_ones(people: dict, container: Container,
                                                   tmp_path: Path) -> None:
    arch = people["arch"]
    document = due_licence(people, tmp_path)
    list_id = extended(people, document, 9)  # 5 + 9: the whole short range
    executed = arch.post(f"/api/v1/destruction-lists/{list_id}/execute", json={"supervisor": "sup"})
    assert executed.json()["status"] == "executed"  # the list is closed; the document kept
    container.clock = lambda: date(2030, 1, 1)
    assert arch.post("/api/v1/retention/sweep", json={}).json()["flagged"] == 1
    _, refused = appraised(people, document, 1)
    assert refused.status_code == 422, refused.text
    assert refused.json()["error"]["code"] == "invalid_extension"
    assert "no further" in refused.json()["error"]["message"]
    assert state(arch, document) == ("2029-03-31", "due")
