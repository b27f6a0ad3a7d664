"""PDFs that every reader opens are archived and their words found; text
layers are judged, not trusted; work per file is bounded (SPEC §5, §10)."""
from __future__ import annotations

from pathlib import Path

import httpx
import psutil
from sqlalchemy import select

from shared.bootstrap import Container
from shared.db.models import PageText
from services.search import SearchIndex
from tests import hostile, samples
from tests.conftest import LiveServer, drain, embedded_only, login, make_user
from tests.residue import holdings


def upload(client: httpx.Client, path: Path, **fields: str) -> httpx.Response:
    data = {"type": "contract", "title": "档案", "document_date": "2024-03-15", **fields}
    with path.open("rb") as handle:
        return client.post("/api/v1/documents", files={"file": (path.name, handle)}, data=data)


def hits(client: httpx.Client, q: str) -> list[dict]:
    response = client.get("/api/v1/search", params={"q": q})
    assert response.status_code == 200, response.text
    return response.json()["hits"]


def sources(container: Container, document_id: str) -> list[str]:
    with container.uow() as uow:
        return list(uow.session.scalars(select(PageText.source).where(
            PageText.document_id == document_id).order_by(PageText.page)))


def test_a_pdf_with_an_empty_user_password_is_archived_and_found(
        clerk: httpx.Client, container: Container, index: SearchIndex, tmp_path: Path) -> None:
    path = hostile.make_empty_password_pdf(tmp_path, text="质押合同 甲方 Pledge agreement")
    created = upload(clerk, path)
    assert created.status_code == 201, created.text
    assert created.json()["versions"][0]["page_count"] == 1
    drain(container, index)
    found = hits(clerk, "质押")
    assert [h["id"] for h in found] == [created.json()["id"]]
    assert "<em>质押</em>" in found[0]["highlights"][0]


def test_a_pdf_that_needs_a_password_is_still_refused(clerk: httpx.Client, container: Container,
                                                      tmp_path: Path) -> None:
    before = holdings(container)
    response = upload(clerk, samples.make_encrypted_pdf(tmp_path, user_password="s3cret"))
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "encrypted_pdf"
    assert holdings(container) == before


def test_a_pdf_with_a_broken_cross_reference_table_is_repaired_and_found(
        clerk: httpx.Client, container: Container, index: SearchIndex, tmp_path: Path) -> None:
    path = hostile.make_broken_xref_pdf(tmp_path, text="保证合同 担保人 guarantee deed")
    created = upload(clerk, path)
    assert created.status_code == 201, created.text
    drain(container, index)
    assert [h["id"] for h in hits(clerk, "担保人")] == [created.json()["id"]]
    preview = clerk.get(f"/api/v1/documents/{created.json()['id']}/preview")
    assert preview.status_code == 200


@embedded_only
def test_a_garbled_text_layer_is_not_trusted_the_page_is_ocred(
        clerk: httpx.Client, container: Container, index: SearchIndex, tmp_path: Path) -> None:
    path = hostile.make_garbled_text_layer_pdf(tmp_path, lines=["抵押借款合同", "甲方 乙方 借款金额"])
    created = upload(clerk, path)
    assert created.status_code == 201, created.text
    drain(container, index)
    document_id = created.json()["id"]
    assert sources(container, document_id) == ["ocr"]
    assert [h["id"] for h in hits(clerk, "借款")] == [document_id]


def test_a_good_text_layer_is_kept_without_ocr(clerk: httpx.Client, container: Container,
                                               index: SearchIndex, tmp_path: Path) -> None:
    created = upload(clerk, samples.make_pdf(tmp_path, text="租赁合同 出租方 承租方 Lease"))
    drain(container, index)
    assert sources(container, created.json()["id"]) == ["text_layer"]


def test_a_pdf_over_the_page_cap_is_refused_and_leaves_nothing(
        clerk: httpx.Client, container: Container, tmp_path: Path) -> None:
    before = holdings(container)
    response = upload(clerk, hostile.make_blank_pages_pdf(tmp_path, pages=2000))
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "too_many_pages"
    assert error["detail"] == {"pages": 2000, "max_pages": container.settings.max_pages}
    assert holdings(container) == before


@embedded_only
def test_blank_pages_are_recognised_without_ocr(clerk: httpx.Client, container: Container,
                                                index: SearchIndex, tmp_path: Path) -> None:
    created = upload(clerk, hostile.make_blank_pages_pdf(tmp_path, pages=300))
    assert created.status_code == 201, created.text
    drain(container, index)
    document = clerk.get(f"/api/v1/documents/{created.json()['id']}").json()
    assert document["extraction_state"] == "done"
    assert document["versions"][0]["page_count"] == 300
    assert set(sources(container, document["id"])) == {"blank"}


