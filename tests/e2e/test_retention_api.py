"""Retention through the HTTP API and the CLI: triggers, the sweep, holds and
overrides (SPEC §3), on both backends."""
from __future__ import annotations

import json
import subprocess
from datetime import date
from pathlib import Path

import httpx
import pytest

from shared.bootstrap import Container
from tests import samples
from tests.conftest import Backend, login, make_user
from tests.e2e.test_cli import DANGAN, env_for


def upload(client: httpx.Client, path: Path, **fields: str) -> dict:
    data = {"type": "contract", "title": "合同", **fields}
    with path.open("rb") as handle:
        response = client.post("/api/v1/documents", files={"file": (path.name, handle)}, data=data)
    assert response.status_code == 201, response.text
    return response.json()


def sweep(client: httpx.Client, as_of: str) -> int:
    response = client.post("/api/v1/retention/sweep", json={"as_of": as_of})
    assert response.status_code == 200, response.text
    return response.json()["flagged"]


def status(client: httpx.Client, document: dict) -> str:
    return client.get(f"/api/v1/documents/{document['id']}").json()["status"]


@pytest.fixture
def old_contract(archivist: httpx.Client, customer: str, tmp_path: Path) -> dict:
    return upload(archivist, samples.make_pdf(tmp_path, seed=1), customer=customer,
                  document_date="1990-06-30")


def test_the_schedule_is_served(archivist: httpx.Client) -> None:
    types = archivist.get("/api/v1/retention/schedule").json()["types"]
    assert types["contract"] == {"term": "long", "years": 30, "trigger": "document_date", "code": "D30"}
    assert types["id_copy"]["trigger"] == "customer_closed"


def test_document_date_trigger(old_contract: dict) -> None:
    assert old_contract["retain_until"] == "2020-06-30"


def test_the_sweep_flags_what_is_due_once_and_never_early(archivist: httpx.Client,
                                                          old_contract: dict) -> None:
    assert sweep(archivist, "2020-06-29") == 0
    assert status(archivist, old_contract) == "archived"
    assert sweep(archivist, "2020-06-30") == 1
    assert status(archivist, old_contract) == "due"
    assert sweep(archivist, "2025-01-01") == 0  # idempotent
    due = archivist.get("/api/v1/retention/due").json()
    assert due["total"] == 1 and due["items"][0]["id"] == old_contract["id"]
    assert archivist.get(f"/api/v1/documents/{old_contract['id']}/content").status_code == 200


def test_a_sweep_after_today_is_refused_and_flags_nothing(
        container: Container, archivist: httpx.Client, old_contract: dict) -> None:
    container.clock = lambda: date(2020, 6, 29)
    refused = archivist.post("/api/v1/retention/sweep", json={"as_of": "2020-06-30"})
    assert refused.status_code == 422
    assert refused.json()["error"]["code"] == "as_of_in_future"
    assert status(archivist, old_contract) == "archived"
    assert archivist.post("/api/v1/retention/sweep", json={}).json()["flagged"] == 0


def test_the_sweep_runs_as_of_the_archive_clock_by_default(
        container: Container, archivist: httpx.Client, old_contract: dict) -> None:
    container.clock = lambda: date(2020, 6, 30)
    swept = archivist.post("/api/v1/retention/sweep", json={}).json()
    assert swept["as_of"] == "2020-06-30" and swept["flagged"] == 1
    assert status(archivist, old_contract) == "due"


def test_a_dry_run_previews_a_future_sweep_and_changes_nothing(
        container: Container, archivist: httpx.Client, old_contract: dict) -> None:
    container.clock = lambda: date(2019, 1, 1)
    events = archivist.get("/api/v1/audit").json()["total"]
    preview = archivist.post("/api/v1/retention/sweep", json={"as_of": "2199-01-01", "dry_run": True})
    assert preview.status_code == 200, preview.text
    assert preview.json() == {"as_of": "2199-01-01", "flagged": 1, "dry_run": True, "documents": [
        {"id": old_contract["id"], "archive_number": old_contract["archive_number"]}]}
    assert status(archivist, old_contract) == "archived"
    assert archivist.get("/api/v1/retention/due").json()["total"] == 0
    assert archivist.get("/api/v1/audit").json()["total"] == events


