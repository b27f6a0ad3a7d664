"""Upload real files, let the workers extract and index them, find them through
GET /api/v1/search (embedded engine; the engine suite covers OpenSearch)."""
from __future__ import annotations

from pathlib import Path

import httpx
from sqlalchemy import select

from shared.bootstrap import Container
from shared.db.models import Job, PageText
from shared.jobs.runner import Worker
from services.composition import Archive
from services.search import SearchIndex
from tests import samples
from tests.conftest import drain, login, make_user


def upload(client: httpx.Client, path: Path, **fields: str) -> dict:
    data = {"type": "contract", "title": "档案", "document_date": "2024-03-15", **fields}
    with path.open("rb") as handle:
        response = client.post("/api/v1/documents", files={"file": (path.name, handle)}, data=data)
    assert response.status_code == 201, response.text
    return response.json()


def search(client: httpx.Client, q: str, **params: str) -> dict:
    response = client.get("/api/v1/search", params={"q": q, **params})
    assert response.status_code == 200, response.text
    return response.json()


def test_a_text_pdf_is_found_from_its_text_layer_without_ocr(
        clerk: httpx.Client, container: Container, index: SearchIndex, tmp_path: Path) -> None:
    document = upload(clerk, samples.make_pdf(tmp_path, text="甲方 鹭洲贸易 Lease agreement"))
    drain(container, index)
    found = search(clerk, "鹭洲贸易")
    assert [h["id"] for h in found["hits"]] == [document["id"]]
    assert "<em>鹭洲贸易</em>" in found["hits"][0]["highlights"][0]
    with container.uow() as uow:
        sources = uow.session.scalars(select(PageText.source)).all()
    assert sources == ["text_layer"]
    assert clerk.get(f"/api/v1/documents/{document['id']}").json()["extraction_state"] == "done"


def test_ocred_chinese_and_english_words_are_found_in_a_scan(
        clerk: httpx.Client, container: Container, index: SearchIndex, tmp_path: Path) -> None:
    document = upload(clerk, samples.make_jpeg(tmp_path, text="房屋租赁合同\n甲方 厦门港务\nInvoice total"))
    drain(container, index)
    for word in ("租赁", "厦门", "invoice"):
        assert [h["id"] for h in search(clerk, word)["hits"]] == [document["id"]], word


def test_a_word_on_page_two_of_a_tiff_is_found(clerk: httpx.Client, container: Container,
                                               index: SearchIndex, tmp_path: Path) -> None:
    tiff = samples.make_tiff(tmp_path, pages=2, texts=["第一页 营业执照", "第二页 担保协议"])
    document = upload(clerk, tiff, type="business_licence")
    drain(container, index)
    found = search(clerk, "担保")
    assert [h["id"] for h in found["hits"]] == [document["id"]]
    with container.uow() as uow:
        pages = uow.session.scalars(select(PageText.page).where(PageText.text.contains("担保"))).all()
    assert pages == [2]


def test_an_image_only_pdf_is_found(clerk: httpx.Client, container: Container, index: SearchIndex,
                                    tmp_path: Path) -> None:
    document = upload(clerk, samples.make_scanned_pdf(tmp_path, text="借款合同 乙方 同安建材"))
    drain(container, index)
    assert [h["id"] for h in search(clerk, "借款")["hits"]] == [document["id"]]


def test_filters_exclusions_and_facets_through_the_api(
        clerk: httpx.Client, container: Container, index: SearchIndex, tmp_path: Path) -> None:
    a = upload(clerk, samples.make_pdf(tmp_path, seed=1, text="租赁合同 担保条款"),
               document_date="2023-01-05")
    b = upload(clerk, samples.make_pdf(tmp_path, seed=2, text="租赁合同 普通条款"), type="other",
               document_date="2024-01-05")
    drain(container, index)
    both = search(clerk, "租赁合同")
    assert both["total"] == 2
    assert both["facets"] == {"type": {"contract": 1, "other": 1}, "year": {"2023": 1, "2024": 1}}
    assert [h["id"] for h in search(clerk, "租赁合同 -担保")["hits"]] == [b["id"]]
    assert [h["id"] for h in search(clerk, "租赁合同", year="2023")["hits"]] == [a["id"]]
    assert [h["id"] for h in search(clerk, "租赁合同", type="other")["hits"]] == [b["id"]]
    assert [h["id"] for h in search(clerk, "", sort="-date")["hits"]] == [b["id"], a["id"]]
    for hit in both["hits"]:
        assert any("<em>租赁合同</em>" in h for h in hit["highlights"])


def test_search_needs_a_token_and_refuses_bad_parameters(clerk: httpx.Client) -> None:
    assert httpx.get(f"{clerk.base_url}/api/v1/search", params={"q": "x"}).status_code == 401
    bad = clerk.get("/api/v1/search", params={"q": "x", "sort": "random"})
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "invalid_request"
    only_minus = clerk.get("/api/v1/search", params={"q": "-担保"})
    assert only_minus.status_code == 422 and only_minus.json()["error"]["code"] == "only_exclusions"


def test_a_job_that_keeps_failing_is_parked_with_its_error(
        clerk: httpx.Client, container: Container, index: SearchIndex, tmp_path: Path) -> None:
    from shared.db.models import DocumentVersion

    document = upload(clerk, samples.make_pdf(tmp_path))
    with container.uow() as uow:  # the stored object vanishes: extraction cannot succeed
        key = uow.session.scalars(select(DocumentVersion.object_key)).one()
    container.store.delete(key)
    worker = Worker(container.database, Archive(container, index).handlers(), lease_seconds=60)
    with container.transaction() as session:
        session.execute(Job.__table__.update().values(max_attempts=2))
    for _ in range(2):
        worker.run_once()
        with container.transaction() as session:  # skip the back-off wait
            session.execute(Job.__table__.update().values(run_after=Job.created_at))
    state = clerk.get(f"/api/v1/documents/{document['id']}").json()
    assert state["extraction_state"] == "failed"
    assert "not found" in state["versions"][0]["extraction_error"]
    assert clerk.get("/api/v1/jobs").status_code == 403  # a clerk does not run the machinery
    make_user(container, "ops", role="archivist")
    ops = login(str(clerk.base_url), "ops")
    listing = ops.get("/api/v1/jobs").json()
    assert listing["counts"]["extract"] == {"parked": 1}
    assert listing["parked"][0]["payload"]["document_id"] == document["id"]
    assert ops.post(f"/api/v1/jobs/{listing['parked'][0]['id']}/retry").json() == {"requeued": 1}
    ops.close()


def test_page_one_has_a_preview_once_extracted(clerk: httpx.Client, container: Container,
                                               index: SearchIndex, tmp_path: Path) -> None:
    from io import BytesIO

    from PIL import Image

    document = upload(clerk, samples.make_tiff(tmp_path, pages=2))
    not_yet = clerk.get(f"/api/v1/documents/{document['id']}/preview")
    assert not_yet.status_code == 404 and not_yet.json()["error"]["code"] == "preview_not_ready"
    drain(container, index)
    preview = clerk.get(f"/api/v1/documents/{document['id']}/preview")
    assert preview.status_code == 200 and preview.headers["content-type"] == "image/jpeg"
    image = Image.open(BytesIO(preview.content))
    assert image.format == "JPEG" and max(image.size) <= 1600 and image.width <= 800
