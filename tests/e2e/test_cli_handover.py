"""``dangan ingest --handover`` and ``dangan handovers``: a folder handed over
to the archive room yields a handover list naming each record and each
refusal; an archivist other than the sender accepts it or returns it with a
reason; the list prints as a PDF whose Chinese text extracts."""
from __future__ import annotations

import io
import json
from pathlib import Path

from pypdf import PdfReader

from shared.bootstrap import Container
from tests.e2e.test_cli import run, scans, write_manifest

PASSWORD = "a long enough password\n"


def hand_over(container: Container, tmp_path: Path) -> dict:
    run(container, "customers", "add", "C001", "鹭洲贸易")
    for name, role in (("clerk1", "clerk"), ("arch1", "archivist")):
        assert run(container, "users", "add", name, "--role", role, "--clearance", "1",
                   "--password-stdin", stdin=PASSWORD).returncode == 0
    folder = tmp_path / "batch"
    rows = scans(folder, 2)
    (folder / "空白.pdf").write_bytes(b"")
    rows.append({"path": "空白.pdf", "customer": "C001", "type": "contract", "title": "空白",
                 "date": "2024-04-01", "secrecy": "3"})
    done = run(container, "--json", "ingest", str(folder), "--manifest",
               str(write_manifest(tmp_path / "m.csv", rows)), "--handover", "销售部 2024 年合同",
               "--department", "销售部", "--as", "clerk1")
    assert "Traceback" not in done.stderr, done.stderr
    return json.loads(done.stdout)


def test_ingest_with_a_handover_lists_the_records_and_the_refusal(container: Container,
                                                                   tmp_path: Path) -> None:
    summary = hand_over(container, tmp_path)
    assert summary["handover"]["status"] == "submitted"
    shown = json.loads(run(container, "--json", "handovers", "show",
                           str(summary["handover"]["id"])).stdout)
    assert [i["title"] for i in shown["items"]] == ["租赁合同 0", "租赁合同 1"]
    assert all(len(i["sha256"]) == 64 for i in shown["items"])
    assert [(r["filename"], r["code"]) for r in shown["refused"]] == [("空白.pdf", "empty_file")]
    assert shown["handed_by"] == "clerk1" and shown["department"] == "销售部"


def test_an_archivist_accepts_and_the_sender_cannot(container: Container, tmp_path: Path) -> None:
    handover = str(hand_over(container, tmp_path)["handover"]["id"])
    own = run(container, "handovers", "accept", handover, "--as", "clerk1")
    assert own.returncode != 0
    accepted = run(container, "--json", "handovers", "accept", handover, "--as", "arch1")
    assert accepted.returncode == 0, accepted.stderr
    data = json.loads(accepted.stdout)
    assert (data["status"], data["received_by"]) == ("accepted", "arch1")


def test_returning_needs_a_reason(container: Container, tmp_path: Path) -> None:
    handover = str(hand_over(container, tmp_path)["handover"]["id"])
    refused = run(container, "handovers", "return", handover, "--as", "arch1")
    assert refused.returncode != 0 and "reason" in refused.stderr
    returned = run(container, "--json", "handovers", "return", handover, "--reason", "缺少原件",
                   "--as", "arch1")
    assert json.loads(returned.stdout)["return_reason"] == "缺少原件"


def test_the_pdf_carries_its_chinese_text(container: Container, tmp_path: Path) -> None:
    handover = str(hand_over(container, tmp_path)["handover"]["id"])
    output = tmp_path / "list.pdf"
    assert run(container, "handovers", "pdf", handover, "--output", str(output)).returncode == 0
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(output.read_bytes())).pages)
    assert "移交清单" in text and "租赁合同 0" in text and "空白.pdf" in text


def test_a_resumed_handover_lists_what_the_interrupted_run_archived(
        container: Container, tmp_path: Path) -> None:
    """The first run archived one file and stopped; the batch is then handed
    over: the list holds both records, the earlier one too, and a record already
    on another list stays off this one, saying why."""
    run(container, "customers", "add", "C001", "鹭洲贸易")
    assert run(container, "users", "add", "clerk1", "--role", "clerk", "--clearance", "1",
               "--password-stdin", stdin=PASSWORD).returncode == 0
    folder = tmp_path / "batch"
    rows = scans(folder, 2)
    first = run(container, "--json", "ingest", str(folder), "--manifest",
                str(write_manifest(tmp_path / "one.csv", rows[:1])), "--as", "clerk1")
    assert json.loads(first.stdout)["archived"] == 1, first.stderr
    resumed = run(container, "--json", "ingest", str(folder), "--manifest",
                  str(write_manifest(tmp_path / "all.csv", rows)), "--handover", "销售部合同",
                  "--as", "clerk1")
    summary = json.loads(resumed.stdout)
    assert (summary["archived"], summary["skipped"]) == (1, 1), resumed.stderr
    assert summary["skipped_items"][0]["handed_over"] is True
    shown = json.loads(run(container, "--json", "handovers", "show",
                           str(summary["handover"]["id"])).stdout)
    assert sorted(i["title"] for i in shown["items"]) == ["租赁合同 0", "租赁合同 1"]

    again = run(container, "ingest", str(folder), "--manifest", str(tmp_path / "all.csv"),
                "--handover", "重复移交", "--as", "clerk1")
    reference = summary["handover"]["reference"]
    assert f"not on this handover: already handed over on {reference}" in again.stdout, again.stderr
    assert "nothing to hand over" in again.stdout
    listed = json.loads(run(container, "--json", "handovers", "list").stdout)
    assert [h["reference"] for h in listed] == [reference]  # no empty list left behind
