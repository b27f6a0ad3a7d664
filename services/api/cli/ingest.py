"""``dangan ingest DIR --manifest manifest.csv``: bulk import of scans.

Resumable: a file whose bytes are already archived for its customer is
skipped, so re-running after an interruption carries on where it stopped."""
from __future__ import annotations

import csv
import sys
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import click

from shared.domain.errors import Conflict, DanganError, InvalidInput
from shared.domain.permissions import Action
from services.api.cli.common import Progress, State, acting, as_user, emit, handles_errors, pass_state
from services.ingest import NewDocument, archive_document, hash_file

KNOWN = {"path", "customer", "type", "title", "date", "document_date", "secrecy", "tags", "location"}
REQUIRED = {"path", "type", "title"}


@dataclass
class Summary:
    archived: list[dict] = field(default_factory=list)
    skipped: list[dict] = field(default_factory=list)
    refused: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"archived": len(self.archived), "skipped": len(self.skipped),
                "refused": len(self.refused), "archived_items": self.archived,
                "skipped_items": self.skipped, "refused_items": self.refused}


@click.command()
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--manifest", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              required=True, help="CSV with columns path, customer, type, title, date, secrecy, "
                                  "tags, location; other columns become custom fields.")
@as_user
@click.option("--progress/--no-progress", default=None,
              help="Progress bar on standard error (default: when it is a terminal).")
@pass_state
@handles_errors
def ingest(state: State, folder: Path, manifest: Path, actor: str | None, progress: bool | None) -> None:
    """Archive every file listed in MANIFEST from FOLDER; report what was refused and why."""
    rows = read_manifest(manifest)
    ctx = state.container
    with ctx.uow() as uow:
        actor = acting(uow.session, actor, Action.DOCUMENT_UPLOAD)
    summary = Summary()
    bar = Progress(len(rows), label="archiving",
                   enabled=sys.stderr.isatty() if progress is None else progress)
    for line, row in rows:
        _ingest_row(ctx, folder, line, row, actor, summary)
        bar.step(row.get("path", ""))
    emit(state, summary.as_dict(), _human)
    if summary.refused:
        sys.exit(1)


def read_manifest(path: Path) -> list[tuple[int, dict[str, str]]]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        columns = {c.strip() for c in reader.fieldnames or []}
        missing = REQUIRED - columns
        if missing:
            raise InvalidInput(f"{path.name}: missing column(s) {', '.join(sorted(missing))}",
                               code="invalid_manifest", detail={"columns": sorted(columns)})
        return [(number, {(k or "").strip(): (v or "").strip() for k, v in row.items()})
                for number, row in enumerate(reader, start=2)]


def _ingest_row(ctx, folder: Path, line: int, row: dict[str, str], actor: str,  # type: ignore[no-untyped-def]
                summary: Summary) -> None:
    where = {"line": line, "path": row.get("path", "")}
    try:
        source = _resolve(folder, row.get("path", ""))
        meta = _meta(row)
        upload = hash_file(source, limit=ctx.settings.max_upload_bytes)
        document = archive_document(ctx, upload=upload, meta=meta, actor=actor)
        summary.archived.append({**where, "id": document.id, "archive_number": document.archive_number})
    except Conflict as exc:
        if exc.code != "duplicate":
            raise
        summary.skipped.append({**where, "reason": "already archived", **(exc.detail or {})})
    except DanganError as exc:
        if exc.code in {"storage_unavailable", "database_unavailable"}:
            raise  # not the file's fault: stop, the run can be resumed
        summary.refused.append({**where, "code": exc.code, "message": exc.message})


def _resolve(folder: Path, relative: str) -> Path:
    if not relative:
        raise InvalidInput("the path column is empty", code="invalid_manifest")
    path = (folder / relative).resolve()
    if not path.is_relative_to(folder.resolve()):
        raise InvalidInput(f"{relative} is outside {folder}", code="invalid_manifest")
    if not path.is_file():
        raise InvalidInput(f"{relative} does not exist", code="missing_file")
    return path


def _meta(row: dict[str, str]) -> NewDocument:
    when = row.get("document_date") or row.get("date") or ""
    try:
        document_date = date.fromisoformat(when) if when else None
    except ValueError:
        raise InvalidInput(f"date {when!r} is not YYYY-MM-DD", code="invalid_manifest") from None
    secrecy = row.get("secrecy") or "3"
    if not secrecy.isdigit():
        raise InvalidInput(f"secrecy {secrecy!r} is not 1, 2 or 3", code="invalid_secrecy")
    return NewDocument(
        type=row.get("type", ""), title=row.get("title", ""), customer=row.get("customer") or None,
        document_date=document_date, secrecy=int(secrecy),
        tags=[t.strip() for t in row.get("tags", "").replace(";", ",").split(",") if t.strip()],
        location=row.get("location") or None,
        custom_fields={k: v for k, v in row.items() if k not in KNOWN and k and v},
    )


def _human(data: dict) -> str:
    lines = [f"archived {data['archived']}, skipped {data['skipped']} (already archived), "
             f"refused {data['refused']}"]
    for item in data["refused_items"]:
        lines.append(f"  refused line {item['line']} {item['path']}: {item['message']} ({item['code']})")
    return "\n".join(lines)
