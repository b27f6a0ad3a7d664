"""One model of an upload's fields (shared/domain/metadata.py UPLOAD_FIELDS)
behind three ways in: the OpenAPI schema of ``POST /api/v1/documents`` lists
exactly its fields, and the route and a ``dangan ingest`` manifest column read
each of them alike — the same value archived the same, the same bad value
refused with the same code and message."""
from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import httpx
import pytest

from shared.bootstrap import Container
from services.ingest import FIELDS
from tests import samples
from tests.conftest import embedded_only
from tests.e2e.test_cli import run
from tests.residue import holdings

GOOD = {"customer": "C001", "type": "contract", "title": "房屋租赁合同"}
EVERY_FIELD = {**GOOD, "document_date": "2024-03-15", "secrecy": "2", "tags": "租赁;2024",
               "location": "A-03/12", "custom_fields": '{"box": "B-1", "pages": 3}'}
BAD = [
    ("type", "invoice", "unknown_document_type"),
    ("title", "", "invalid_request"),
    ("title", "题" * 501, "invalid_title"),
    ("title", "合同\n附件", "invalid_request"),
    ("customer", "C" * 65, "invalid_request"),
    ("customer", "NOBODY", "customer_not_found"),
    ("document_date", "15/03/2024", "invalid_request"),
    ("document_date", "1899-12-31", "invalid_document_date"),
    ("secrecy", "7", "invalid_secrecy"),
    ("secrecy", "２", "invalid_secrecy"),
    ("tags", "正常,坏\x07标签", "invalid_request"),
    ("location", "A" * 256, "invalid_request"),
    ("custom_fields", "[1, 2]", "invalid_request"),
    ("custom_fields", '{"a": {"b": 1}}', "invalid_request"),
    ("custom_fields", "not json", "invalid_request"),
]


def upload_body(base_url: str, path: str) -> dict:
    operation = httpx.get(f"{base_url}/openapi.json").json()["paths"][path]["post"]
    return operation["requestBody"]["content"]["multipart/form-data"]["schema"]


def post(client: httpx.Client, path: Path, fields: dict[str, str]) -> httpx.Response:
    with path.open("rb") as handle:
        return client.post("/api/v1/documents", data=fields, files={"file": (path.name, handle)})


def ingest(container: Container, folder: Path, rows: list[dict[str, str]]) -> dict:
    """``dangan ingest`` of ``rows`` under a header of the model's field names."""
    manifest = folder.parent / "manifest.csv"
    with manifest.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=["path", *sorted(FIELDS)])
        writer.writeheader()
        writer.writerows(rows)
    done = run(container, "--json", "ingest", str(folder), "--manifest", str(manifest))
    assert "Traceback" not in done.stderr, done.stderr
    return json.loads(done.stdout)


@embedded_only
def test_the_upload_schema_lists_exactly_the_models_fields_and_the_file(base_url: str) -> None:
    schema = upload_body(base_url, "/api/v1/documents")
    assert set(schema["properties"]) == FIELDS | {"file"}
    assert "custom_fields" in schema["properties"] and "location" in schema["properties"]
    assert schema["properties"]["file"] == {**schema["properties"]["file"], "format": "binary"}
    assert schema["required"] == ["file", "type", "title"]
    assert schema["additionalProperties"] is False
    assert all(spec.get("description") for spec in schema["properties"].values())


@embedded_only
def test_a_new_versions_schema_is_the_file_alone(base_url: str) -> None:
    schema = upload_body(base_url, "/api/v1/documents/{document_id}/versions")
    assert set(schema["properties"]) == {"file"}
    assert schema["required"] == ["file"]


@embedded_only
def test_every_field_is_read_alike_by_the_route_and_a_manifest_column(
        clerk: httpx.Client, customer: str, container: Container, tmp_path: Path) -> None:
    folder = tmp_path / "scans"
    by_route = post(clerk, samples.make_pdf(tmp_path, seed=1), EVERY_FIELD)
    assert by_route.status_code == 201, by_route.text
    samples.make_pdf(folder, seed=2, name="manifest.pdf")
    summary = ingest(container, folder, [{"path": "manifest.pdf", **EVERY_FIELD}])
    assert summary["archived"] == 1, summary
    by_manifest = clerk.get(f"/api/v1/documents/{summary['archived_items'][0]['id']}")
    read = {name: by_route.json()[name] for name in FIELDS}
    assert read == {name: by_manifest.json()[name] for name in FIELDS}
    assert read["tags"] == ["租赁", "2024"] and read["custom_fields"] == {"box": "B-1", "pages": 3}
    assert (read["document_date"], read["secrecy"], read["location"]) == ("2024-03-15", 2, "A-03/12")


@embedded_only
def test_a_bad_value_is_refused_alike_by_the_route_and_a_manifest_row(
        clerk: httpx.Client, customer: str, container: Container, tmp_path: Path) -> None:
    folder = tmp_path / "scans"
    scan = samples.make_pdf(folder, name="scan.pdf")
    rows = []
    for n, (field, value, _) in enumerate(BAD):
        shutil.copyfile(scan, folder / f"bad-{n}.pdf")  # a row is known by its path
        rows.append({"path": f"bad-{n}.pdf", **GOOD, field: value})
    before = holdings(container)
    by_route = [post(clerk, scan, {**GOOD, field: value}).json()["error"]
                for field, value, _ in BAD]
    assert holdings(container) == before
    summary = ingest(container, folder, rows)
    assert summary["archived"] == 0
    by_manifest = {item["path"]: item for item in summary["refused_items"]}
    for n, (field, value, code) in enumerate(BAD):
        row = by_manifest[f"bad-{n}.pdf"]
        assert (by_route[n]["code"], row["code"]) == (code, code), (field, value[:20])
        assert row["message"] == by_route[n]["message"], (field, value[:20])


@embedded_only
@pytest.mark.parametrize("name", ["box", "date", "file_name"])
def test_a_form_field_the_model_does_not_know_is_refused_naming_those_it_does(
        name: str, clerk: httpx.Client, customer: str, container: Container,
        tmp_path: Path) -> None:
    before = holdings(container)
    response = post(clerk, samples.make_pdf(tmp_path), {**GOOD, name: "B-1"})
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "invalid_request" and name in error["message"]
    assert error["detail"]["allowed"] == sorted(FIELDS | {"file"})
    assert holdings(container) == before
