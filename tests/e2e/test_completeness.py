"""Completeness (齐全) and expiry (有效期) through the API and the CLI, on both backends."""
from __future__ import annotations

import json
import subprocess
from datetime import date, timedelta
from pathlib import Path

import httpx

from shared.bootstrap import Container
from shared.domain.validity import add_months
from services.composition import Archive
from tests import samples
from tests.e2e.test_cli import DANGAN, env_for
from tests.e2e.test_stats import upload


def _company_file(clerk: httpx.Client, customer: str, tmp_path: Path) -> None:
    for seed, type_ in enumerate(("contract", "id_copy", "credit_report"), start=1):
        upload(clerk, samples.make_pdf(tmp_path, seed=seed), type=type_, customer=customer,
               document_date=date.today().isoformat())


def test_a_company_missing_its_licence_lacks_exactly_that_until_one_is_uploaded(
        clerk: httpx.Client, archivist: httpx.Client, customer: str, container: Container,
        tmp_path: Path) -> None:
    _company_file(clerk, customer, tmp_path)
    mine = archivist.get(f"/api/v1/customers/{customer}/completeness").json()
    assert mine["complete"] is False
    assert [m["type"] for m in mine["missing"]] == ["business_licence"]
    report = archivist.get("/api/v1/completeness", params={"kind": "company"}).json()
    assert report["rates"]["kind"]["company"]["complete"] == 0
    done = subprocess.run([DANGAN, "--json", "completeness", "--customer", customer],
                          env=env_for(container.settings), capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["customers"][0]["missing"][0]["type"] == "business_licence"

    upload(clerk, samples.make_pdf(tmp_path, seed=9), type="business_licence", customer=customer)
    after = archivist.get("/api/v1/completeness").json()
    assert after["customers"][0]["complete"] is True and after["customers"][0]["missing"] == []
    assert after["rates"]["kind"]["company"]["rate"] == 1.0
    assert "business_licence" not in archivist.get(
        "/api/v1/completeness", params={"format": "csv"}).content.decode("utf-8-sig").splitlines()[1]


def test_a_credit_report_13_months_old_has_expired_and_flags_its_customer(
        clerk: httpx.Client, archivist: httpx.Client, customer: str, container: Container,
        tmp_path: Path) -> None:
    old = upload(clerk, samples.make_pdf(tmp_path, seed=1), type="credit_report", customer=customer,
                 document_date=add_months(date.today(), -13).isoformat())
    assert old["valid_until"] == add_months(date.today(), -1).isoformat()
    answer = archivist.get("/api/v1/expiring", params={"within": 30}).json()
    [entry] = answer["customers"]
    assert entry["customer"] == customer and entry["reinvestigate"] is True
    assert [d["id"] for d in entry["expired"]] == [old["id"]]
    assert archivist.get("/api/v1/completeness").json()["customers"][0]["reinvestigate"] is True
    done = subprocess.run([DANGAN, "--json", "expiring", "--within", "60"],
                          env=env_for(container.settings), capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["customers"][0]["reinvestigate"] is True
    metrics = archivist.get("/metrics").text
    assert 'dangan_documents_expiring{window="expired"} 1.0' in metrics
    assert "dangan_customers_reinvestigate 1.0" in metrics


def test_the_daily_work_counts_what_expires_into_the_audit_trail(
        clerk: httpx.Client, archivist: httpx.Client, customer: str, archive: Archive,
        tmp_path: Path) -> None:
    upload(clerk, samples.make_pdf(tmp_path, seed=1), type="credit_report", customer=customer,
           document_date=add_months(date.today(), -13).isoformat())
    upload(clerk, samples.make_pdf(tmp_path, seed=2), type="business_licence", customer=customer,
           valid_until=(date.today() + timedelta(days=45)).isoformat())
    done = archive.daily(date.today())
    assert done["expiring"] == {"30": 0, "60": 1, "90": 1, "expired": 1}
    assert done["reinvestigate"] == 1
    events = archivist.get("/api/v1/audit", params={"action": "expiry.remind"}).json()["items"]
    assert [(e["actor"], e["details"]["expiring"]["expired"], e["details"]["reinvestigate"])
            for e in events] == [("scheduler", 1, 1)]


def test_a_credit_report_2_months_old_is_current(
        clerk: httpx.Client, archivist: httpx.Client, customer: str, tmp_path: Path) -> None:
    upload(clerk, samples.make_pdf(tmp_path, seed=1), type="credit_report", customer=customer,
           document_date=add_months(date.today(), -2).isoformat())
    answer = archivist.get("/api/v1/expiring", params={"within": 90}).json()
    assert answer["customers"] == []
    assert archivist.get("/api/v1/completeness").json()["customers"][0]["reinvestigate"] is False


def test_valid_until_before_the_document_date_or_malformed_is_refused(
        clerk: httpx.Client, archivist: httpx.Client, customer: str, tmp_path: Path) -> None:
    for valid_until, code in (("2020-01-01", "valid_until_before_document_date"),
                              ("2020-13-01", "invalid_valid_until")):
        with samples.make_pdf(tmp_path, seed=1).open("rb") as handle:
            response = clerk.post("/api/v1/documents", files={"file": ("a.pdf", handle)},
                                  data={"title": "执照", "type": "business_licence",
                                        "customer": customer, "document_date": "2021-01-01",
                                        "valid_until": valid_until})
        assert response.status_code in (400, 422), response.text
        assert response.json()["error"]["code"] == code
    assert archivist.get("/api/v1/documents").json()["total"] == 0


def test_an_unknown_window_is_refused(archivist: httpx.Client) -> None:
    response = archivist.get("/api/v1/expiring", params={"within": 45})
    assert response.status_code in (400, 422)
    assert response.json()["error"]["code"] == "invalid_window"