def test_a_dry_run_lists_only_what_the_callers_clearance_allows(
        container: Container, base_url: str, archivist: httpx.Client, customer: str,
        old_contract: dict, tmp_path: Path) -> None:
    secret = upload(archivist, samples.make_pdf(tmp_path, seed=6), customer=customer,
                    document_date="1990-01-01", secrecy="1")
    make_user(container, "archivist3", role="archivist", clearance=3)
    ordinary = login(base_url, "archivist3")
    preview = ordinary.post("/api/v1/retention/sweep", json={"as_of": "2024-01-01",
                                                             "dry_run": True}).json()
    ordinary.close()
    assert preview["flagged"] == 2
    assert [d["id"] for d in preview["documents"]] == [old_contract["id"]]
    assert status(archivist, secret) == "archived"


def test_the_sweep_skips_permanent_pending_and_held_documents(
        archivist: httpx.Client, customer: str, old_contract: dict, tmp_path: Path) -> None:
    permanent = upload(archivist, samples.make_pdf(tmp_path, seed=2), customer=customer,
                       document_date="1980-01-01")
    made_permanent = archivist.post(f"/api/v1/documents/{permanent['id']}/retention",
                                json={"term": "permanent", "reason": "董事会决议"})
    assert made_permanent.json()["retain_until"] is None
    pending = upload(archivist, samples.make_png(tmp_path, seed=3), customer=customer, type="id_copy")
    assert pending["retain_until"] is None
    held = upload(archivist, samples.make_pdf(tmp_path, seed=4), customer=customer,
                  document_date="1991-01-01")
    hold = archivist.post("/api/v1/holds", json={"reason": "诉讼", "documents": [held["id"]]})
    assert hold.status_code == 201
    assert sweep(archivist, "2024-01-01") == 1
    assert [status(archivist, d) for d in (old_contract, permanent, pending, held)] == [
        "due", "archived", "archived", "archived"]
    archivist.post(f"/api/v1/holds/{hold.json()['id']}/release", json={"reason": "结案"})
    assert sweep(archivist, "2024-01-01") == 1
    assert status(archivist, held) == "due"


def test_a_customer_hold_covers_its_whole_file(archivist: httpx.Client, customer: str,
                                               old_contract: dict) -> None:
    hold = archivist.post("/api/v1/holds", json={"reason": "审计冻结", "customer": customer}).json()
    assert sweep(archivist, "2024-01-01") == 0
    assert archivist.get("/api/v1/holds").json()["items"][0]["customer"] == customer
    archivist.post(f"/api/v1/holds/{hold['id']}/release")
    assert sweep(archivist, "2024-01-01") == 1


def test_a_hold_placed_after_flagging_hides_the_document_from_the_due_list(
        archivist: httpx.Client, old_contract: dict) -> None:
    sweep(archivist, "2024-01-01")
    archivist.post("/api/v1/holds", json={"reason": "调查", "documents": [old_contract["id"]]})
    assert archivist.get("/api/v1/retention/due").json()["total"] == 0


def test_closure_trigger_follows_closing_and_reopening(archivist: httpx.Client, customer: str,
                                                       tmp_path: Path) -> None:
    licence = upload(archivist, samples.make_png(tmp_path, seed=5), customer=customer,
                     type="business_licence")
    archivist.post(f"/api/v1/customers/{customer}/close", json={"closed_at": "2015-03-31"})
    assert archivist.get(f"/api/v1/documents/{licence['id']}").json()["retain_until"] == "2020-03-31"
    assert sweep(archivist, "2024-01-01") == 1
    archivist.post(f"/api/v1/customers/{customer}/reopen")
    again = archivist.get(f"/api/v1/documents/{licence['id']}").json()
    assert again["retain_until"] is None and again["status"] == "archived"


def test_an_override_needs_a_reason_and_a_valid_term(archivist: httpx.Client, old_contract: dict) -> None:
    url = f"/api/v1/documents/{old_contract['id']}/retention"
    assert archivist.post(url, json={"term": "long", "years": 40}).status_code == 422
    bad = archivist.post(url, json={"term": "short", "years": 20, "reason": "x"})
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "invalid_years"
    done = archivist.post(url, json={"term": "long", "years": 40, "reason": "重要客户"})
    assert done.json()["retain_until"] == "2030-06-30"
    assert done.json()["archive_number"] == old_contract["archive_number"]


def test_holds_refuse_bad_scopes(archivist: httpx.Client, customer: str, old_contract: dict) -> None:
    both = archivist.post("/api/v1/holds", json={"reason": "x", "customer": customer,
                                             "documents": [old_contract["id"]]})
    assert both.status_code == 422 and both.json()["error"]["code"] == "invalid_hold_scope"
    assert archivist.post("/api/v1/holds", json={"reason": "x", "documents": ["nope"]}).status_code == 404
    assert archivist.post("/api/v1/holds/999/release").status_code == 404
    assert archivist.get("/api/v1/holds").json()["total"] == 0


