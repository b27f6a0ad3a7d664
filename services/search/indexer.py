"""Index jobs: (re)index one document from the database, or remove it.

Index writes go through the job queue, so a search engine that is down delays
indexing and loses nothing; ``rebuild`` makes the whole index again from the
database (``dangan reindex``)."""
from __future__ import annotations

from typing import Iterator

from sqlalchemy import select
from sqlalchemy.orm import Session

from shared.bootstrap import Container
from shared.db.models import Document, PageText
from shared.jobs.queue import Claimed
from services.search.base import IndexedDocument, SearchIndex

PAGE_BREAK = "\n\n"
BATCH = 500


def indexed_document(session: Session, document: Document) -> IndexedDocument:
    latest = document.versions[-1].number if document.versions else 0
    pages = session.scalars(select(PageText.text).where(
        PageText.document_id == document.id, PageText.version == latest).order_by(PageText.page))
    return IndexedDocument(
        id=document.id, archive_number=document.archive_number, title=document.title,
        text=PAGE_BREAK.join(pages), type=document.type, secrecy=document.secrecy,
        status=document.status, term=document.retention_term,
        customer=document.customer.code if document.customer else None,
        document_date=document.document_date, tags=tuple(document.tags or ()))


class IndexHandler:
    """Runs ``index`` jobs: {"document_id"}."""

    def __init__(self, index: SearchIndex) -> None:
        self.index = index

    def run(self, ctx: Container, job: Claimed) -> None:
        document_id = job.payload["document_id"]
        with ctx.uow() as uow:
            document = uow.session.get(Document, document_id)
            entry = None
            if document is not None and document.status != "destroyed":
                entry = indexed_document(uow.session, document)
        if entry is None:
            self.index.delete([document_id])
        else:
            self.index.upsert([entry])

    def parked(self, session: Session, job: Claimed, error: str) -> None:
        return None  # the job row keeps the error; `dangan reindex` repairs


def all_documents(ctx: Container) -> Iterator[IndexedDocument]:
    """Every live document, read in batches (for a rebuild)."""
    last = ""
    while True:
        with ctx.uow() as uow:
            batch = uow.session.scalars(
                select(Document).where(Document.id > last, Document.status != "destroyed")
                .order_by(Document.id).limit(BATCH)).all()
            entries = [indexed_document(uow.session, d) for d in batch]
        if not entries:
            return
        yield from entries
        last = entries[-1].id
