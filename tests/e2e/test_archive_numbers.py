"""Archive numbers (档号) stay gap-free and unique under concurrent uploads,
on SQLite and on PostgreSQL."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from tests import samples

UPLOADERS = 20


def test_twenty_concurrent_uploads_get_consecutive_unique_numbers(
        clerk: httpx.Client, customer: str, tmp_path: Path) -> None:
    files = [samples.make_pdf(tmp_path, seed=n, name=f"c{n:02d}.pdf") for n in range(UPLOADERS)]
    token = clerk.headers["Authorization"]

    def send(path: Path) -> httpx.Response:
        with httpx.Client(base_url=str(clerk.base_url), timeout=120,
                          headers={"Authorization": token}) as client, path.open("rb") as handle:
            return client.post("/api/v1/documents", files={"file": (path.name, handle)},
                               data={"type": "contract", "title": path.stem, "customer": customer,
                                     "document_date": "2024-05-01"})

    with ThreadPoolExecutor(max_workers=UPLOADERS) as pool:
        responses = list(pool.map(send, files))
    assert [r.status_code for r in responses] == [201] * UPLOADERS, [r.text for r in responses]
    numbers = sorted(r.json()["archive_number"] for r in responses)
    assert numbers == [f"KH01-2024-D30-HT-{n:05d}" for n in range(1, UPLOADERS + 1)]


def test_series_are_counted_separately(clerk: httpx.Client, tmp_path: Path) -> None:
    def number(path: Path, **fields: str) -> str:
        with path.open("rb") as handle:
            response = clerk.post("/api/v1/documents", files={"file": (path.name, handle)},
                                  data={"title": "t", **fields})
        assert response.status_code == 201, response.text
        return response.json()["archive_number"]

    assert number(samples.make_pdf(tmp_path, seed=1), type="contract",
                  document_date="2023-02-01") == "KH01-2023-D30-HT-00001"
    assert number(samples.make_pdf(tmp_path, seed=2), type="contract",
                  document_date="2024-02-01") == "KH01-2024-D30-HT-00001"
    assert number(samples.make_png(tmp_path, seed=3), type="credit_report",
                  document_date="2024-02-01") == "KH01-2024-D10-ZX-00001"
    assert number(samples.make_png(tmp_path, seed=4), type="credit_report",
                  document_date="2024-03-01") == "KH01-2024-D10-ZX-00002"


def test_a_refused_upload_does_not_use_up_a_number(clerk: httpx.Client, tmp_path: Path) -> None:
    def post(path: Path) -> httpx.Response:
        with path.open("rb") as handle:
            return clerk.post("/api/v1/documents", files={"file": (path.name, handle)},
                              data={"type": "contract", "title": "t", "document_date": "2024-01-02"})

    assert post(samples.make_pdf(tmp_path, seed=1)).json()["archive_number"].endswith("-00001")
    assert post(samples.make_encrypted_pdf(tmp_path)).status_code == 422
    assert post(samples.make_pdf(tmp_path, seed=2)).json()["archive_number"].endswith("-00002")