def test_sweep_and_holds_from_the_cli(container: Container, archivist: httpx.Client,
                                      old_contract: dict) -> None:
    env = env_for(container.settings)

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([DANGAN, *args], env=env, capture_output=True, text=True, timeout=120)

    placed = run("holds", "add", "--reason", "诉讼", "--document", old_contract["id"])
    assert placed.returncode == 0 and "hold 1 placed" in placed.stdout
    assert "flagged 0 documents" in run("retention", "sweep", "--as-of", "2024-01-01").stdout
    assert run("holds", "release", "1").returncode == 0
    assert "flagged 1 documents" in run("retention", "sweep", "--as-of", "2024-01-01").stdout
    assert old_contract["archive_number"] in run("retention", "due").stdout


def test_the_cli_refuses_a_future_sweep_and_previews_it(container: Container, archivist: httpx.Client,
                                                        old_contract: dict) -> None:
    env = env_for(container.settings)

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([DANGAN, *args], env=env, capture_output=True, text=True, timeout=120)

    refused = run("retention", "sweep", "--as-of", "2199-01-01")
    assert refused.returncode == 1 and "(as_of_in_future)" in refused.stderr
    preview = run("--json", "retention", "sweep", "--dry-run", "--as-of", "2199-01-01")
    assert preview.returncode == 0, preview.stderr
    assert json.loads(preview.stdout) == {"as_of": "2199-01-01", "flagged": 1, "dry_run": True,
                                          "documents": [{"id": old_contract["id"],
                                                         "archive_number": old_contract["archive_number"]}]}
    human = run("retention", "sweep", "--dry-run", "--as-of", "2199-01-01")
    assert "would flag 1 documents as due (as of 2199-01-01)" in human.stdout
    assert status(archivist, old_contract) == "archived"
    assert "flagged 1 documents" in run("retention", "sweep").stdout
    assert status(archivist, old_contract) == "due"


def test_a_bad_schedule_stops_the_server_naming_the_line(container: Container, tmp_path: Path) -> None:
    schedule = tmp_path / "schedule.toml"
    schedule.write_text('[types.contract]\nterm = "long"\nyears = 30\n\n'
                        '[types.id_copy]\nterm = "short"\nyears = 20\n', encoding="utf-8")
    env = {**env_for(container.settings), "DANGAN_RETENTION_SCHEDULE": str(schedule)}
    done = subprocess.run([DANGAN, "serve", "--port", "0"], env=env, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 1
    assert f"{schedule} line 5: [types.id_copy]: years=20 is outside the short range 1–14" in done.stderr


def test_ingested_trigger_counts_from_archiving(backend: Backend, tmp_path: Path) -> None:
    from datetime import date

    from shared.bootstrap import build
    from shared.domain.retention import DEFAULT_SCHEDULE_PATH, add_years
    from tests.conftest import LiveServer, login, make_user

    schedule = tmp_path / "schedule.toml"
    schedule.write_text(DEFAULT_SCHEDULE_PATH.read_text(encoding="utf-8").replace(
        '[types.other]\nterm = "long"\nyears = 30\ntrigger = "document_date"',
        '[types.other]\nterm = "short"\nyears = 7\ntrigger = "ingested"'), encoding="utf-8")
    ctx = build(backend.settings.model_copy(update={"retention_schedule": schedule}))
    make_user(ctx, "archivist1", role="archivist")
    with LiveServer(ctx) as url:
        client = login(url, "archivist1")
        document = upload(client, samples.make_pdf(tmp_path), type="other", document_date="2001-01-01")
        client.close()
    assert document["retention_trigger"] == "ingested"
    assert document["retain_until"] == add_years(date.today(), 7).isoformat()
    assert document["archive_number"].split("-")[2] == "D7"
    ctx.close()


def test_search_learns_of_the_sweep(archivist: httpx.Client, container: Container,
                                    old_contract: dict) -> None:
    from shared.domain.access import AccessScope
    from services.search import SearchQuery, build_index, parse
    from tests.conftest import drain

    index = build_index(container.settings)
    drain(container, index)
    due = SearchQuery(scope=AccessScope(clearance=1), clauses=parse("合同"), status="due")
    assert index.search(due).total == 0
    assert sweep(archivist, "2024-01-01") == 1
    drain(container, index)
    assert [h.id for h in index.search(due).hits] == [old_contract["id"]]
    index.close()
