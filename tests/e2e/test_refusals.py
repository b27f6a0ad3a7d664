"""Every refusal class of SPEC §5 answers a 4xx naming its reason and leaves no
object, row, job, audit record or spool file behind — on both backends."""
from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from shared.bootstrap import Container
from tests import samples
from tests.conftest import Backend
from tests.residue import holdings

REFUSALS = {
    "lying_extension": (samples.make_lying_extension, 415, "extension_mismatch"),
    "elf_executable": (samples.make_executable, 415, "executable_refused"),
    "windows_executable": (samples.make_windows_executable, 415, "executable_refused"),
    "zip_archive": (samples.make_zip, 415, "archive_refused"),
    "encrypted_pdf": (samples.make_encrypted_pdf, 422, "encrypted_pdf"),
    "corrupt_pdf": (samples.make_corrupt_pdf, 422, "corrupt_pdf"),
    "truncated_pdf": (samples.make_truncated_pdf, 422, "corrupt_pdf"),
    "empty_file": (samples.make_empty, 422, "empty_file"),
    "image_bomb": (samples.make_image_bomb, 422, "image_bomb"),
    "corrupt_jpeg": (samples.make_corrupt_jpeg, 422, "corrupt_image"),
}


def post(client: httpx.Client, path: Path, url: str = "/api/v1/documents") -> httpx.Response:
    with path.open("rb") as handle:
        return client.post(url, files={"file": (path.name, handle)},
                           data={"type": "contract", "title": "合同", "customer": "C001"})


@pytest.mark.parametrize("kind", sorted(REFUSALS))
def test_refused_upload_names_its_reason_and_leaves_nothing(
        kind: str, clerk: httpx.Client, customer: str, container: Container, tmp_path: Path) -> None:
    make, status, code = REFUSALS[kind]
    before = holdings(container)
    response = post(clerk, make(tmp_path))
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["code"] == code
    assert error["message"]
    assert holdings(container) == before


@pytest.mark.parametrize("kind", ["encrypted_pdf", "zip_archive", "image_bomb"])
def test_refused_new_version_leaves_the_document_as_it_was(
        kind: str, clerk: httpx.Client, customer: str, container: Container, tmp_path: Path) -> None:
    document = post(clerk, samples.make_pdf(tmp_path)).json()
    before = holdings(container)
    make, status, code = REFUSALS[kind]
    response = post(clerk, make(tmp_path), url=f"/api/v1/documents/{document['id']}/versions")
    assert (response.status_code, response.json()["error"]["code"]) == (status, code)
    assert holdings(container) == before
    assert len(clerk.get(f"/api/v1/documents/{document['id']}").json()["versions"]) == 1


def test_an_over_size_file_is_413_and_leaves_nothing(backend: Backend, tmp_path: Path) -> None:
    from shared.bootstrap import build
    from tests.conftest import LiveServer, login, make_user

    ctx = build(backend.settings.model_copy(update={"max_upload_bytes": 2 * 1024 * 1024}))
    make_user(ctx, "clerk1", role="archivist")
    big = samples.make_big_file(tmp_path, size_bytes=3 * 1024 * 1024)
    with LiveServer(ctx) as url:
        client = login(url, "clerk1")
        client.post("/api/v1/customers", json={"code": "C001", "name": "n", "kind": "company"})
        before = holdings(ctx)
        response = post(client, big)
        assert response.status_code == 413
        error = response.json()["error"]
        assert error["code"] == "file_too_large"
        assert error["detail"]["limit"] == 2 * 1024 * 1024
        assert holdings(ctx) == before
        client.close()
    ctx.close()


def test_a_request_without_a_file_is_refused(clerk: httpx.Client) -> None:
    response = clerk.post("/api/v1/documents", data={"type": "contract", "title": "x"},
                          files={"note": (None, "no file here")})
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "missing_file"


def test_a_json_body_instead_of_multipart_is_refused(clerk: httpx.Client) -> None:
    response = clerk.post("/api/v1/documents", json={"type": "contract"})
    assert response.status_code == 422
    assert "multipart/form-data" in response.json()["error"]["message"]
