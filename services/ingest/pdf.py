"""Reading PDFs the way readers do (SPEC §5 "real files").

pdfium — Chrome's PDF engine — opens first: it tries the empty user password
by itself (files that only carry permissions) and repairs broken
cross-reference tables quickly. Only when pdfium cannot open a file is pypdf's
repair tried, in a child process with a time limit, because rebuilding a
damaged file's cross-reference table can take pypdf tens of seconds. A file
neither opens is refused; one that needs a password is refused as encrypted.

pdfium is not thread-safe: every call into it in this process holds
``PDFIUM_LOCK``."""
from __future__ import annotations

import json
import math
import subprocess
import sys
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pypdfium2 as pdfium
from PIL import Image

from shared.domain.errors import Refused

PDFIUM_LOCK = threading.RLock()
PASSWORD_ERROR = 4  # FPDF_ERR_PASSWORD
PROBE_SECONDS = 15.0


@dataclass(frozen=True)
class PdfFacts:
    pages: int
    opened_by: str  # "pdfium" or "pypdf"


def inspect_pdf(path: Path, *, filename: str, max_pages: int) -> PdfFacts:
    """Page count of a PDF some reader opens, or Refused naming why not."""
    facts: PdfFacts | None = None
    with PDFIUM_LOCK:
        try:
            document = pdfium.PdfDocument(str(path))
        except pdfium.PdfiumError as exc:
            if getattr(exc, "err_code", None) == PASSWORD_ERROR:
                raise _encrypted(filename) from None
            document = None
        if document is not None:
            try:
                facts = PdfFacts(len(document), "pdfium") if _first_page_loads(document) else None
            finally:
                document.close()
    if facts is None:
        facts = PdfFacts(_probe_with_pypdf(path, filename), "pypdf")
    if facts.pages == 0:
        raise Refused(f"{filename} is a PDF without pages", code="corrupt_pdf")
    if facts.pages > max_pages:
        raise Refused(f"{filename} has {facts.pages} pages; at most {max_pages} are archived "
                      "in one file: split it", code="too_many_pages",
                      detail={"pages": facts.pages, "max_pages": max_pages})
    return facts


def _first_page_loads(document: pdfium.PdfDocument) -> bool:
    """A document whose first page object cannot even be loaded is not one pdfium
    reads (only the page dictionary is parsed here, not its content)."""
    if len(document) == 0:
        return True  # refused below as a PDF without pages
    try:
        document[0].close()
    except pdfium.PdfiumError:
        return False
    return True


def _encrypted(filename: str) -> Refused:
    return Refused(f"{filename} is an encrypted PDF that needs a password to open; "
                   "archive it without one", code="encrypted_pdf")


def _probe_with_pypdf(path: Path, filename: str) -> int:
    try:
        done = subprocess.run([sys.executable, "-m", "services.ingest.pdf", str(path)],
                              capture_output=True, timeout=PROBE_SECONDS, check=False)
    except subprocess.TimeoutExpired:
        raise Refused(f"{filename} is a damaged PDF that could not be repaired within "
                      f"{PROBE_SECONDS:.0f} s", code="corrupt_pdf") from None
    try:
        answer = json.loads(done.stdout.decode("utf-8") or "{}")
    except ValueError:
        answer = {}
    if answer.get("encrypted"):
        raise _encrypted(filename)
    if "pages" not in answer:
        reason = answer.get("error") or done.stderr.decode("utf-8", "replace")[-300:] or "unreadable"
        raise Refused(f"{filename} is a damaged PDF that no reader opens: {reason}",
                      code="corrupt_pdf")
    return int(answer["pages"])


def _pypdf_answer(path: Path) -> dict:
    """What pypdf makes of a file pdfium refused (run in the probe process)."""
    from pypdf import PdfReader

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reader = PdfReader(str(path), strict=False)
            if reader.is_encrypted and not reader.decrypt(""):
                return {"encrypted": True}
            for page in reader.pages:
                _ = page.mediabox, page.get_contents()
            return {"pages": len(reader.pages)}
    except Exception as exc:  # any failure of the library means: unreadable
        return {"error": f"{type(exc).__name__}: {exc}"[:300]}


@contextmanager
def opened(path: Path, workdir: Path) -> Iterator[pdfium.PdfDocument]:
    """A pdfium document for ``path``; a file only pypdf could open is first
    rewritten by pypdf into a sound copy in ``workdir``. Hold PDFIUM_LOCK."""
    try:
        document = pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError:
        document = pdfium.PdfDocument(str(repaired_copy(path, workdir / "repaired.pdf")))
    try:
        yield document
    finally:
        document.close()


def repaired_copy(path: Path, target: Path) -> Path:
    from pypdf import PdfReader, PdfWriter

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reader = PdfReader(str(path), strict=False)
        if reader.is_encrypted:
            reader.decrypt("")
        writer = PdfWriter(clone_from=reader)
        with target.open("wb") as out:
            writer.write(out)
    return target


def render_scale(width_pt: float, height_pt: float, *, dpi: int, max_pixels: int) -> float:
    """The scale for ``dpi``, lowered so the bitmap stays within ``max_pixels``:
    a page box of 10,000 points renders small instead of exhausting memory."""
    scale = dpi / 72
    area = max(width_pt, 1.0) * max(height_pt, 1.0)
    if area * scale * scale > max_pixels:
        scale = math.sqrt(max_pixels / area)
    return scale


def render_page(document: pdfium.PdfDocument, index: int, *, dpi: int,
                max_pixels: int) -> Image.Image:
    """Page ``index`` as a greyscale image within the pixel budget."""
    page = document[index]
    try:
        width, height = page.get_size()
        scale = render_scale(width, height, dpi=dpi, max_pixels=max_pixels)
        bitmap = page.render(scale=scale, grayscale=True)
        try:
            return bitmap.to_pil().copy()
        finally:
            bitmap.close()
    finally:
        page.close()


def page_text(document: pdfium.PdfDocument, index: int) -> str:
    page = document[index]
    try:
        textpage = page.get_textpage()
        try:
            return textpage.get_text_range().replace("\r\n", "\n").replace("\r", "\n")
        finally:
            textpage.close()
    finally:
        page.close()


if __name__ == "__main__":  # the probe: python -m services.ingest.pdf FILE
    import resource

    # a hostile file may not take the machine's memory with it
    resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))
    print(json.dumps(_pypdf_answer(Path(sys.argv[1]))))
