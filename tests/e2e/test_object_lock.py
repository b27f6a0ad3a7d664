"""S3 Object Lock mirrors the archive's rules (production backend only: a local
directory has no lock of its own; there the application is the only guard,
see test_no_route_deletes_a_document)."""
from __future__ import annotations

from pathlib import Path

import pytest

from shared.bootstrap import Container
from services.search import SearchIndex
from tests import samples
from tests.conftest import Backend, drain, production_backend
from tests.e2e import test_disposition_api as disposition
from tests.e2e.test_disposition_api import upload

people = disposition.people  # the team fixture, shared with these tests


@pytest.fixture
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Backend:
    return production_backend(request, tmp_path)


def test_object_lock_mirrors_the_schedule_and_refuses_an_early_delete(
        people: dict, container: Container, index: SearchIndex, tmp_path: Path) -> None:
    arch = people["arch"]
    contract = upload(arch, samples.make_pdf(tmp_path, seed=1), document_date="2024-03-15")
    pending = upload(arch, samples.make_png(tmp_path, seed=2), type="id_copy")
    drain(container, index)
    client, bucket = container.store.client, container.store.bucket

    def lock(document: dict) -> dict:
        version = arch.get(f"/api/v1/documents/{document['id']}").json()["versions"][0]
        key = f"documents/{document['id']}/v1-{version['sha256']}"
        return client.head_object(Bucket=bucket, Key=key)

    head = lock(contract)
    assert head["ObjectLockMode"] == "GOVERNANCE"
    assert head["ObjectLockRetainUntilDate"].date().isoformat() == "2054-03-15"
    assert head["ObjectLockLegalHoldStatus"] == "OFF"
    assert lock(pending)["ObjectLockLegalHoldStatus"] == "ON"  # no end date yet
    with pytest.raises(Exception, match="AccessDenied"):
        client.delete_object(Bucket=bucket, Key=f"documents/{contract['id']}/v1-{contract['sha256']}",
                             VersionId=head["VersionId"])
    hold = arch.post("/api/v1/holds", json={"reason": "诉讼", "documents": [contract["id"]]}).json()
    drain(container, index)
    assert lock(contract)["ObjectLockLegalHoldStatus"] == "ON"
    arch.post(f"/api/v1/holds/{hold['id']}/release")
    drain(container, index)
    assert lock(contract)["ObjectLockLegalHoldStatus"] == "OFF"
