"""The extraction job: text of every page (text layer or OCR), a preview of
page 1, then an index job for search. Idempotent: a rerun replaces the texts.

A long document is worked in slices of pages: each slice saves its pages'
text and queues the next slice as a new job, behind whatever was uploaded
meanwhile, so a 500-page scan shares the workers with everyone else's
one-page contracts instead of holding one for an hour. A file that no reader
can open fails for good at once (PermanentFailure): retrying cannot help."""
from __future__ import annotations

import logging
import shutil
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pypdfium2 as pdfium
from PIL import Image, UnidentifiedImageError
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from shared.config import Settings
from shared.db.models import Document, DocumentVersion, PageText
from shared.db.session import Database
from shared.domain.errors import NotFound, PermanentFailure
from shared.domain.keys import preview_key
from shared.domain.model import ExtractionState
from shared.jobs.queue import EXTRACT, INDEX, Claimed, enqueue
from shared.storage import BlobStore
from services.ingest.ocr import OcrFailed, OcrPool
from services.ingest.pages import FRAME_ERRORS, Budget, Page, count_pages, preview, read_pages
from services.ingest.sandbox import DecodeFailed, reading_sandbox
from services.ingest.spool import work_dir

log = logging.getLogger(__name__)
# A slice is one round of the OCR pool (a page per process, at least 2): the
# longest another document waits for the lane is then about one page's OCR.
MIN_SLICE_PAGES = 2
READ_SECONDS = 30.0  # the longest reading one slice's pages (or its preview) may take
# what the readers raise for a file they cannot decode: the same on every attempt
UNREADABLE = (pdfium.PdfiumError, UnidentifiedImageError, Image.DecompressionBombError)


@dataclass(frozen=True)
class _Target:
    document_id: str
    number: int
    key: str
    object_version: str | None
    mime: str
    sha256: str


@dataclass(frozen=True)
class ExtractionLimits:
    """What one extraction may cost, from the settings: pixels rendered per page
    (DANGAN_MAX_RENDER_PIXELS), pixels per image (DANGAN_MAX_IMAGE_PIXELS), pages
    read per file (DANGAN_MAX_PAGES); and where its work files go."""
    render_pixels: int
    image_pixels: int
    max_pages: int
    spool_dir: Path

    @classmethod
    def from_settings(cls, settings: Settings) -> ExtractionLimits:
        return cls(render_pixels=settings.max_render_pixels, image_pixels=settings.max_image_pixels,
                   max_pages=settings.max_pages, spool_dir=settings.spool_dir)


