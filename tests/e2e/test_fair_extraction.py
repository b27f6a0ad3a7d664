"""One long document cannot stall everyone: while `dangan serve` (one
extraction lane) OCRs a long scan slice by slice, a one-page contract
uploaded after it becomes searchable by its text before the scan is done."""
from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from shared.bootstrap import Container
from shared.db.models import Job
from tests import samples
from tests.conftest import login, make_user
from tests.e2e.test_serve import free_port
from tests.e2e.test_worker_lifecycle import _ready, dangan, upload_scan
from tests.processes import wait_for


def extract_slices(container: Container) -> list[tuple[str, dict]]:
    with container.uow() as uow:
        return [(j.state, j.payload) for j in uow.session.scalars(
            select(Job).where(Job.kind == "extract").order_by(Job.id))]


def test_a_short_upload_is_searchable_while_a_long_scan_is_still_ocred(
        container: Container, tmp_path: Path) -> None:
    make_user(container, "clerk1")
    port = free_port()
    with dangan(container, tmp_path, "serve", DANGAN_PORT=str(port), DANGAN_WORKERS="1"):
        url = f"http://127.0.0.1:{port}"
        wait_for(lambda: _ready(url), 60, "serve did not start")
        client = login(url, "clerk1")
        scan_id = upload_scan(client, tmp_path / "scan", pages=40)
        wait_for(lambda: any(state == "running" for state, _ in extract_slices(container)), 60,
                 "the scan's extraction did not start")

        pdf = samples.make_pdf(tmp_path, text="同安建材 年度框架协议 Framework agreement")
        with pdf.open("rb") as handle:
            created = client.post("/api/v1/documents", files={"file": (pdf.name, handle)},
                                  data={"type": "contract", "title": "建材合同"})
        assert created.status_code == 201

        def searchable() -> bool:
            found = client.get("/api/v1/search", params={"q": "框架协议"}).json()
            return [h["id"] for h in found["hits"]] == [created.json()["id"]]

        wait_for(searchable, 120, "the short upload waited behind the whole scan")
        scan = client.get(f"/api/v1/documents/{scan_id}").json()
        assert scan["extraction_state"] == "pending", "the scan finished first: nothing was shown"
        slices = [payload.get("from_page", 1) for _, payload in extract_slices(container)
                  if payload["document_id"] == scan_id]
        assert len(slices) >= 2 and slices == sorted(slices)
        client.close()
