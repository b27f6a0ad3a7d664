"""`dangan check` (四性检测) finds what is wrong, by name, and exits non-zero."""
from __future__ import annotations

import io
import json
import subprocess
from pathlib import Path

import httpx

from shared.bootstrap import Container
from shared.storage.local import LocalDirectoryStore
from services.search import SearchIndex
from tests import samples
from tests.conftest import drain
from tests.e2e.test_cli import DANGAN, env_for


def check(container: Container) -> tuple[int, dict]:
    done = subprocess.run([DANGAN, "--json", "check"], env=env_for(container.settings),
                          capture_output=True, text=True, timeout=300)
    return done.returncode, json.loads(done.stdout)


def upload(clerk: httpx.Client, path: Path) -> dict:
    with path.open("rb") as handle:
        response = clerk.post("/api/v1/documents", files={"file": (path.name, handle)},
                              data={"type": "contract", "title": "合同"})
    assert response.status_code == 201, response.text
    return response.json()


def test_a_sound_archive_has_no_findings(clerk: httpx.Client, container: Container,
                                         index: SearchIndex, tmp_path: Path) -> None:
    upload(clerk, samples.make_pdf(tmp_path))
    upload(clerk, samples.make_tiff(tmp_path))
    drain(container, index)
    assert check(container) == (0, {"ok": True, "findings": []})


def test_orphans_and_index_gaps_are_found(clerk: httpx.Client, container: Container,
                                          index: SearchIndex, tmp_path: Path) -> None:
    document = upload(clerk, samples.make_pdf(tmp_path))
    drain(container, index)
    container.store.put("documents/stray/v1-0", io.BytesIO(b"%PDF-stray"), content_type="application/pdf")
    index.delete([document["id"]])
    status, report = check(container)
    assert status == 1 and report["ok"] is False
    problems = {(f["check"], f["target"], f["problem"]) for f in report["findings"]}
    assert ("integrity", "documents/stray/v1-0", "an object in storage that no document records") in problems
    assert ("integrity", document["id"], "archived but missing from the search index") in problems


def test_changed_bytes_break_authenticity_and_usability(clerk: httpx.Client, container: Container,
                                                        index: SearchIndex, tmp_path: Path) -> None:
    document = upload(clerk, samples.make_pdf(tmp_path))
    drain(container, index)
    version = clerk.get(f"/api/v1/documents/{document['id']}").json()["versions"][0]
    key = f"documents/{document['id']}/v1-{version['sha256']}"
    if isinstance(container.store, LocalDirectoryStore):
        (container.store.root / key).write_bytes(b"%PDF-1.7 overwritten")
    else:  # a locked S3 version cannot change: lose it instead, as a failing disk would
        client, bucket = container.store.client, container.store.bucket
        head = client.head_object(Bucket=bucket, Key=key)
        client.put_object_legal_hold(Bucket=bucket, Key=key, VersionId=head["VersionId"],
                                     LegalHold={"Status": "OFF"})
        client.delete_object(Bucket=bucket, Key=key, VersionId=head["VersionId"],
                             BypassGovernanceRetention=True)
    status, report = check(container)
    assert status == 1
    found = {(f["check"], f["target"]) for f in report["findings"]}
    target = f"{document['archive_number']} v1"
    if isinstance(container.store, LocalDirectoryStore):
        assert found == {("authenticity", target), ("usability", target)}
    else:
        assert found == {("integrity", target)}


def test_an_unlocked_s3_object_is_a_security_finding(clerk: httpx.Client, container: Container,
                                                     index: SearchIndex, tmp_path: Path) -> None:
    document = upload(clerk, samples.make_pdf(tmp_path))
    from services.composition import Archive

    # extracted and indexed, but not yet locked
    Archive(container, index).worker(kinds=("extract", "index")).drain()
    status, report = check(container)
    if isinstance(container.store, LocalDirectoryStore):
        assert status == 0  # a directory has no lock of its own to check
        return
    assert status == 1
    assert report["findings"] == [{"check": "security", "target": f"{document['archive_number']} v1",
                                   "problem": "no Object Lock retention or legal hold on the object"}]
    drain(container, index)
    assert check(container)[0] == 0
