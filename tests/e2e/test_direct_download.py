"""Direct downloads (SPEC §7): on S3 a reader gets a time-limited URL to the
stored version, recorded as a download like /content; a store clients cannot
reach says so, and nobody gets a URL for what they may not open."""
from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote

import httpx
from sqlalchemy import select

from shared.bootstrap import Container
from shared.db.models import AuditEvent
from shared.storage.local import LocalDirectoryStore
from tests import samples
from tests.conftest import login, make_user


def upload(client: httpx.Client, path: Path, **fields: str) -> dict:
    with path.open("rb") as handle:
        created = client.post("/api/v1/documents", files={"file": ("租赁合同（盖章版）.pdf", handle)},
                              data={"type": "contract", "title": "租赁合同", **fields})
    assert created.status_code == 201, created.text
    return created.json()


def downloads(container: Container, document_id: str) -> list[dict]:
    with container.uow() as uow:
        return [event.details for event in uow.session.scalars(select(AuditEvent).where(
            AuditEvent.action == "document.download", AuditEvent.target == f"document:{document_id}"))]


def test_a_direct_download_url_gives_the_stored_bytes_and_is_recorded(
        clerk: httpx.Client, container: Container, tmp_path: Path) -> None:
    path = samples.make_pdf(tmp_path, text="租赁合同 lease")
    document = upload(clerk, path)
    answer = clerk.get(f"/api/v1/documents/{document['id']}/download-url")
    if isinstance(container.store, LocalDirectoryStore):
        assert answer.status_code == 501
        assert answer.json()["error"]["code"] == "direct_download_unavailable"
        assert downloads(container, document["id"]) == []
        return
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["version"], body["sha256"]) == (1, document["sha256"])
    assert body["expires_in"] == container.settings.s3_presign_seconds
    fetched = httpx.get(body["url"], timeout=30)  # straight from the store, no bearer token
    assert fetched.status_code == 200
    assert fetched.content == path.read_bytes()
    assert "租赁合同（盖章版）.pdf" in unquote(fetched.headers["content-disposition"])
    assert downloads(container, document["id"]) == [{"version": 1, "direct": True}]


def test_no_url_for_a_document_beyond_the_callers_clearance(
        clerk: httpx.Client, container: Container, base_url: str, tmp_path: Path) -> None:
    secret = upload(clerk, samples.make_pdf(tmp_path), secrecy="1")
    make_user(container, "reader3", role="staff", clearance=3)
    reader = login(base_url, "reader3")
    answer = reader.get(f"/api/v1/documents/{secret['id']}/download-url")
    if isinstance(container.store, LocalDirectoryStore):
        assert answer.status_code == 501  # the same answer for every id: nothing learnt
    else:
        assert answer.status_code == 404, answer.text
    assert downloads(container, secret["id"]) == []
    reader.close()
