"""The ``dangan`` command line, run as a real process against both backends."""
from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from shared.bootstrap import Container
from shared.config import Settings
from tests import samples
from tests.conftest import LiveServer

DANGAN = str(Path(sys.executable).with_name("dangan"))


def env_for(settings: Settings) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DANGAN_")}
    env["DANGAN_HOME"] = str(settings.home)
    for name in ("database_url", "s3_endpoint", "s3_bucket", "s3_access_key", "s3_secret_key"):
        value = getattr(settings, name)
        if value:
            env[f"DANGAN_{name.upper()}"] = value
    return env


def run(container: Container, *args: str, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run([DANGAN, *args], input=stdin, capture_output=True, text=True,
                          env=env_for(container.settings), timeout=300)


def test_users_add_reads_the_password_from_stdin_and_it_logs_in(container: Container) -> None:
    done = run(container, "users", "add", "alice", "--role", "archivist", "--clearance", "2",
               "--password-stdin", stdin="a long enough password\n")
    assert done.returncode == 0, done.stderr
    assert "added user alice (archivist, clearance 2)" in done.stdout
    # the CLI hashed at the archive's full cost: on a busy machine a login takes a while
    with LiveServer(container) as url:
        response = httpx.post(f"{url}/api/v1/auth/token", timeout=60,
                              data={"username": "alice", "password": "a long enough password"})
    assert response.status_code == 200


@pytest.mark.parametrize("args, stdin, message", [
    (["--role", "clerk"], "short\n", "at least 8 characters"),
    (["--role", "wizard"], "a long enough password\n", "Invalid value for '--role'"),
])
def test_users_add_refuses_bad_input(container: Container, args: list[str], stdin: str,
                                     message: str) -> None:
    done = run(container, "users", "add", "bob", *args, "--password-stdin", stdin=stdin)
    assert done.returncode != 0
    assert message in done.stderr


def test_customers_from_the_cli_with_json_output(container: Container) -> None:
    assert run(container, "customers", "add", "C001", "鹭洲贸易", "--kind", "company").returncode == 0
    closed = run(container, "--json", "customers", "close", "C001", "--on", "2024-01-31")
    assert json.loads(closed.stdout)["status"] == "closed"
    listed = json.loads(run(container, "--json", "customers", "list").stdout)
    assert listed["total"] == 1 and listed["items"][0]["closed_at"] == "2024-01-31"
    missing = run(container, "customers", "show", "NOPE")
    assert missing.returncode == 1 and "customer NOPE not found" in missing.stderr


def write_manifest(path: Path, rows: list[dict]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=["path", "customer", "type", "title", "date",
                                                    "secrecy", "box"])
        writer.writeheader()
        writer.writerows(rows)
    return path


def scans(folder: Path, count: int) -> list[dict]:
    rows = []
    for n in range(count):
        path = samples.make_pdf(folder, seed=n, name=f"contract-{n}.pdf")
        rows.append({"path": path.name, "customer": "C001", "type": "contract",
                     "title": f"租赁合同 {n}", "date": "2024-04-01", "secrecy": "3", "box": f"B-{n}"})
    return rows


def test_ingest_archives_a_folder_and_reports_refusals(container: Container, tmp_path: Path) -> None:
    run(container, "customers", "add", "C001", "鹭洲贸易")
    folder = tmp_path / "batch"
    good = scans(folder, 3)
    bad = [
        {"path": samples.make_encrypted_pdf(folder).name, "customer": "C001", "type": "contract",
         "title": "加密", "date": "2024-04-01", "secrecy": "3"},
        {"path": samples.make_executable(folder).name, "customer": "C001", "type": "contract",
         "title": "程序", "date": "", "secrecy": "3"},
        {"path": "not-there.pdf", "customer": "C001", "type": "contract", "title": "缺失",
         "date": "", "secrecy": "3"},
        {"path": good[0]["path"], "customer": "C001", "type": "invoice", "title": "类型",
         "date": "", "secrecy": "3"},
    ]
    manifest = write_manifest(tmp_path / "manifest.csv", good + bad)
    done = run(container, "--json", "ingest", str(folder), "--manifest", str(manifest))
    assert done.returncode == 1, done.stderr
    summary = json.loads(done.stdout)
    assert (summary["archived"], summary["skipped"], summary["refused"]) == (3, 0, 4)
    reasons = {item["path"]: item["code"] for item in summary["refused_items"]}
    assert reasons == {"encrypted.pdf": "encrypted_pdf", "tool.pdf": "executable_refused",
                       "not-there.pdf": "missing_file", "contract-0.pdf": "unknown_document_type"}
    stored = {item["archive_number"] for item in summary["archived_items"]}
    assert stored == {f"KH01-2024-D30-HT-0000{n}" for n in (1, 2, 3)}
    with container.uow() as uow:
        from shared.documents import DocumentFilter, list_documents
        from shared.domain.access import AccessScope

        total, documents = list_documents(uow.session, DocumentFilter(customer="C001"),
                                          scope=AccessScope(clearance=3), offset=0, limit=10)
        assert total == 3
        assert {d.custom_fields["box"] for d in documents} == {"B-0", "B-1", "B-2"}
        version = documents[0].versions[0]
        data = b"".join(container.store.iter_chunks(version.object_key, version_id=version.object_version))
        original = folder / version.original_filename
    assert data == original.read_bytes()


def test_ingest_resumes_by_skipping_what_is_archived(container: Container, tmp_path: Path) -> None:
    run(container, "customers", "add", "C001", "鹭洲贸易")
    folder = tmp_path / "batch"
    rows = scans(folder, 6)
    first = run(container, "--json", "ingest", str(folder), "--manifest",
                str(write_manifest(tmp_path / "part.csv", rows[:2])))
    assert json.loads(first.stdout)["archived"] == 2
    second = run(container, "--json", "ingest", str(folder), "--manifest",
                 str(write_manifest(tmp_path / "all.csv", rows)))
    assert second.returncode == 0, second.stderr
    summary = json.loads(second.stdout)
    assert (summary["archived"], summary["skipped"], summary["refused"]) == (4, 2, 0)


def test_ingest_shows_progress_and_a_human_summary(container: Container, tmp_path: Path) -> None:
    run(container, "customers", "add", "C001", "鹭洲贸易")
    folder = tmp_path / "batch"
    manifest = write_manifest(tmp_path / "m.csv", scans(folder, 2))
    done = run(container, "ingest", str(folder), "--manifest", str(manifest), "--progress")
    assert done.returncode == 0
    assert "archiving" in done.stderr and "2/2" in done.stderr
    assert "archived 2, skipped 0 (already archived), refused 0" in done.stdout


def test_ingest_refuses_a_manifest_without_required_columns(container: Container,
                                                            tmp_path: Path) -> None:
    manifest = tmp_path / "m.csv"
    manifest.write_text("file,title\na.pdf,x\n", encoding="utf-8")
    done = run(container, "ingest", str(tmp_path), "--manifest", str(manifest))
    assert done.returncode == 1
    assert "missing column(s) path, type" in done.stderr
