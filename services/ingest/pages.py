"""Pages of a stored file, a range at a time: the text layer where a PDF page
has a trustworthy one, else an image to OCR — the embedded scan of an
image-only page, or a render of the page within a pixel budget — or a frame
of a TIFF/JPEG/PNG. Blank pages are recognised and not OCRed. Images are
written as PNG files into a work folder so OCR processes read them from disk,
not from pickled memory."""
from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
from PIL import Image, ImageSequence

from services.ingest.inspect import open_image
from services.ingest.pdf import PDFIUM_LOCK, opened, page_text, render_page
from services.ingest.text_quality import TRUSTED, better, quality

OCR_DPI = 300
PREVIEW_DPI = 100
PREVIEW_WIDTH = 800
CLEARLY_GOOD = 0.9  # a pdfium text this good is kept without asking pypdf as well
FRAME_ERRORS = (OSError, ValueError, SyntaxError, EOFError)  # Pillow on a damaged frame


@dataclass
class Page:
    number: int  # 1-based
    text: str | None = None  # from the text layer ("" for a blank page)
    image: Path | None = None  # to OCR
    source: str = "text_layer"


@dataclass(frozen=True)
class Budget:
    """Bounds on the work one page may cost."""

    render_pixels: int  # a rendered page's bitmap
    image_pixels: int  # an image file's frame, as at upload


def count_pages(path: Path, mime_type: str, workdir: Path, budget: Budget) -> int:
    if mime_type == "application/pdf":
        with PDFIUM_LOCK, opened(path, workdir) as document:
            return len(document)
    with open_image(path, max_pixels=budget.image_pixels) as image:
        return sum(1 for _ in ImageSequence.Iterator(image))


def read_pages(path: Path, mime_type: str, workdir: Path, *, first: int, last: int,
               budget: Budget) -> list[Page]:
    """Pages ``first`` to ``last`` as a list (what a decoding process sends back)."""
    return list(split_pages(path, mime_type, workdir, first=first, last=last, budget=budget))


def split_pages(path: Path, mime_type: str, workdir: Path, *, first: int, last: int,
                budget: Budget) -> Iterator[Page]:
    """Pages ``first`` to ``last`` (1-based, inclusive)."""
    if mime_type == "application/pdf":
        yield from _pdf_pages(path, workdir, first, last, budget)
    else:
        yield from _image_pages(path, workdir, first, last, budget)


def _pdf_pages(path: Path, workdir: Path, first: int, last: int, budget: Budget) -> Iterator[Page]:
    with ExitStack() as stack:
        with PDFIUM_LOCK:
            document = stack.enter_context(opened(path, workdir))
        fallback = _PypdfPages(path)
        for number in range(first, last + 1):
            try:
                yield _pdf_page(document, fallback, number, workdir, budget)
            except pdfium.PdfiumError:
                # this page object is broken (the others may be fine): say so, go on
                yield Page(number, text="", source="unreadable")


def _pdf_page(document: pdfium.PdfDocument, fallback: _PypdfPages, number: int, workdir: Path,
              budget: Budget) -> Page:
    index = number - 1
    with PDFIUM_LOCK:
        text = page_text(document, index)
    if quality(text) < CLEARLY_GOOD:
        text, score = better([text, fallback.text(index)])
    else:
        score = 1.0
    if score >= TRUSTED:
        return Page(number, text=text)
    # a few clean characters ("あいうえお", a page number on a scan): kept, and
    # the page is OCRed as well, for whatever else it shows
    short, short_score = better([text, fallback.text(index)], min_chars=1)
    image = fallback.single_scan(index, budget.render_pixels)
    if image is None:
        with PDFIUM_LOCK:
            image = render_page(document, index, dpi=OCR_DPI, max_pixels=budget.render_pixels)
    page = _to_ocr(image, number, workdir, max_pixels=budget.render_pixels)
    if short_score >= TRUSTED:
        page.text = short
        page.source = "text_layer+ocr" if page.image is not None else "text_layer"
    return page


