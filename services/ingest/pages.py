"""Pages of a stored file: the text layer where a PDF page has one, else an
image to OCR — the embedded scan of an image-only PDF page, a render of the
page, or a frame of a TIFF/JPEG/PNG. Images are written as PNG files into a
work folder so OCR processes read them from disk, not from pickled memory."""
from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import pypdfium2 as pdfium
from PIL import Image, ImageSequence
from pypdf import PdfReader

MIN_TEXT_LAYER = 10  # non-blank characters that make a page's text layer worth keeping
OCR_DPI = 300
PREVIEW_WIDTH = 800


@dataclass
class Page:
    number: int  # 1-based
    text: str | None = None  # from the text layer
    image: Path | None = None  # to OCR


def split_pages(path: Path, mime_type: str, workdir: Path) -> Iterator[Page]:
    if mime_type == "application/pdf":
        yield from _pdf_pages(path, workdir)
    else:
        yield from _image_pages(path, workdir)


def _pdf_pages(path: Path, workdir: Path) -> Iterator[Page]:
    with warnings.catch_warnings(), path.open("rb") as handle:
        warnings.simplefilter("ignore")
        reader = PdfReader(handle, strict=False)
        for index, page in enumerate(reader.pages):
            text = page.extract_text() or ""
            if sum(not c.isspace() for c in text) >= MIN_TEXT_LAYER:
                yield Page(index + 1, text=text)
                continue
            target = workdir / f"page-{index + 1:05d}.png"
            scan = _single_scan(page)
            if scan is not None:
                scan.save(target)
            else:
                _render(path, index, OCR_DPI).save(target)
            yield Page(index + 1, image=target)


def _single_scan(page) -> Image.Image | None:  # type: ignore[no-untyped-def]
    """The page's embedded image when the page is one scan and nothing else."""
    try:
        images = list(page.images)
        if len(images) != 1:
            return None
        image = images[0].image
    except Exception:  # noqa: BLE001 - unusual encodings fall back to a render
        return None
    if image is None or min(image.size) < 300:
        return None
    return image.convert("L") if image.mode not in ("L", "RGB") else image


def _render(path: Path, index: int, dpi: int) -> Image.Image:
    document = pdfium.PdfDocument(str(path))
    try:
        return document[index].render(scale=dpi / 72, grayscale=True).to_pil()
    finally:
        document.close()


def _image_pages(path: Path, workdir: Path) -> Iterator[Page]:
    with Image.open(path) as image:
        for index, frame in enumerate(ImageSequence.Iterator(image)):
            target = workdir / f"page-{index + 1:05d}.png"
            _ocr_ready(frame).save(target)
            yield Page(index + 1, image=target)


def _ocr_ready(frame: Image.Image) -> Image.Image:
    if frame.mode in ("L", "RGB"):
        return frame.copy()
    return frame.convert("RGB" if frame.mode in ("RGBA", "P", "CMYK", "YCbCr", "LA") else "L")


def preview(path: Path, mime_type: str, target: Path) -> Path:
    """A JPEG of page 1, PREVIEW_WIDTH wide at most."""
    if mime_type == "application/pdf":
        image = _render(path, 0, 100)
    else:
        with Image.open(path) as source:
            image = _ocr_ready(source)
    image.thumbnail((PREVIEW_WIDTH, PREVIEW_WIDTH * 2))
    image.convert("RGB").save(target, "JPEG", quality=80)
    return target
