"""`dangan check` (四性检测): authenticity, integrity, usability and security of
the whole archive. Every finding names what it concerns; none means sound."""
from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from shared import audit, audit_anchor
from shared.bootstrap import Container
from shared.db.models import Document, DocumentVersion, PendingObject
from shared.domain.errors import DanganError
from shared.domain.model import SECRECY_LEVELS, DocumentStatus
from services.ingest.inspect import inspect_file
from services.ingest.recovery import abandoned
from services.ingest.spool import leftovers, work_dir

BATCH = 500


@dataclass(frozen=True)
class Finding:
    check: str  # authenticity | integrity | usability | security
    target: str
    problem: str


@dataclass(frozen=True)
class StoredVersion:
    archive_number: str
    document_id: str
    number: int
    key: str
    object_version: str | None
    sha256: str
    filename: str


def versions(ctx: Container) -> Iterator[StoredVersion]:
    last = 0
    while True:
        with ctx.uow() as uow:
            rows = uow.session.execute(
                select(DocumentVersion, Document.archive_number).join(Document)
                .where(Document.status != DocumentStatus.DESTROYED, DocumentVersion.id > last)
                .order_by(DocumentVersion.id).limit(BATCH)).all()
            batch = [StoredVersion(number_, v.document_id, v.number, v.object_key, v.object_version,
                                   v.sha256, v.original_filename) for v, number_ in rows]
            ids = [v.id for v, _ in rows]
        if not batch:
            return
        yield from batch
        last = ids[-1]


def check_version(ctx: Container, version: StoredVersion) -> list[Finding]:
    """Authenticity (hash), usability (it still parses) and, where the store
    locks objects itself (S3 Object Lock), that the version is locked."""
    target = f"{version.archive_number} v{version.number}"
    digest = hashlib.sha256()
    with tempfile.TemporaryDirectory(dir=_spool(ctx)) as folder:
        copy = Path(folder) / Path(version.filename).name
        try:
            with copy.open("wb") as out:
                for chunk in ctx.store.iter_chunks(version.key, version_id=version.object_version):
                    digest.update(chunk)
                    out.write(chunk)
        except DanganError as exc:
            return [Finding("integrity", target, f"its object cannot be read: {exc.message}")]
        found = []
        if digest.hexdigest() != version.sha256:
            found.append(Finding("authenticity", target,
                                 "the stored bytes do not match the recorded SHA-256"))
        try:
            inspect_file(copy, filename=copy.name, max_pixels=ctx.settings.max_image_pixels,
                     max_pages=ctx.settings.max_pages)
        except DanganError as exc:
            found.append(Finding("usability", target, f"the file no longer opens: {exc.message}"))
    lock = ctx.store.object_lock()  # None: a directory has no lock of its own to check
    if lock and not lock.lock_state(version.key, version_id=version.object_version).locked:
        found.append(Finding("security", target, "no Object Lock retention or legal hold on the object"))
    return found


def _spool(ctx: Container) -> Path:
    return work_dir(ctx.settings.spool_dir)


def check_records(ctx: Container) -> list[Finding]:
    """Required metadata and the audit chain."""
    found: list[Finding] = []
    with ctx.uow() as uow:
        for document in uow.session.scalars(select(Document).where(
                Document.status != DocumentStatus.DESTROYED)):
            target = document.archive_number
            if document.secrecy not in SECRECY_LEVELS:
                found.append(Finding("security", target, "no valid secrecy level"))
            if not document.title or not document.type or not document.retention_term:
                found.append(Finding("integrity", target, "required metadata is missing"))
            if not document.versions:
                found.append(Finding("integrity", target, "no version of its content"))
        # the chain, and its end against the anchors kept outside the database
        anchors = audit_anchor.anchor_log(ctx.settings, ctx.store).read()
        report = audit.verify(uow.session, anchors=anchors)
    if not report.ok:
        found.append(Finding("authenticity", f"audit event {report.first_broken_id}",
                             f"the audit chain is broken: {report.reason}"))
    return found


def check_orphans(ctx: Container, known_keys: set[str]) -> list[Finding]:
    """Objects in the store that no live version records (an upload still being
    written is not one), and previews of versions that are gone."""
    with ctx.uow() as uow:
        writing = set(uow.session.scalars(select(PendingObject.key)))
        previews = set(uow.session.scalars(select(DocumentVersion.preview_key).join(Document).where(
            Document.status != DocumentStatus.DESTROYED, DocumentVersion.preview_key.is_not(None))))
    found = [Finding("integrity", key, "an object in storage that no document records")
             for key in ctx.store.keys("documents/") if key not in known_keys | writing]
    extracting = _in_progress(ctx)
    found += [Finding("integrity", key, "a preview of no live version")
              for key in ctx.store.keys("previews/") if key not in previews
              and _preview_owner(key) not in extracting]
    return found


def _preview_owner(key: str) -> str:
    return key.split("/")[1] if key.count("/") >= 2 else ""


def _in_progress(ctx: Container) -> set[str]:
    """Documents whose extraction has not ended: their preview may not be recorded yet."""
    with ctx.uow() as uow:
        return set(uow.session.scalars(select(DocumentVersion.document_id).join(Document).where(
            Document.status != DocumentStatus.DESTROYED,
            DocumentVersion.extraction_state == "pending")))


def check_leftovers(ctx: Container) -> list[Finding]:
    """What a crashed process left and the next start did not (or could not) remove."""
    now = datetime.now(UTC)
    found = [Finding("integrity", str(path), "left in the spool by a process that no longer runs")
             for path in leftovers(ctx.settings.spool_dir)
             if path.is_file() or any(p.is_file() for p in path.rglob("*"))]
    with ctx.uow() as uow:
        found += [Finding("integrity", row.key, "written by a process that stopped before "
                          "recording it (removed at the next start)")
                  for row in uow.session.scalars(select(PendingObject)) if abandoned(row, now=now)]
    return found


def check_index(ctx: Container, index_ids: set[str]) -> list[Finding]:
    with ctx.uow() as uow:
        live = set(uow.session.scalars(select(Document.id).where(
            Document.status != DocumentStatus.DESTROYED)))
    found = [Finding("integrity", i, "archived but missing from the search index")
             for i in sorted(live - index_ids)]
    found += [Finding("integrity", i, "in the search index but not archived")
              for i in sorted(index_ids - live)]
    return found


def check_archive(ctx: Container, *, index_ids: set[str] | None,
                  progress: Callable[[str], None] = lambda _: None) -> list[Finding]:
    found = check_records(ctx)
    keys: set[str] = set()
    for version in versions(ctx):
        keys.add(version.key)
        found += check_version(ctx, version)
        progress(version.archive_number)
    found += check_orphans(ctx, keys)
    found += check_leftovers(ctx)
    if index_ids is not None:
        found += check_index(ctx, index_ids)
    return found


def as_dicts(findings: list[Finding]) -> list[dict]:
    return [asdict(f) for f in findings]