@embedded_only
def test_a_huge_page_box_renders_within_the_pixel_budget(
        clerk: httpx.Client, container: Container, index: SearchIndex, tmp_path: Path) -> None:
    """A 10,000-point page at 300 dpi would be a 1.7-gigapixel bitmap."""
    from pypdf import PdfWriter
    from reportlab.pdfgen import canvas

    path = tmp_path / "poster.pdf"
    pdf = canvas.Canvas(str(path), pagesize=(10_000, 10_000))
    pdf.setFont("Helvetica", 600)
    pdf.drawString(500, 5000, "POSTER")
    pdf.save()
    assert PdfWriter(clone_from=str(path)).pages[0].mediabox.width == 10_000
    me = psutil.Process()
    before = me.memory_info().rss
    created = upload(clerk, path)
    assert created.status_code == 201, created.text
    drain(container, index)
    grown = me.memory_info().rss - before
    document = clerk.get(f"/api/v1/documents/{created.json()['id']}").json()
    assert document["extraction_state"] == "done"
    assert grown < 600 * 1024 * 1024, f"the server grew by {grown / 2**20:.0f} MiB"


def test_the_configured_image_pixel_limit_is_honoured_above_pillows_own(tmp_path: Path) -> None:
    from shared.bootstrap import build
    from shared.config import Settings

    big = hostile.make_big_png(tmp_path, width=10_000, height=9_500)  # 95 megapixels
    for limit, status in [(150_000_000, 201), (90_000_000, 422)]:
        ctx = build(Settings(home=tmp_path / f"home-{limit}", max_image_pixels=limit,
                             _env_file=None))
        make_user(ctx, "clerk1", role="clerk")
        with LiveServer(ctx) as url:
            client = login(url, "clerk1")
            response = upload(client, big)
            assert response.status_code == status, response.text
            if status == 422:
                assert response.json()["error"]["code"] == "image_bomb"
            client.close()
        ctx.close()


def test_a_cyclic_page_tree_is_refused_as_damaged(clerk: httpx.Client, container: Container,
                                                  tmp_path: Path) -> None:
    before = holdings(container)
    response = upload(clerk, hostile.make_cyclic_page_tree_pdf(tmp_path))
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "corrupt_pdf"
    assert holdings(container) == before


def test_pages_that_cannot_be_loaded_are_named_and_the_rest_extracted(
        clerk: httpx.Client, container: Container, index: SearchIndex, tmp_path: Path) -> None:
    created = upload(clerk, hostile.make_page_count_lie_pdf(tmp_path))
    assert created.status_code == 201, created.text
    drain(container, index)
    document = clerk.get(f"/api/v1/documents/{created.json()['id']}").json()
    assert document["extraction_state"] == "done"
    assert document["versions"][0]["extraction_error"] == "pages that could not be read: [2, 3, 4, 5]"
    assert sources(container, document["id"]) == ["blank"] + ["unreadable"] * 4


def test_a_document_whose_extraction_failed_is_still_found_by_its_title(
        clerk: httpx.Client, container: Container, index: SearchIndex, tmp_path: Path) -> None:
    from shared.db.models import DocumentVersion, Job

    created = upload(clerk, samples.make_pdf(tmp_path), title="鼓浪屿仓储合同")
    document_id = created.json()["id"]
    with container.transaction() as session:  # its bytes vanish: extraction cannot succeed
        key = session.scalars(select(DocumentVersion.object_key)).one()
        session.execute(Job.__table__.update().values(max_attempts=1))
    container.store.delete(key)
    drain(container, index)
    document = clerk.get(f"/api/v1/documents/{document_id}").json()
    assert document["extraction_state"] == "failed"
    found = hits(clerk, "仓储合同")
    assert [h["id"] for h in found] == [document_id]


def test_a_pdf_with_junk_before_its_header_is_archived_and_found(
        clerk: httpx.Client, container: Container, index: SearchIndex, tmp_path: Path) -> None:
    """Readers look for %PDF- in the first 1024 bytes; mail gateways add headers."""
    pdf = samples.make_pdf(tmp_path, text="委托合同 受托人 agency").read_bytes()
    path = tmp_path / "forwarded.pdf"
    path.write_bytes(b"Received: from scanner.local\r\nX-Mailer: MFP\r\n\r\n" * 8 + pdf)
    created = upload(clerk, path)
    assert created.status_code == 201, created.text
    drain(container, index)
    assert [h["id"] for h in hits(clerk, "受托人")] == [created.json()["id"]]
