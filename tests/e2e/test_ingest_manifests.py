"""``dangan ingest`` with the manifests people really make: saved by Excel on
Chinese Windows (GB18030), rows with stray commas, odd secrecy values, files
no reader opens. Each bad row is refused by line with its reason; the rest
of the folder is archived; there is never a traceback."""
from __future__ import annotations

import json
from pathlib import Path

from shared.bootstrap import Container
from tests import hostile, samples
from tests.conftest import embedded_only
from tests.e2e.test_cli import run

HEADER = "path,customer,type,title,date,secrecy\n"


def folder_with(tmp_path: Path) -> Path:
    folder = tmp_path / "scans"
    folder.mkdir()
    samples.make_pdf(folder, text="租赁合同 一", seed=1, name="租赁合同.pdf")
    samples.make_pdf(folder, text="借款合同 二", seed=2, name="借款合同.pdf")
    samples.make_corrupt_pdf(folder, name="坏文件.pdf")
    hostile.make_blank_pages_pdf(folder, pages=1200, name="太多页.pdf")
    return folder


def ingest(container: Container, folder: Path, manifest: Path) -> tuple[int, dict, str]:
    assert run(container, "customers", "add", "C001", "鹭洲贸易").returncode == 0
    done = run(container, "--json", "ingest", str(folder), "--manifest", str(manifest))
    assert "Traceback" not in done.stderr, done.stderr
    return done.returncode, json.loads(done.stdout), done.stderr


@embedded_only
def test_a_gb18030_manifest_with_bad_rows_archives_the_good_ones(container: Container,
                                                                  tmp_path: Path) -> None:
    folder = folder_with(tmp_path)
    manifest = tmp_path / "清单.csv"
    manifest.write_bytes((HEADER
                          + "租赁合同.pdf,C001,contract,房屋租赁合同,2024-03-15,3\n"
                          + "借款合同.pdf,C001,contract,借款合同,2024-03-16,²\n"
                          + "借款合同.pdf,C001,contract,借款合同,2024-03-16,3,多余,字段\n"
                          + "坏文件.pdf,C001,contract,坏文件,2024-03-17,3\n"
                          + "太多页.pdf,C001,contract,太多页,2024-03-17,3\n"
                          + "借款合同.pdf,C001,contract,借款合同,0001-01-01,3\n"
                          ).encode("gb18030"))
    code, summary, _ = ingest(container, folder, manifest)
    assert code == 1
    assert summary["archived"] == 1
    assert summary["archived_items"][0]["path"] == "租赁合同.pdf"
    refused = {item["line"]: item["code"] for item in summary["refused_items"]}
    assert refused == {3: "invalid_secrecy", 4: "invalid_manifest", 5: "corrupt_pdf",
                       6: "too_many_pages", 7: "invalid_document_date"}


@embedded_only
def test_a_fixed_manifest_resumes_where_the_refusals_were(container: Container,
                                                          tmp_path: Path) -> None:
    folder = folder_with(tmp_path)
    manifest = tmp_path / "manifest.csv"
    manifest.write_text(HEADER + "租赁合同.pdf,C001,contract,租赁,2024-03-15,3\n"
                        + "借款合同.pdf,C001,contract,借款,2024-03-16,２\n", encoding="utf-8")
    code, summary, _ = ingest(container, folder, manifest)
    assert (code, summary["archived"], summary["refused"]) == (1, 1, 1)
    manifest.write_text(HEADER + "租赁合同.pdf,C001,contract,租赁,2024-03-15,3\n"
                        + "借款合同.pdf,C001,contract,借款,2024-03-16,2\n", encoding="utf-8")
    again = run(container, "--json", "ingest", str(folder), "--manifest", str(manifest))
    assert again.returncode == 0, again.stderr
    result = json.loads(again.stdout)
    assert (result["archived"], result["skipped"], result["refused"]) == (1, 1, 0)


@embedded_only
def test_a_manifest_in_neither_encoding_is_one_clear_error(container: Container,
                                                           tmp_path: Path) -> None:
    manifest = tmp_path / "bad.csv"
    manifest.write_bytes(b"path,type,title\n\xff\xfe\xfa\xfb,contract,x\n")
    done = run(container, "ingest", str(tmp_path), "--manifest", str(manifest))
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert "UTF-8" in done.stderr and "invalid_manifest" in done.stderr
