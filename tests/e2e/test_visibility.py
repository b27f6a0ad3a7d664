"""One answer to "who may see this document" (SPEC §2, §4) across the listing,
search and the document routes, through the HTTP API."""
from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import httpx
import pytest

from shared.bootstrap import Container
from services.search import SearchIndex
from tests import samples
from tests.conftest import drain, team

PEOPLE = {"arch": ("archivist", 1), "arch3": ("archivist", 3), "staff1": ("staff", 1)}


@pytest.fixture
def people(container: Container, index: SearchIndex) -> Iterator[dict[str, httpx.Client]]:
    container.clock = lambda: date(2026, 6, 1)
    with team(container, index, PEOPLE, customer_kind="individual") as clients:
        yield clients


def upload(people: dict, tmp_path: Path, seed: int, text: str, **fields: str) -> str:
    path = samples.make_pdf(tmp_path, seed=seed, text=text, name=f"v{seed}.pdf")
    data = {"type": "contract", "title": f"档案{seed}", "customer": "C001", **fields}
    with path.open("rb") as handle:
        response = people["arch"].post("/api/v1/documents", files={"file": (path.name, handle)}, data=data)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def listed(client: httpx.Client, **params: str) -> tuple[int, list[str]]:
    body = client.get("/api/v1/documents", params=params).json()
    return body["total"], [item["id"] for item in body["items"]]


def found(client: httpx.Client, q: str) -> tuple[int, list[str]]:
    body = client.get("/api/v1/search", params={"q": q}).json()
    return body["total"], [hit["id"] for hit in body["hits"]]


@pytest.fixture
def closed(people: dict, container: Container, index: SearchIndex, tmp_path: Path) -> dict[str, str]:
    """An ordinary ID copy, a secrecy-1 ID copy and a contract of customer C001, now closed."""
    docs = {"copy": upload(people, tmp_path, 1, "居民身份证 复印件 共同词", type="id_copy", secrecy="3"),
            "secret_copy": upload(people, tmp_path, 2, "居民身份证 复印件 共同词", type="id_copy",
                                  secrecy="1"),
            "contract": upload(people, tmp_path, 3, "借款合同 共同词", secrecy="3")}
    closing = people["arch"].post("/api/v1/customers/C001/close", json={"closed_at": "2026-05-01"})
    assert closing.status_code == 200, closing.text
    drain(container, index)
    return docs


def test_an_id_copy_is_listed_and_found_while_its_customer_is_active(
        people: dict, container: Container, index: SearchIndex, tmp_path: Path) -> None:
    copy = upload(people, tmp_path, 4, "居民身份证 复印件", type="id_copy")
    drain(container, index)
    assert listed(people["staff1"]) == (1, [copy])
    assert found(people["staff1"], "复印件") == (1, [copy])


def test_staff_neither_list_nor_find_a_closed_customers_id_copy(people: dict, closed: dict) -> None:
    staff = people["staff1"]
    assert listed(staff) == (1, [closed["contract"]])
    assert listed(staff, type="id_copy") == (0, [])
    assert listed(staff, customer="C001") == (1, [closed["contract"]])
    assert found(staff, "共同词") == (1, [closed["contract"]])
    assert found(staff, "复印件") == (0, [])
    for suffix in ("", "/content"):  # withheld by PIPL: answered as a missing id is
        refused = staff.get(f"/api/v1/documents/{closed['copy']}{suffix}")
        assert refused.status_code == 404 and refused.json()["error"]["code"] == "document_not_found"


def test_an_archivist_with_the_clearance_lists_finds_and_opens_it(people: dict, closed: dict) -> None:
    arch = people["arch"]
    total, ids = listed(arch)
    assert total == 3 and sorted(ids) == sorted(closed.values())
    total, ids = found(arch, "复印件")
    assert total == 2 and sorted(ids) == sorted([closed["copy"], closed["secret_copy"]])
    for document_id in (closed["copy"], closed["secret_copy"]):
        assert arch.get(f"/api/v1/documents/{document_id}/content").status_code == 200


def test_the_restriction_adds_to_clearance_for_an_archivist(people: dict, closed: dict) -> None:
    arch3 = people["arch3"]  # an archivist of clearance 3: the secrecy-1 copy is beyond them
    secret = closed["secret_copy"]
    assert arch3.get(f"/api/v1/documents/{secret}").status_code == 404
    refused = arch3.get(f"/api/v1/documents/{secret}/content", params={"download": True})
    assert refused.status_code == 404 and refused.json()["error"]["code"] == "document_not_found"
    assert arch3.get(f"/api/v1/documents/{secret}/preview").status_code == 404
    total, ids = listed(arch3)
    assert total == 2 and sorted(ids) == sorted([closed["copy"], closed["contract"]])
    assert found(arch3, "复印件") == (1, [closed["copy"]])
    assert arch3.get(f"/api/v1/documents/{closed['copy']}/content").status_code == 200