class ExtractHandler:
    """Runs ``extract`` jobs: {"document_id", "version", "from_page"?}."""

    def __init__(self, ocr: OcrPool, *, database: Database, store: BlobStore,
                 limits: ExtractionLimits) -> None:
        self.ocr, self.database, self.store, self.limits = ocr, database, store, limits
        self.slice_pages = max(MIN_SLICE_PAGES, ocr.workers)
        self.reader = reading_sandbox()  # pdfium and Pillow decode out of this process

    def run(self, job: Claimed) -> None:
        target = self._target(job)
        if target is None:  # destroyed meanwhile: nothing to do
            return
        first = int(job.payload.get("from_page", 1))
        budget = Budget(render_pixels=self.limits.render_pixels,
                        image_pixels=self.limits.image_pixels)
        workdir = Path(tempfile.mkdtemp(prefix="extract-", dir=work_dir(self.limits.spool_dir)))
        try:
            source = self._source_copy(target)
            total = min(self._count(source, target.mime, workdir, budget), self.limits.max_pages)
            last = min(total, first + self.slice_pages - 1)
            try:
                texts = self._texts(source, target.mime, workdir, first, last, budget)
                page_one_read = first == 1 and not any(
                    page == 1 and kind == "unreadable" for page, kind, _ in texts)
                preview = (self._preview(source, target, workdir, budget) if page_one_read
                           else None)
            except UNREADABLE as exc:
                raise PermanentFailure(f"a page cannot be rendered: {type(exc).__name__}: {exc}",
                                       code="unreadable_file") from exc
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
        with self.database.transaction() as session:
            finished = _save(session, target, texts, first=first, last=last, total=total,
                             preview_key=preview)
        if finished:
            self._drop_source_copy(target)

    def _count(self, source: Path, mime: str, workdir: Path, budget: Budget) -> int:
        try:
            return self.reader.call(count_pages, source, mime, workdir, budget,
                                    timeout=READ_SECONDS)
        except Exception as exc:  # no reader opens it: no retry will either
            raise PermanentFailure(f"the stored file cannot be opened: {type(exc).__name__}: {exc}",
                                   code="unreadable_file") from exc

    def _pages(self, source: Path, mime: str, workdir: Path, first: int, last: int,
               budget: Budget) -> list[Page]:
        """The slice's pages, read in the decoding process; if the slice is too
        costly there, page by page, so only the page at fault is lost."""
        try:
            return self.reader.call(read_pages, source, mime, workdir, first=first, last=last,
                                    budget=budget, timeout=READ_SECONDS)
        except DecodeFailed:
            if first == last:
                return [Page(first, text="", source="unreadable")]
        return [page for number in range(first, last + 1)
                for page in self._pages(source, mime, workdir, number, number, budget)]

    def _texts(self, source: Path, mime: str, workdir: Path, first: int, last: int,
               budget: Budget) -> list[tuple[int, str, str]]:
        pages = self._pages(source, mime, workdir, first, last, budget)
        texts = [(p.number, p.source, p.text or "") for p in pages if p.image is None]
        texts += self._ocr([p for p in pages if p.image is not None])
        return sorted(texts)

    def _preview(self, source: Path, target: _Target, workdir: Path,
                 budget: Budget) -> str | None:
        """The preview's key, or None when page 1 cannot be rendered (the text of
        the other pages is worth keeping all the same)."""
        key = preview_key(target.document_id, target.number)
        if not self.store.exists(key):  # a rerun after a crash finds it already there
            try:
                image = self.reader.call(preview, source, target.mime, workdir / "preview.jpg",
                                         workdir, budget, timeout=READ_SECONDS)
            except (DecodeFailed, *UNREADABLE, *FRAME_ERRORS) as exc:
                log.warning("no preview of %s v%s: %s", target.document_id, target.number, exc)
                return None
            self.store.put_file(key, image, content_type="image/jpeg")
        return key

    def _ocr(self, pages: list[Page]) -> list[tuple[int, str, str]]:
        if not pages:
            return []
        results: Sequence[str | None]
        try:
            results = self.ocr.recognise([p.image for p in pages if p.image])
        except OcrFailed:
            results = [self._ocr_one(p) for p in pages]  # find the page that cannot be read
        for page in pages:
            if page.image:
                page.image.unlink(missing_ok=True)
        return [(p.number, _source(p, text), "\n".join(t for t in (p.text, text) if t))
                for p, text in zip(pages, results, strict=True)]

    def _ocr_one(self, page: Page) -> str | None:
        try:
            return self.ocr.recognise([page.image])[0] if page.image else ""
        except OcrFailed as exc:
            log.warning("page %s could not be read: %s", page.number, exc)
            return None

    def _target(self, job: Claimed) -> _Target | None:
        with self.database.uow() as uow:
            version = _version(uow.session, job.payload["document_id"], int(job.payload["version"]))
            if version is None:
                return None
            return _Target(version.document_id, version.number, version.object_key,
                           version.object_version, version.mime_type, version.sha256)

    def _source_copy(self, target: _Target) -> Path:
        """The version's bytes in this process's work folder, kept from one slice to
        the next of the same document (removed after its last slice, and with the
        folder if the process dies)."""
        folder = work_dir(self.limits.spool_dir) / "sources"
        folder.mkdir(exist_ok=True)
        path = folder / target.sha256
        if path.exists():
            return path
        partial = folder / f".{target.sha256}.partial"
        with partial.open("wb") as out:
            for chunk in self.store.iter_chunks(target.key, version_id=target.object_version):
                out.write(chunk)
        partial.replace(path)
        for stale in folder.iterdir():  # another document's copy whose slices moved elsewhere
            if stale != path and time.time() - stale.stat().st_mtime > 3600:
                stale.unlink(missing_ok=True)
        return path

    def _drop_source_copy(self, target: _Target) -> None:
        (work_dir(self.limits.spool_dir) / "sources" / target.sha256).unlink(missing_ok=True)

    def parked(self, session: Session, job: Claimed, error: str) -> None:
        version = _version(session, job.payload["document_id"], int(job.payload["version"]))
        if version is not None:
            version.extraction_state = ExtractionState.FAILED.value
            version.extraction_error = error
            # still found by its title, customer, type and dates, with its state
            enqueue(session, kind=INDEX, payload={"document_id": version.document_id})


def _source(page: Page, ocr_text: str | None) -> str:
    if ocr_text is None:
        return "text_layer" if page.text else "unreadable"
    return page.source if page.text else "ocr"


def _version(session: Session, document_id: str, number: int) -> DocumentVersion | None:
    return session.scalar(select(DocumentVersion).join(Document).where(
        DocumentVersion.document_id == document_id, DocumentVersion.number == number,
        Document.status != "destroyed"))


def _save(session: Session, target: _Target, texts: list[tuple[int, str, str]], *, first: int,
          last: int, total: int, preview_key: str | None) -> bool:
    """Store a slice's pages; queue the next slice, or finish. True when finished."""
    version = _version(session, target.document_id, target.number)
    if version is None:
        raise NotFound(f"document {target.document_id} version {target.number} is gone")
    done_to = texts[-1][0] if texts else last
    session.execute(delete(PageText).where(
        PageText.document_id == target.document_id, PageText.version == target.number,
        PageText.page >= first, PageText.page <= done_to))
    session.add_all(PageText(document_id=target.document_id, version=target.number, page=page,
                             source=source, text=text) for page, source, text in texts)
    if preview_key:
        version.preview_key = preview_key
    enqueue(session, kind=INDEX, payload={"document_id": target.document_id})
    if done_to < total:  # the next slice, behind what is queued now
        enqueue(session, kind=EXTRACT, payload={"document_id": target.document_id,
                                                "version": target.number, "from_page": done_to + 1})
        return False
    unreadable = list(session.scalars(select(PageText.page).where(
        PageText.document_id == target.document_id, PageText.version == target.number,
        PageText.source == "unreadable").order_by(PageText.page)))
    version.page_count = total
    version.extraction_state = ExtractionState.DONE.value
    version.extraction_error = (f"pages that could not be read: {unreadable}" if unreadable
                                else None)
    return True
