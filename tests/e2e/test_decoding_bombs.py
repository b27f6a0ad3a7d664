"""Decoding bombs: small files that would cost a reader gigabytes or minutes
(content streams that inflate, images declared huge, posters under the pixel
limit). Each is checked at upload and extracted within a memory budget, and
does not hold up another clerk's upload (SPEC §5, §10). Built in
tests/hostile.py, in code."""
from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from shared.bootstrap import Container
from services.search import SearchIndex
from tests import hostile, samples
from tests.conftest import drain, embedded_only, login, make_user
from tests.processes import PeakRss
from tests.residue import holdings, refused_cleanly

MIB = 1024 * 1024
FIELDS = {"type": "contract", "title": "房屋租赁合同", "customer": "C001"}
UPLOAD_BUDGET = 300 * MIB  # what one upload request may add to the server
EXTRACTION_BUDGET = 600 * MIB  # what extracting one file may add (as in test_readable_pdfs)


@pytest.fixture
def api(clerk: httpx.Client, customer: str) -> httpx.Client:
    """A clerk of clearance 1 on the live server whose jobs feed ``index``; customer C001 exists."""
    return clerk


def upload_and_extract(clerk: httpx.Client, container: Container, index: SearchIndex,
                       data: bytes, name: str) -> None:
    """Upload within the upload budget; if accepted, extraction ends (done or
    failed with its reason) within the extraction budget and every read answers."""
    before = holdings(container)
    with PeakRss() as upload_rss:
        response = clerk.post("/api/v1/documents", data=FIELDS, files={"file": (name, data)})
    assert response.status_code < 500, response.text
    assert upload_rss.grown < UPLOAD_BUDGET, (
        f"checking the upload grew the server by {upload_rss.grown / MIB:.0f} MiB")
    if response.status_code != 201:
        refused_cleanly(response, container, before)
        return
    document_id = response.json()["id"]
    with PeakRss() as extraction_rss:
        drain(container, index)
    assert extraction_rss.grown < EXTRACTION_BUDGET, (
        f"extraction grew the worker by {extraction_rss.grown / MIB:.0f} MiB")
    document = clerk.get(f"/api/v1/documents/{document_id}")
    assert document.status_code == 200
    version = document.json()["versions"][0]
    assert version["extraction_state"] in {"done", "failed"}, version
    for path in ("preview", "content"):
        assert clerk.get(f"/api/v1/documents/{document_id}/{path}").status_code < 500


@embedded_only
@pytest.mark.parametrize("build", [hostile.content_bomb, hostile.operator_bomb],
                         ids=["inflates-512MiB", "5M-operators"])
def test_a_page_content_bomb_is_checked_within_the_memory_budget(
        build: Callable[[], bytes], api: httpx.Client, container: Container,
        index: SearchIndex) -> None:
    """services/ingest/pdf.py _first_page_loads loads page 1 at upload, and
    FPDF_LoadPage parses the whole content stream: ~2 bytes of RAM per inflated
    byte (1 GiB for the 500 KB bomb, 1.3 GiB and 5 s for the operators)."""
    upload_and_extract(api, container, index, build(), "bomb.pdf")


@embedded_only
def test_a_page_content_bomb_does_not_stall_another_clerks_upload(
        api: httpx.Client, container: Container, tmp_path: Path) -> None:
    """The page load above runs under PDFIUM_LOCK, which every upload and every
    extraction in the process takes: a sound one-page PDF waited ~4 s behind it."""
    make_user(container, "clerk2", role="clerk")
    other = login(str(api.base_url).rstrip("/"), "clerk2")
    bomb = hostile.operator_bomb()
    sound = samples.make_pdf(tmp_path).read_bytes()
    ended: dict[str, float] = {}

    def send_bomb() -> None:
        api.post("/api/v1/documents", data=FIELDS, files={"file": ("bomb.pdf", bomb)})
        ended["bomb"] = time.monotonic()

    thread = threading.Thread(target=send_bomb)
    thread.start()
    time.sleep(0.3)
    response = other.post("/api/v1/documents", data=FIELDS, files={"file": ("sound.pdf", sound)})
    ended["sound"] = time.monotonic()
    thread.join()
    other.close()
    assert response.status_code == 201, response.text
    # sent after the bomb, answered before it: it did not wait behind the bomb's page load
    assert ended["sound"] < ended["bomb"], ended


@embedded_only
@pytest.mark.parametrize("build", [hostile.declared_image, hostile.inflating_image],
                         ids=["declares-30000x30000", "inflates-1GiB"])


def test_a_page_image_bomb_is_rendered_within_the_memory_budget(
        build: Callable[[], bytes], api: httpx.Client, container: Container,
        index: SearchIndex) -> None:
    """render_page bounds the output bitmap, but pdfium decodes the page's
    image at its declared size first: 1 GiB for the 800-byte file (1.8 GiB at
    40,000², growing with the square of the side)."""
    upload_and_extract(api, container, index, build(), "scan.pdf")


@embedded_only
@pytest.mark.parametrize("build, name", [(hostile.big_rgba_png, "poster.png"),
                                         (hostile.big_cmyk_tiff, "poster.tif"),
                                         (hostile.big_rgb_jpeg, "poster.jpg")],
                         ids=["png-rgba", "tiff-cmyk", "jpeg-rgb"])


def test_an_image_under_the_pixel_limit_is_checked_and_extracted_within_the_memory_budget(
        build: Callable[[], bytes], name: str, api: httpx.Client, container: Container,
        index: SearchIndex) -> None:
    """max_image_pixels counts pixels, not bytes: a 4-byte-per-pixel frame is
    decoded whole at upload (inspect._decode: ~410 MiB) and copied and
    converted again by extraction (pages._ocr_ready, is_blank, preview:
    1–1.2 GiB in the worker)."""
    upload_and_extract(api, container, index, build(), name)
