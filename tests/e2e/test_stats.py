"""Statistics through the API (JSON, CSV, XLSX) and the CLI."""
from __future__ import annotations

import csv
import io
import json
import subprocess
from pathlib import Path

import httpx
from openpyxl import load_workbook

from shared.bootstrap import Container
from tests import samples
from tests.e2e.test_cli import DANGAN, env_for


def upload(client: httpx.Client, path: Path, **fields: str) -> dict:
    with path.open("rb") as handle:
        response = client.post("/api/v1/documents", files={"file": (path.name, handle)},
                               data={"title": "档案", **fields})
    assert response.status_code == 201, response.text
    return response.json()


def test_statistics_count_holdings_activity_and_retention(
        clerk: httpx.Client, archivist: httpx.Client, customer: str, container: Container,
        tmp_path: Path) -> None:
    a = upload(clerk, samples.make_pdf(tmp_path, seed=1), type="contract", customer=customer,
               document_date="1990-01-01")
    upload(clerk, samples.make_png(tmp_path, seed=2), type="credit_report", customer=customer,
           document_date="2024-05-05", secrecy="2")
    clerk.get(f"/api/v1/documents/{a['id']}/content")
    archivist.post("/api/v1/retention/sweep", json={})
    assert clerk.get("/api/v1/stats").status_code == 403
    figures = archivist.get("/api/v1/stats").json()
    assert figures["holdings"]["type"] == {"contract": 1, "credit_report": 1}
    assert figures["holdings"]["year"] == {"1990": 1, "2024": 1}
    assert figures["holdings"]["secrecy"] == {"2": 1, "3": 1}
    assert figures["holdings"]["customer_grade"] == {"A": 2}
    assert sum(figures["activity_per_month"]["ingests"].values()) == 2
    assert sum(figures["activity_per_month"]["views"].values()) == 1
    assert figures["retention_per_year"]["due"] == {"2020": 1}

    as_csv = archivist.get("/api/v1/stats", params={"format": "csv"})
    table = list(csv.reader(io.StringIO(as_csv.content.decode("utf-8-sig"))))
    assert table[0] == ["section", "measure", "key", "count"]
    assert ["holdings", "type", "credit_report", "1"] in table
    as_xlsx = archivist.get("/api/v1/stats", params={"format": "xlsx"})
    book = load_workbook(io.BytesIO(as_xlsx.content))
    assert book.sheetnames == ["holdings", "activity_per_month", "retention_per_year"]
    assert ("type", "contract", 1) in list(book["holdings"].iter_rows(values_only=True))

    out = tmp_path / "stats.xlsx"
    done = subprocess.run([DANGAN, "--json", "stats", "--xlsx", str(out)],
                          env=env_for(container.settings), capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and json.loads(done.stdout)["holdings"]["type"]["contract"] == 1
    assert load_workbook(out).sheetnames[0] == "holdings"