class _PypdfPages:
    """pypdf's view of the same file, opened only if a page needs it. Any
    failure of pypdf on a page means it has nothing better to offer there."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._reader: Any = None
        self._failed = False

    def _pages(self) -> Any:
        if self._reader is None and not self._failed:
            from pypdf import PdfReader

            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    self._reader = PdfReader(str(self.path), strict=False)
                    if self._reader.is_encrypted:
                        self._reader.decrypt("")
            except Exception:  # pdfium opened it; pypdf just cannot help
                self._failed = True
        return self._reader.pages if self._reader is not None else None

    def text(self, index: int) -> str:
        try:
            pages = self._pages()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return (pages[index].extract_text() or "") if pages is not None else ""
        except Exception:  # see the class docstring
            return ""

    def single_scan(self, index: int, max_pixels: int) -> Image.Image | None:
        """The page's embedded image when the page is one scan and nothing else,
        checked by its declared size before anything is decoded."""
        try:
            pages = self._pages()
            if pages is None:
                return None
            xobjects = pages[index]["/Resources"]["/XObject"].get_object()
            if len(xobjects) != 1:
                return None
            stream = next(iter(xobjects.values())).get_object()
            width, height = int(stream["/Width"]), int(stream["/Height"])
            filters = stream.get("/Filter")
            names = [str(f) for f in filters] if isinstance(filters, list) else [str(filters)]
            if (stream.get("/Subtype") != "/Image" or min(width, height) < 300
                    or width * height > max_pixels or "/JBIG2Decode" in names):
                return None
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                image = pages[index].images[0].image
        except Exception:  # unusual encodings fall back to a render by pdfium
            return None
        if image is None:
            return None
        return image.convert("L") if image.mode not in ("L", "RGB") else image


def _image_pages(path: Path, workdir: Path, first: int, last: int, budget: Budget) -> Iterator[Page]:
    with open_image(path, max_pixels=budget.image_pixels) as image:
        frames = ImageSequence.Iterator(image)
        number = 0
        while number < last:
            try:
                frame = next(frames)
            except StopIteration:
                return
            except FRAME_ERRORS:  # the file breaks off here: what follows cannot be read
                yield from (Page(n, text="", source="unreadable")
                            for n in range(max(first, number + 1), last + 1))
                return
            number += 1
            if number < first:
                continue
            try:
                yield _to_ocr(_ocr_ready(frame), number, workdir, max_pixels=budget.render_pixels)
            except FRAME_ERRORS:
                yield Page(number, text="", source="unreadable")


def _to_ocr(image: Image.Image, number: int, workdir: Path, *, max_pixels: int) -> Page:
    if is_blank(image):
        return Page(number, text="", source="blank")
    if image.width * image.height > max_pixels:  # a poster-sized frame: OCR reads it smaller
        scale = (max_pixels / (image.width * image.height)) ** 0.5
        image = image.resize((max(1, int(image.width * scale)), max(1, int(image.height * scale))))
    target = workdir / f"page-{number:05d}.png"
    image.save(target)
    return Page(number, image=target, source="ocr")


def is_blank(image: Image.Image) -> bool:
    """A page of one flat tone, without a single darker mark: nothing for OCR
    to read. (Scanner specks make a page not blank; it is then OCRed.)"""
    low, high = image.convert("L").getextrema()
    return high - low < 40  # type: ignore[operator]  # one band ("L"): (min, max), not a pair per band


def _ocr_ready(frame: Image.Image) -> Image.Image:
    if frame.mode in ("L", "RGB"):
        return frame.copy()
    return frame.convert("RGB" if frame.mode in ("RGBA", "P", "CMYK", "YCbCr", "LA") else "L")


def preview(path: Path, mime_type: str, target: Path, workdir: Path, budget: Budget) -> Path:
    """A JPEG of page 1, PREVIEW_WIDTH wide at most."""
    if mime_type == "application/pdf":
        with PDFIUM_LOCK, opened(path, workdir) as document:
            image = render_page(document, 0, dpi=PREVIEW_DPI,
                                max_pixels=min(budget.render_pixels, 4_000_000))
    else:
        with open_image(path, max_pixels=budget.image_pixels) as source:
            image = _ocr_ready(source)
    image.thumbnail((PREVIEW_WIDTH, PREVIEW_WIDTH * 2))
    image.convert("RGB").save(target, "JPEG", quality=80)
    return target
