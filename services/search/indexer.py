"""Index jobs: (re)index one document from the database, or remove it.

Index writes go through the job queue, so a search engine that is down delays
indexing and loses nothing; ``rebuild`` makes the whole index again from the
database (``dangan reindex``)."""
from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import select
from sqlalchemy.orm import Session

from shared.db.models import Document, PageText
from shared.db.session import Database
from shared.documents import restricted
from shared.jobs.queue import Claimed
from services.search.base import IndexedDocument, SearchIndex

PAGE_BREAK = "\n\n"
BATCH = 500


def indexed_documents(session: Session, documents: list[Document]) -> list[IndexedDocument]:
    """Index entries for ``documents``, their latest versions' pages read in one query."""
    latest = {d.id: d.versions[-1].number for d in documents if d.versions}
    pages: dict[str, list[str]] = {}
    if latest:
        rows = session.execute(
            select(PageText.document_id, PageText.version, PageText.text)
            .where(PageText.document_id.in_(list(latest))).order_by(PageText.document_id, PageText.page))
        for document_id, version, text in rows:
            if latest[document_id] == version:
                pages.setdefault(document_id, []).append(text)
    return [IndexedDocument(
        id=d.id, archive_number=d.archive_number, title=d.title,
        text=PAGE_BREAK.join(pages.get(d.id, [])), type=d.type, secrecy=d.secrecy,
        status=d.status, term=d.retention_term, customer=d.customer.code if d.customer else None,
        document_date=d.document_date, tags=tuple(d.tags or ()),
        restricted=restricted(d)) for d in documents]  # the domain's PIPL rule, stored


class IndexHandler:
    """Runs ``index`` jobs: {"document_id"}."""

    def __init__(self, index: SearchIndex, *, database: Database) -> None:
        self.index, self.database = index, database

    def run(self, job: Claimed) -> None:
        document_id = job.payload["document_id"]
        with self.database.uow() as uow:
            document = uow.session.get(Document, document_id)
            entry = None
            if document is not None and document.status != "destroyed":
                entry = indexed_documents(uow.session, [document])[0]
        if entry is None:
            self.index.delete([document_id])
        else:
            self.index.upsert([entry])

    def parked(self, session: Session, job: Claimed, error: str) -> None:
        return None  # the job row keeps the error; `dangan reindex` repairs


def all_documents(database: Database) -> Iterator[IndexedDocument]:
    """Every live document, read in batches (for a rebuild)."""
    last = ""
    while True:
        with database.uow() as uow:
            batch = uow.session.scalars(
                select(Document).where(Document.id > last, Document.status != "destroyed")
                .order_by(Document.id).limit(BATCH)).all()
            entries = indexed_documents(uow.session, list(batch))
        if not entries:
            return
        yield from entries
        last = entries[-1].id
