"""The extraction job: text of every page (text layer or OCR), a preview of
page 1, then an index job for search. Idempotent: a rerun replaces the texts."""
from __future__ import annotations

import logging
import shutil
import tempfile
from pathlib import Path

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from shared.bootstrap import Container
from shared.db.models import Document, DocumentVersion, PageText
from shared.domain.errors import NotFound
from shared.jobs.queue import INDEX, Claimed, enqueue
from services.ingest.ocr import OcrPool
from services.ingest.pages import Page, preview, split_pages

log = logging.getLogger(__name__)
BATCH = 8  # pages held on disk at a time while OCR runs


class ExtractHandler:
    """Runs ``extract`` jobs: {"document_id", "version"}."""

    def __init__(self, ocr: OcrPool) -> None:
        self.ocr = ocr

    def run(self, ctx: Container, job: Claimed) -> None:
        document_id, number = job.payload["document_id"], int(job.payload["version"])
        with ctx.uow() as uow:
            version = _version(uow.session, document_id, number)
            if version is None:  # destroyed meanwhile: nothing to do
                return
            key, object_version, mime = version.object_key, version.object_version, version.mime_type
        workdir = Path(tempfile.mkdtemp(prefix="extract-", dir=_spool(ctx)))
        try:
            source = _download(ctx, key, object_version, workdir / "source")
            texts = self._texts(source, mime, workdir)
            preview_key = _store_preview(ctx, source, mime, workdir, document_id, number)
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
        with ctx.transaction() as session:
            _save(session, document_id, number, texts, preview_key)

    def _texts(self, source: Path, mime: str, workdir: Path) -> list[tuple[int, str, str]]:
        texts: list[tuple[int, str, str]] = []
        batch: list[Page] = []
        for page in split_pages(source, mime, workdir):
            if page.text is not None:
                texts.append((page.number, "text_layer", page.text))
                continue
            batch.append(page)
            if len(batch) >= BATCH:
                texts.extend(self._ocr(batch))
                batch = []
        texts.extend(self._ocr(batch))
        return sorted(texts)

    def _ocr(self, pages: list[Page]) -> list[tuple[int, str, str]]:
        if not pages:
            return []
        results = self.ocr.recognise([p.image for p in pages if p.image])
        for page in pages:
            if page.image:
                page.image.unlink(missing_ok=True)
        return [(p.number, "ocr", text) for p, text in zip(pages, results)]

    def parked(self, session: Session, job: Claimed, error: str) -> None:
        version = _version(session, job.payload["document_id"], int(job.payload["version"]))
        if version is not None:
            version.extraction_state = "failed"
            version.extraction_error = error


def _spool(ctx: Container) -> Path:
    ctx.settings.spool_dir.mkdir(parents=True, exist_ok=True)
    return ctx.settings.spool_dir


def _version(session: Session, document_id: str, number: int) -> DocumentVersion | None:
    return session.scalar(select(DocumentVersion).join(Document).where(
        DocumentVersion.document_id == document_id, DocumentVersion.number == number,
        Document.status != "destroyed"))


def _download(ctx: Container, key: str, object_version: str | None, target: Path) -> Path:
    with target.open("wb") as out:
        for chunk in ctx.store.iter_chunks(key, version_id=object_version):
            out.write(chunk)
    return target


def _store_preview(ctx: Container, source: Path, mime: str, workdir: Path, document_id: str,
                   number: int) -> str:
    key = f"previews/{document_id}/v{number}.jpg"
    if not ctx.store.exists(key):  # a rerun after a crash finds it already there
        image = preview(source, mime, workdir / "preview.jpg")
        ctx.store.put_file(key, image, content_type="image/jpeg")
    return key


def _save(session: Session, document_id: str, number: int, texts: list[tuple[int, str, str]],
          preview_key: str) -> None:
    version = _version(session, document_id, number)
    if version is None:
        raise NotFound(f"document {document_id} version {number} is gone")
    session.execute(delete(PageText).where(PageText.document_id == document_id,
                                           PageText.version == number))
    session.add_all(PageText(document_id=document_id, version=number, page=page, source=source,
                             text=text) for page, source, text in texts)
    version.page_count = len(texts)
    version.extraction_state = "done"
    version.extraction_error = None
    version.preview_key = preview_key
    enqueue(session, kind=INDEX, payload={"document_id": document_id})
