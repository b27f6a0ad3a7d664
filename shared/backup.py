"""Backup and restore (SPEC §9): a consistent, verifiable copy of metadata and
objects, with a SHA-256 manifest; restoring it into an empty deployment gives
back the same archive (checked by `dangan check`).

Layout of a backup folder:
    MANIFEST.json          format, schema revision, time, SHA-256 of every file
    metadata/<table>.jsonl every row of every table, read in one snapshot
    objects/<key>          the bytes of every version and preview it references
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Date, DateTime, Table, func, select, text, update
from sqlalchemy.orm import Session

from shared.bootstrap import Container
from shared.db.models import AuditHead, Base, Document, DocumentVersion, User
from shared.domain.errors import Conflict, InvalidInput
from shared.protection import enqueue_protect

FORMAT = 1
CHUNK = 1024 * 1024


def _tables() -> list[Table]:
    return [t for t in Base.metadata.sorted_tables]


def _encode(value: Any) -> Any:
    return value.isoformat() if isinstance(value, (date, datetime)) else value


def _decode(table: Table, row: dict[str, Any]) -> dict[str, Any]:
    for column in table.columns:
        value = row.get(column.name)
        if value is None:
            continue
        if isinstance(column.type, DateTime) or isinstance(getattr(column.type, "impl", None), DateTime):
            row[column.name] = datetime.fromisoformat(value)
        elif isinstance(column.type, Date):
            row[column.name] = date.fromisoformat(value)
    return row


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def backup(ctx: Container, folder: Path, *, progress: Callable[[str], None] = lambda _: None) -> dict:
    if folder.exists() and any(folder.iterdir()):
        raise InvalidInput(f"{folder} is not empty; back up into a new folder", code="folder_not_empty")
    (folder / "metadata").mkdir(parents=True)
    files: dict[str, str] = {}
    options = {"isolation_level": "REPEATABLE READ"} if ctx.engine.dialect.name == "postgresql" else {}
    # one snapshot: SQLite's write lock, PostgreSQL's repeatable read
    with ctx.engine.connect().execution_options(**options) as conn, conn.begin():
        revision = conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
        objects = _dump_tables(conn, folder, files)
    for key, version_id in objects:
        target = folder / "objects" / key
        target.parent.mkdir(parents=True, exist_ok=True)
        with target.open("wb") as out:
            for chunk in ctx.store.iter_chunks(key, version_id=version_id):
                out.write(chunk)
        files[f"objects/{key}"] = _sha256(target)
        progress(key)
    manifest = {"format": FORMAT, "schema_revision": revision, "files": files,
                "created_at": datetime.now(UTC).isoformat()}
    (folder / "MANIFEST.json").write_text(json.dumps(manifest, indent=1, sort_keys=True))
    return {"files": len(files), "objects": len(objects), "schema_revision": revision}


def _dump_tables(conn: Connection, folder: Path, files: dict[str, str]) -> list[tuple[str, str | None]]:
    objects: list[tuple[str, str | None]] = []
    for table in _tables():
        path = folder / "metadata" / f"{table.name}.jsonl"
        with path.open("w", encoding="utf-8") as out:
            for row in conn.execute(select(table)).mappings():
                out.write(json.dumps({k: _encode(v) for k, v in row.items()}, ensure_ascii=False) + "\n")
                if table.name == DocumentVersion.__tablename__:
                    objects.append((row["object_key"], row["object_version"]))
                    if row["preview_key"]:
                        objects.append((row["preview_key"], None))
        files[f"metadata/{table.name}.jsonl"] = _sha256(path)
    return objects


def verify(folder: Path) -> dict:
    """Every file of the manifest present with its SHA-256, and nothing else."""
    manifest_path = folder / "MANIFEST.json"
    if not manifest_path.is_file():
        raise InvalidInput(f"{folder} has no MANIFEST.json: not a backup", code="not_a_backup")
    manifest = json.loads(manifest_path.read_text())
    if manifest.get("format") != FORMAT:
        raise InvalidInput(f"backup format {manifest.get('format')} is not {FORMAT}", code="backup_format")
    for name, expected in manifest["files"].items():
        path = folder / name
        if not path.is_file():
            raise InvalidInput(f"the backup lacks {name}", code="backup_damaged")
        if _sha256(path) != expected:
            raise InvalidInput(f"{name} does not match its SHA-256 in the manifest", code="backup_damaged")
    present = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}
    extra = present - set(manifest["files"]) - {"MANIFEST.json"}
    if extra:
        raise InvalidInput(f"the backup holds files its manifest does not: {sorted(extra)[:5]}",
                           code="backup_damaged")
    return manifest


def restore(ctx: Container, folder: Path, *, progress: Callable[[str], None] = lambda _: None) -> dict:
    manifest = verify(folder)
    with ctx.uow() as uow:
        if uow.session.scalar(select(func.count()).select_from(Document)) or \
                uow.session.scalar(select(func.count()).select_from(User)):
            raise Conflict("restore needs an empty deployment (no users, no documents)",
                           code="deployment_not_empty")
    mime = _mime_types(folder)
    versions_of: dict[str, str | None] = {}
    for name in manifest["files"]:
        if name.startswith("objects/"):
            key = name[len("objects/"):]
            stored = ctx.store.put_file(key, folder / name, content_type=mime.get(key, "image/jpeg"))
            versions_of[key] = stored.version_id
            progress(key)
    with ctx.transaction() as session:
        rows = _load_tables(session, folder)
        for key, version_id in versions_of.items():
            session.execute(update(DocumentVersion).where(DocumentVersion.object_key == key)
                            .values(object_version=version_id))
        live = session.scalars(select(Document.id).where(Document.status != "destroyed")).all()
        enqueue_protect(session, live)
    return {"rows": rows, "objects": len(versions_of), "schema_revision": manifest["schema_revision"]}


def _mime_types(folder: Path) -> dict[str, str]:
    """Each version object's MIME type, from the backed-up version rows (previews are JPEG)."""
    path = folder / "metadata" / f"{DocumentVersion.__tablename__}.jsonl"
    rows = (json.loads(line) for line in path.read_text(encoding="utf-8").splitlines())
    return {row["object_key"]: row["mime_type"] for row in rows}


def _load_tables(session: Session, folder: Path) -> int:
    count = 0
    for table in _tables():
        path = folder / "metadata" / f"{table.name}.jsonl"
        rows = [_decode(table, json.loads(line)) for line in path.read_text(encoding="utf-8").splitlines()]
        if table.name == AuditHead.__tablename__:  # the migration made the row; carry the head over
            for row in rows:
                session.execute(update(AuditHead).where(AuditHead.id == row["id"])
                                .values(last_hash=row["last_hash"]))
            continue
        if rows:
            session.execute(table.insert(), rows)
            count += len(rows)
            _advance_sequence(session, table)
    return count


def _advance_sequence(session: Session, table: Table) -> None:
    """PostgreSQL: new rows after a restore must not reuse restored ids."""
    if session.get_bind().dialect.name != "postgresql" or "id" not in table.columns:
        return
    if not str(table.columns["id"].type).upper().startswith(("INTEGER", "BIGINT")):
        return
    session.execute(text(f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                         f"(SELECT max(id) FROM {table.name}))"))

