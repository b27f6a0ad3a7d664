"""`dangan backup` and `dangan restore`: the same archive comes back, verified."""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

import httpx

from shared.bootstrap import Container, build
from shared.config import Settings
from services.search import SearchIndex
from tests import samples
from tests.conftest import LiveServer, drain, login
from tests.e2e.test_cli import DANGAN, env_for


def run(settings: Settings, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([DANGAN, "--json", *args], env=env_for(settings), capture_output=True,
                          text=True, timeout=300)


def upload(client: httpx.Client, path: Path, **fields: str) -> dict:
    with path.open("rb") as handle:
        response = client.post("/api/v1/documents", files={"file": (path.name, handle)},
                               data={"type": "contract", "title": "租赁合同", **fields})
    assert response.status_code == 201, response.text
    return response.json()


def test_a_restored_archive_is_the_same_archive(
        clerk: httpx.Client, archivist: httpx.Client, customer: str, container: Container,
        index: SearchIndex, tmp_path: Path) -> None:
    first = upload(clerk, samples.make_pdf(tmp_path, text="备份 鹭洲 backup"), customer=customer)
    rescan = samples.make_jpeg(tmp_path, text="备份 第二版")
    with rescan.open("rb") as handle:
        clerk.post(f"/api/v1/documents/{first['id']}/versions", files={"file": (rescan.name, handle)})
    second = upload(clerk, samples.make_tiff(tmp_path), customer=customer, type="id_copy")
    archivist.post("/api/v1/holds", json={"reason": "诉讼", "documents": [second["id"]]})
    drain(container, index)
    folder = tmp_path / "backup"
    made = run(container.settings, "backup", str(folder))
    assert made.returncode == 0, made.stderr
    manifest = json.loads((folder / "MANIFEST.json").read_text())
    assert any(name.startswith("objects/previews/") for name in manifest["files"])

    # restore into a new, empty embedded deployment
    target = Settings(home=tmp_path / "restored", _env_file=None)
    build(target).close()
    restored = run(target, "restore", str(folder))
    assert restored.returncode == 0, restored.stderr
    ctx = build(target)
    try:
        with LiveServer(ctx) as url:
            again = login(url, "clerk1")
            for original in (first, second):
                copy = again.get(f"/api/v1/documents/{original['id']}").json()
                source = clerk.get(f"/api/v1/documents/{original['id']}").json()
                assert copy["archive_number"] == source["archive_number"]
                assert [v["sha256"] for v in copy["versions"]] == [v["sha256"] for v in source["versions"]]
                for v in source["versions"]:
                    url_path = f"/api/v1/documents/{original['id']}/content"
                    assert again.get(url_path, params={"version": v["number"]}).content == \
                        clerk.get(url_path, params={"version": v["number"]}).content
            assert again.get("/api/v1/search", params={"q": "备份"}).json()["total"] == 1
            again.close()
        drain(ctx, build_index_for(ctx))
        check = run(target, "check")
        assert check.returncode == 0, check.stdout
        assert json.loads(run(target, "audit", "verify").stdout)["ok"] is True
    finally:
        ctx.close()


def build_index_for(ctx: Container) -> SearchIndex:
    from services.search import build_index

    return build_index(ctx.settings)


def test_a_damaged_backup_is_refused_by_name(clerk: httpx.Client, container: Container,
                                             tmp_path: Path) -> None:
    upload(clerk, samples.make_pdf(tmp_path))
    folder = tmp_path / "backup"
    assert run(container.settings, "backup", str(folder)).returncode == 0
    victim = next((folder / "objects" / "documents").rglob("*"))
    while victim.is_dir():
        victim = next(victim.iterdir())
    victim.write_bytes(b"changed")
    target = Settings(home=tmp_path / "restored", _env_file=None)
    refused = run(target, "restore", str(folder))
    assert refused.returncode == 1
    assert "does not match its SHA-256" in refused.stderr and victim.name in refused.stderr


def test_restore_needs_an_empty_deployment_and_backup_a_new_folder(
        clerk: httpx.Client, container: Container, tmp_path: Path) -> None:
    upload(clerk, samples.make_pdf(tmp_path))
    folder = tmp_path / "backup"
    assert run(container.settings, "backup", str(folder)).returncode == 0
    again = run(container.settings, "backup", str(folder))
    assert again.returncode == 1 and "folder_not_empty" in again.stderr
    refused = run(container.settings, "restore", str(folder))
    assert refused.returncode == 1 and "deployment_not_empty" in refused.stderr
