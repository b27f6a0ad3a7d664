"""Mirror the archive's retention rules into the object store's own lock
(S3 Object Lock): each version's retention from ``retain_until``, extended when
it moves later, and a legal hold while a hold applies or no end date is known
(permanent, or waiting for the customer's closure). Run as ``protect`` jobs,
so a slow or absent store delays the lock and loses nothing."""
from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.orm import Session

from shared.db.models import Document
from shared.db.session import Database
from shared.domain.model import DocumentStatus
from shared.jobs.queue import Claimed, enqueue
from shared.storage import BlobStore

PROTECT = "protect"


def enqueue_protect(session: Session, document_ids: Iterable[str]) -> None:
    for document_id in dict.fromkeys(document_ids):
        enqueue(session, kind=PROTECT, payload={"document_id": document_id})


class ProtectHandler:
    """Runs ``protect`` jobs: {"document_id"}. Idempotent."""

    def __init__(self, *, database: Database, store: BlobStore) -> None:
        self.database, self.store = database, store

    def run(self, job: Claimed) -> None:
        from shared.retention import is_held

        with self.database.uow() as uow:
            document = uow.session.get(Document, job.payload["document_id"])
            if document is None or document.status == DocumentStatus.DESTROYED:
                return
            legal_hold = document.retain_until is None or is_held(uow.session, document.id)
            targets = [(v.object_key, v.object_version) for v in document.versions]
            retain_until = document.retain_until
        for key, version_id in targets:
            self.store.protect(key, version_id=version_id, retain_until=retain_until,
                              legal_hold=legal_hold)

    def parked(self, session: Session, job: Claimed, error: str) -> None:
        return None  # the job keeps its error; `dangan check` reports unlocked objects
