"""No existence oracle (SPEC §4): a document beyond the caller's clearance is
answered exactly as one that does not exist, on every document route, and a
duplicate upload of its bytes is refused without naming it."""
from __future__ import annotations

import uuid
from pathlib import Path

import httpx
import pytest

from shared.bootstrap import Container
from tests import samples
from tests.conftest import login, make_user


def upload(client: httpx.Client, path: Path, **fields: str) -> httpx.Response:
    with path.open("rb") as handle:
        return client.post("/api/v1/documents", files={"file": (path.name, handle)},
                           data={"type": "contract", "title": "绝密合同", "customer": "C001", **fields})


@pytest.fixture
def hidden(clerk: httpx.Client, customer: str, tmp_path: Path) -> tuple[dict, Path]:
    """A secrecy-1 contract of C001 and the file it was archived from."""
    path = samples.make_pdf(tmp_path, text="绝密 合同", name="secret.pdf")
    created = upload(clerk, path, secrecy="1")
    assert created.status_code == 201, created.text
    return created.json(), path


def test_a_hidden_document_answers_as_a_missing_one_on_every_route(
        hidden: tuple[dict, Path], container: Container, base_url: str, tmp_path: Path) -> None:
    document, _ = hidden
    make_user(container, "clerk3", role="clerk", clearance=3)
    outsider = login(base_url, "clerk3")
    missing = str(uuid.uuid4())
    rescan = samples.make_pdf(tmp_path, seed=7, name="rescan.pdf").read_bytes()
    for method, suffix in [("GET", ""), ("GET", "/content"), ("GET", "/content?download=true"),
                           ("GET", "/preview"), ("GET", "/download-url"), ("POST", "/versions")]:
        answers = []
        for document_id in (document["id"], missing):
            files = {"file": ("rescan.pdf", rescan)} if method == "POST" else None
            response = outsider.request(method, f"/api/v1/documents/{document_id}{suffix}",
                                        files=files)
            answers.append((response.status_code, response.text.replace(document_id, "<id>")))
        assert answers[0] == answers[1], (method, suffix, answers)
        assert answers[0][0] in (404, 501), (method, suffix, answers)
    outsider.close()


def test_a_duplicate_of_a_hidden_document_is_refused_without_naming_it(
        hidden: tuple[dict, Path], clerk: httpx.Client, container: Container,
        base_url: str) -> None:
    document, path = hidden
    make_user(container, "clerk3", role="clerk", clearance=3)
    outsider = login(base_url, "clerk3")
    refused = upload(outsider, path, secrecy="3")
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "duplicate"
    for secret in (document["id"], document["archive_number"]):
        assert secret not in refused.text
    named = upload(clerk, path)  # who may see it is told which document holds the bytes
    assert named.status_code == 409
    assert named.json()["error"]["detail"] == {"document": document["id"],
                                               "archive_number": document["archive_number"]}
    outsider.close()
