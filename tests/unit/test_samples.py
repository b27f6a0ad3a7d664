"""The sample generators in tests/samples.py produce what they claim."""
from __future__ import annotations

import hashlib
import zipfile

import magic
import pytest
from PIL import Image
from pypdf import PdfReader
from pypdf.errors import PyPdfError

from tests import samples


def mime(path) -> str:
    return magic.from_file(str(path), mime=True)


def sha256(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (samples.make_pdf, "application/pdf"),
        (samples.make_scanned_pdf, "application/pdf"),
        (samples.make_jpeg, "image/jpeg"),
        (samples.make_png, "image/png"),
        (samples.make_tiff, "image/tiff"),
    ],
)
def test_accepted_files_sniff_as_their_type_and_vary_with_seed(tmp_path, make, expected):
    first = make(tmp_path / "a", seed=1)
    again = make(tmp_path / "b", seed=1)
    other = make(tmp_path / "c", seed=2)
    assert mime(first) == expected
    assert first.stat().st_size < 200_000
    assert sha256(first) == sha256(again)
    assert sha256(first) != sha256(other)


def test_make_pdf_page_count_text_and_distinct_hashes(tmp_path):
    path = samples.make_pdf(tmp_path, pages=3)
    reader = PdfReader(path)
    assert len(reader.pages) == 3
    assert "合同" in reader.pages[0].extract_text()
    assert "page 3" in reader.pages[2].extract_text()
    one = samples.make_pdf(tmp_path, text="合同 A", name="a.pdf")
    two = samples.make_pdf(tmp_path, text="合同 B", name="b.pdf")
    assert sha256(one) != sha256(two)


def test_scanned_pdf_has_pages_but_no_text(tmp_path):
    reader = PdfReader(samples.make_scanned_pdf(tmp_path, pages=2))
    assert len(reader.pages) == 2
    assert all(page.extract_text().strip() == "" for page in reader.pages)


def test_images_decode_to_page_size(tmp_path):
    for path in (samples.make_jpeg(tmp_path), samples.make_png(tmp_path)):
        with Image.open(path) as image:
            image.load()
            assert image.size == samples.PAGE_SIZE


def test_tiff_has_one_frame_per_page(tmp_path):
    with Image.open(samples.make_tiff(tmp_path, pages=3)) as image:
        assert image.n_frames == 3
    with Image.open(samples.make_tiff(tmp_path, texts=["一", "二"], name="t.tif")) as image:
        assert image.n_frames == 2


def test_lying_extension_is_png_named_pdf(tmp_path):
    path = samples.make_lying_extension(tmp_path)
    assert path.name == "contract.pdf"
    assert mime(path) == "image/png"


def test_executables(tmp_path):
    assert mime(samples.make_executable(tmp_path)) in {
        "application/x-pie-executable", "application/x-executable", "application/x-sharedlib"}
    assert mime(samples.make_windows_executable(tmp_path)) in {
        "application/x-dosexec", "application/vnd.microsoft.portable-executable"}


@pytest.mark.parametrize("name", ["scans.zip", "scans.pdf"])
def test_zip_holds_a_pdf_whatever_its_name(tmp_path, name):
    path = samples.make_zip(tmp_path, name=name)
    assert path.name == name
    assert mime(path) == "application/zip"
    with zipfile.ZipFile(path) as archive:
        assert archive.read("contract.pdf").startswith(b"%PDF-")


def test_encrypted_pdf(tmp_path):
    path = samples.make_encrypted_pdf(tmp_path)
    assert mime(path) == "application/pdf"
    reader = PdfReader(path)
    assert reader.is_encrypted
    assert reader.decrypt("secret")
    assert len(reader.pages) == 1


@pytest.mark.parametrize("make", [samples.make_corrupt_pdf, samples.make_truncated_pdf])
def test_damaged_pdfs_sniff_as_pdf_but_pypdf_raises(tmp_path, make):
    path = make(tmp_path)
    assert mime(path) == "application/pdf"
    with pytest.raises(PyPdfError):
        reader = PdfReader(path, strict=False)
        for page in reader.pages:
            page.get_contents()


def test_empty(tmp_path):
    path = samples.make_empty(tmp_path)
    assert path.stat().st_size == 0
    assert mime(path) in {"inode/x-empty", "application/x-empty"}


def test_image_bomb_declares_huge_size_in_a_small_file(tmp_path, monkeypatch):
    path = samples.make_image_bomb(tmp_path)
    assert path.stat().st_size < 100_000
    assert mime(path) == "image/png"
    with pytest.raises(Image.DecompressionBombError):
        Image.open(path)
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", None)
    with Image.open(path) as image:
        assert image.size == (25000, 25000)


def test_small_bomb_layout_decodes_to_white(tmp_path):
    path = samples.make_image_bomb(tmp_path, width=3001, height=1500, bit_depth=1)
    with Image.open(path) as image:
        image.load()
        assert image.size == (3001, 1500)
        assert image.convert("L").getextrema() == (255, 255)


def test_corrupt_jpeg_opens_but_does_not_load(tmp_path):
    path = samples.make_corrupt_jpeg(tmp_path)
    assert mime(path) == "image/jpeg"
    with Image.open(path) as image, pytest.raises(OSError, match="truncated"):
        image.load()


def test_big_file_size_and_validity(tmp_path):
    requested = 5 * 1024 * 1024
    path = samples.make_big_file(tmp_path, size_bytes=requested)
    assert abs(path.stat().st_size - requested) <= requested // 100
    assert mime(path) == "application/pdf"
    reader = PdfReader(path, strict=True)
    assert len(reader.pages) == 1
    assert reader.pages[0].get_contents() is not None
