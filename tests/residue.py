"""What an archive holds, to prove a refused or failed upload left nothing behind."""
from __future__ import annotations

from dataclasses import dataclass

import httpx
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shared.bootstrap import Container
from shared.db.models import ArchiveCounter, AuditEvent, Base, Document, DocumentVersion, Job
from shared.storage.s3 import S3Store


@dataclass(frozen=True)
class Holdings:
    documents: int
    versions: int
    jobs: int
    upload_events: int
    counters: tuple
    objects: tuple
    spool: tuple
    s3_extras: tuple  # delete markers and unfinished multipart uploads


def rows(session: Session, model: type[Base]) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def holdings(ctx: Container) -> Holdings:
    with ctx.uow() as uow:
        s = uow.session
        upload_events = s.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action.in_(["document.upload", "document.version"])))
        counters = tuple(s.execute(select(ArchiveCounter.series, ArchiveCounter.last_seq)
                                   .order_by(ArchiveCounter.series)).all())
        docs, versions, jobs = (rows(s, model) for model in (Document, DocumentVersion, Job))
    spool_dir = ctx.settings.spool_dir
    spool = tuple(sorted(str(p) for p in spool_dir.rglob("*") if p.is_file())) if spool_dir.exists() else ()
    return Holdings(docs, versions, jobs, upload_events, counters, tuple(ctx.store.keys()), spool,
                    _s3_extras(ctx))


def _s3_extras(ctx: Container) -> tuple:
    store = ctx.store
    if not isinstance(store, S3Store):
        return ()
    markers = store.client.list_object_versions(Bucket=store.bucket).get("DeleteMarkers", [])
    uploads = store.client.list_multipart_uploads(Bucket=store.bucket).get("Uploads", [])
    return tuple(m["Key"] for m in markers) + tuple(u["Key"] for u in uploads)


def refused_cleanly(response: httpx.Response, container: Container, before: Holdings) -> None:
    """A refusal is a 4xx with the JSON error body, and nothing is left behind."""
    assert 400 <= response.status_code < 500, response.text
    assert set(response.json()["error"]) == {"code", "message", "detail"}
    assert holdings(container) == before
