"""Uploading, versioning, listing and reading documents through the HTTP API,
on both backends."""
from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests import samples

ACCEPTED = {
    "pdf": (samples.make_pdf, "application/pdf"),
    "scanned_pdf": (samples.make_scanned_pdf, "application/pdf"),
    "jpeg": (samples.make_jpeg, "image/jpeg"),
    "png": (samples.make_png, "image/png"),
    "tiff": (samples.make_tiff, "image/tiff"),
}


def upload(client: httpx.Client, path: Path, **fields: str) -> httpx.Response:
    data = {"type": "contract", "title": "房屋租赁合同", "document_date": "2024-03-15", **fields}
    with path.open("rb") as handle:
        return client.post("/api/v1/documents", files={"file": (path.name, handle)}, data=data)


@pytest.mark.parametrize("kind", sorted(ACCEPTED))
def test_each_accepted_type_comes_back_byte_for_byte(clerk: httpx.Client, customer: str,
                                                     tmp_path: Path, kind: str) -> None:
    make, mime = ACCEPTED[kind]
    path = make(tmp_path)
    created = upload(clerk, path, customer=customer)
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["status"] == "archived"
    assert body["versions"][0]["mime_type"] == mime
    content = clerk.get(f"/api/v1/documents/{body['id']}/content")
    assert content.status_code == 200
    assert content.headers["content-type"] == mime
    assert content.content == path.read_bytes()


def test_upload_answers_archive_number_sha256_and_retention(clerk: httpx.Client, customer: str,
                                                            tmp_path: Path) -> None:
    import hashlib

    path = samples.make_pdf(tmp_path)
    body = upload(clerk, path, customer=customer, secrecy="2", tags="租赁,2024").json()
    assert body["archive_number"] == "KH01-2024-D30-HT-00001"
    assert body["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert body["retain_until"] == "2054-03-15"
    assert body["extraction_state"] == "pending"
    assert body["secrecy"] == 2 and body["tags"] == ["租赁", "2024"]
    assert body["versions"][0]["page_count"] == 1


def test_a_multi_page_tiff_counts_its_pages(clerk: httpx.Client, tmp_path: Path) -> None:
    body = upload(clerk, samples.make_tiff(tmp_path, pages=3)).json()
    assert body["versions"][0]["page_count"] == 3


def test_the_same_bytes_twice_for_one_customer_is_409(clerk: httpx.Client, customer: str,
                                                      tmp_path: Path) -> None:
    path = samples.make_pdf(tmp_path)
    first = upload(clerk, path, customer=customer).json()
    again = upload(clerk, path, customer=customer, title="another title")
    assert again.status_code == 409
    error = again.json()["error"]
    assert error["code"] == "duplicate"
    assert error["detail"]["document"] == first["id"]
    assert error["detail"]["archive_number"] == first["archive_number"]


def test_the_same_bytes_for_another_customer_are_archived(clerk: httpx.Client, customer: str,
                                                          archivist: httpx.Client,
                                                          tmp_path: Path) -> None:
    archivist.post("/api/v1/customers", json={"code": "C002", "name": "厦门港务", "kind": "company"})
    path = samples.make_pdf(tmp_path)
    assert upload(clerk, path, customer=customer).status_code == 201
    assert upload(clerk, path, customer="C002").status_code == 201


def test_a_rescan_adds_a_version_and_both_stay_readable(clerk: httpx.Client, tmp_path: Path) -> None:
    first = samples.make_pdf(tmp_path, seed=1, name="v1.pdf")
    second = samples.make_jpeg(tmp_path, seed=2, name="v2.jpg")
    document = upload(clerk, first).json()
    with second.open("rb") as handle:
        added = clerk.post(f"/api/v1/documents/{document['id']}/versions",
                           files={"file": (second.name, handle)})
    assert added.status_code == 201, added.text
    assert added.json()["number"] == 2
    again = clerk.get(f"/api/v1/documents/{document['id']}").json()
    assert [v["number"] for v in again["versions"]] == [1, 2]
    assert clerk.get(f"/api/v1/documents/{document['id']}/content").content == second.read_bytes()
    old = clerk.get(f"/api/v1/documents/{document['id']}/content", params={"version": 1})
    assert old.content == first.read_bytes()
    assert old.headers["content-type"] == "application/pdf"
    missing = clerk.get(f"/api/v1/documents/{document['id']}/content", params={"version": 9})
    assert missing.status_code == 404


def test_a_version_of_a_missing_document_is_404(clerk: httpx.Client, tmp_path: Path) -> None:
    path = samples.make_pdf(tmp_path)
    with path.open("rb") as handle:
        response = clerk.post("/api/v1/documents/nope/versions", files={"file": (path.name, handle)})
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "document_not_found"


def test_list_filters_and_pages(clerk: httpx.Client, customer: str, tmp_path: Path) -> None:
    for seed in range(5):
        upload(clerk, samples.make_pdf(tmp_path, seed=seed, name=f"c{seed}.pdf"), customer=customer)
    upload(clerk, samples.make_png(tmp_path, seed=9), type="id_copy", title="身份证复印件",
           document_date="2023-06-01", customer=customer)
    everything = clerk.get("/api/v1/documents").json()
    assert everything["total"] == 6
    contracts = clerk.get("/api/v1/documents", params={"type": "contract", "size": 2, "page": 3}).json()
    assert contracts["total"] == 5 and len(contracts["items"]) == 1
    pages = [clerk.get("/api/v1/documents", params={"size": 2, "page": n}).json()["items"]
             for n in (1, 2, 3)]
    assert len({item["id"] for page in pages for item in page}) == 6
    of_2023 = clerk.get("/api/v1/documents", params={"year": 2023}).json()
    assert [i["type"] for i in of_2023["items"]] == ["id_copy"]
    ranged = clerk.get("/api/v1/documents", params={"from": "2024-01-01", "to": "2024-12-31"}).json()
    assert ranged["total"] == 5
    assert clerk.get("/api/v1/documents", params={"customer": "NOBODY"}).json()["total"] == 0


def test_an_unknown_document_is_404(clerk: httpx.Client) -> None:
    response = clerk.get("/api/v1/documents/0000")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "document_not_found"


@pytest.mark.parametrize("fields, code", [
    ({"type": "invoice"}, "unknown_document_type"),
    ({"title": ""}, "invalid_request"),
    ({"secrecy": "7"}, "invalid_secrecy"),
    ({"document_date": "15/03/2024"}, "invalid_request"),
    ({"customer": "NOBODY"}, "customer_not_found"),
])
def test_bad_metadata_is_refused_by_name(clerk: httpx.Client, tmp_path: Path, fields: dict,
                                         code: str) -> None:
    response = upload(clerk, samples.make_pdf(tmp_path), **fields)
    assert response.status_code in (404, 422)
    assert response.json()["error"]["code"] == code
    assert clerk.get("/api/v1/documents").json()["total"] == 0
