"""``dangan documents``: show, edit (著录修改), confirm and history from the
shell, held to the same rules as the HTTP API, on both backends."""
from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

from shared.bootstrap import Container
from tests.e2e.test_cli import run, scans, write_manifest

PASSWORD = "a long enough password\n"
WHY = "原件日期著录有误"


def archived(container: Container, tmp_path: Path, count: int = 1) -> list[str]:
    """``count`` contracts dated 2024-04-01, ingested by clerk1; their ids."""
    run(container, "customers", "add", "C001", "鹭洲贸易")
    for name, role in (("clerk1", "clerk"), ("clerk2", "clerk"), ("arch1", "archivist")):
        assert run(container, "users", "add", name, "--role", role, "--clearance", "1",
                   "--password-stdin", stdin=PASSWORD).returncode == 0
    folder = tmp_path / "batch"
    done = run(container, "--json", "ingest", str(folder), "--manifest",
               str(write_manifest(tmp_path / "m.csv", scans(folder, count))), "--as", "clerk1")
    assert done.returncode == 0, done.stderr
    return [item["id"] for item in json.loads(done.stdout)["archived_items"]]


def as_json(done: subprocess.CompletedProcess) -> Any:
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def refusal(done: subprocess.CompletedProcess) -> str:
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
    return json.loads(done.stderr)["error"]["code"]


def test_edit_recomputes_retention_and_history_shows_the_old_value(container: Container,
                                                                  tmp_path: Path) -> None:
    [document] = archived(container, tmp_path)
    edited = as_json(run(container, "--json", "documents", "edit", document, "--date", "2024-05-20",
                         "--reason", WHY, "--as-user", "clerk1"))
    assert (edited["document_date"], edited["retain_until"]) == ("2024-05-20", "2054-05-20")
    history = as_json(run(container, "--json", "documents", "history", document))
    assert {(r["field"], r["old_value"], r["new_value"], r["changed_by"], r["reason"])
            for r in history} == {("document_date", "2024-04-01", "2024-05-20", "clerk1", WHY),
                                  ("retain_until", "2054-04-01", "2054-05-20", "clerk1", WHY)}
    human = run(container, "documents", "history", document)
    assert "document_date '2024-04-01' -> '2024-05-20'" in human.stdout


def test_a_type_change_renumbers_and_show_keeps_the_old_number(container: Container,
                                                             tmp_path: Path) -> None:
    first, second = archived(container, tmp_path, 2)
    old = as_json(run(container, "--json", "documents", "show", first))["archive_number"]
    assert old == "KH01-2024-D30-HT-00001"
    edited = as_json(run(container, "--json", "documents", "edit", first, "--type", "correspondence",
                         "--reason", "实为往来函件", "--as", "arch1"))
    assert edited["archive_number"] == "KH01-2024-D10-WL-00001"
    shown = run(container, "documents", "show", first)
    assert f"formerly {old}" in shown.stdout
    back = as_json(run(container, "--json", "documents", "edit", first, "--type", "contract",
                       "--reason", "复核后仍为合同", "--as", "arch1"))
    assert back["archive_number"] == "KH01-2024-D30-HT-00003"  # 00001 is never issued again
    assert back["superseded_archive_numbers"] == [old, "KH01-2024-D10-WL-00001"]


def test_tags_and_custom_fields_are_set_one_by_one(container: Container, tmp_path: Path) -> None:
    [document] = archived(container, tmp_path)
    before = as_json(run(container, "--json", "documents", "show", document))
    assert before["custom_fields"] == {"box": "B-0"}
    edited = as_json(run(container, "--json", "documents", "edit", document, "--tag", "租赁",
                         "--tag", "补充", "--field", "合同金额=12万", "--field", "box=",
                         "--reason", "补充著录", "--as", "clerk1"))
    assert edited["tags"] == ["租赁", "补充"] and edited["custom_fields"] == {"合同金额": "12万"}


def test_each_refusal_exits_1_and_leaves_nothing(container: Container, tmp_path: Path) -> None:
    [document] = archived(container, tmp_path)
    before = as_json(run(container, "--json", "documents", "show", document))
    attempts = [
        (["--title", "新题名"], "clerk1", "reason_required"),
        (["--date", "2024-02-30", "--reason", WHY], "clerk1", "invalid_request"),
        (["--date", "2999-01-01", "--reason", WHY], "clerk1", "invalid_document_date"),
        (["--secrecy", "4", "--reason", WHY], "clerk1", "invalid_secrecy"),
        (["--field", "nokey", "--reason", WHY], "clerk1", "invalid_request"),
        (["--reason", WHY], "clerk1", "no_change"),
        (["--title", "新题名", "--reason", WHY], "clerk2", "not_your_document"),
    ]
    for args, who, code in attempts:
        done = run(container, "--json", "documents", "edit", document, *args, "--as", who)
        assert refusal(done) == code, args
    assert refusal(run(container, "--json", "documents", "confirm", document, "--as", "clerk1")
                   ) == "confirm_needs_archivist"
    assert as_json(run(container, "--json", "documents", "history", document)) == []
    assert as_json(run(container, "--json", "documents", "show", document)) == before
    assert refusal(run(container, "--json", "documents", "show", "no-such-id")) == "document_not_found"


def test_after_confirm_only_an_archivist_edits(container: Container, tmp_path: Path) -> None:
    [document] = archived(container, tmp_path)
    confirmed = as_json(run(container, "--json", "documents", "confirm", document, "--as", "arch1"))
    assert confirmed["confirmed_by"] == "arch1" and confirmed["confirmed_at"]
    refused = run(container, "--json", "documents", "edit", document, "--title", "改",
                  "--reason", WHY, "--as", "clerk1")
    assert refusal(refused) == "document_confirmed"
    assert as_json(run(container, "--json", "documents", "history", document)) == []
    edited = as_json(run(container, "--json", "documents", "edit", document, "--title", "改正题名",
                         "--reason", WHY, "--as", "arch1"))
    assert edited["title"] == "改正题名"
