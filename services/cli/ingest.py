"""``dangan ingest DIR --manifest manifest.csv``: bulk import of scans.

Resumable: a file whose bytes are already archived for its customer is
skipped, so re-running after an interruption carries on where it stopped."""
from __future__ import annotations

import csv
import io
import sys
from dataclasses import dataclass, field
from pathlib import Path

import click

from shared import handovers
from shared.bootstrap import Container
from shared.documents import get_document
from shared.domain.access import AccessScope
from shared.domain.errors import (
    DanganError,
    DatabaseUnavailable,
    Duplicate,
    InvalidInput,
    StorageUnavailable,
)
from shared.domain.handover import description as handover_description
from shared.domain.permissions import Action
from services.cli.common import (
    Progress,
    State,
    acting,
    as_user,
    emit,
    handles_errors,
    pass_state,
    viewer_of,
)
from services.ingest import UPLOAD_FIELDS, NewDocument, archive_document, hash_file

# the columns are the upload's fields (and their manifest aliases), after the file's path
COLUMNS = ("path", *(column for spec in UPLOAD_FIELDS for column in spec.columns))
REQUIRED = {"path", *(spec.name for spec in UPLOAD_FIELDS if spec.required)}


@dataclass
class Summary:
    archived: list[dict] = field(default_factory=list)
    skipped: list[dict] = field(default_factory=list)
    refused: list[dict] = field(default_factory=list)
    handover: dict | None = None
    handover_asked: bool = False

    def as_dict(self) -> dict:
        return {"handover": self.handover, "handover_asked": self.handover_asked,
                "archived": len(self.archived), "skipped": len(self.skipped),
                "refused": len(self.refused), "archived_items": self.archived,
                "skipped_items": self.skipped, "refused_items": self.refused}


@click.command()
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--manifest", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              required=True, help=f"CSV with columns {', '.join(COLUMNS)}; other columns "
                                  "become custom fields.")
@click.option("--handover", "handover", default=None, metavar="说明",
              help="Hand the batch over to the archive room (移交): a handover list with this "
                   "description names every archived and refused file; submitted at the end.")
@click.option("--department", default=None, help="The department handing the batch over.")
@as_user
@click.option("--progress/--no-progress", default=None,
              help="Progress bar on standard error (default: when it is a terminal).")
@pass_state
@handles_errors
def ingest(state: State, folder: Path, manifest: Path, handover: str | None, department: str | None,
           actor: str | None, progress: bool | None) -> None:
    """Archive every file listed in MANIFEST from FOLDER; report what was refused and why."""
    rows = read_manifest(manifest)
    ctx = state.container
    with ctx.uow() as uow:
        actor = acting(uow.session, actor, Action.DOCUMENT_UPLOAD)
        viewer = viewer_of(uow.session, actor, ctx.today())
    if handover is not None:
        handover_description(handover)  # a bad one stops the run before anything is archived
    summary = Summary()
    bar = Progress(len(rows), label="archiving",
                   enabled=sys.stderr.isatty() if progress is None else progress)
    for line, row in rows:
        _ingest_row(ctx, folder, line, row, actor, viewer, summary)
        bar.step(row.get("path", "") if isinstance(row, dict) else "")
    if handover is not None:
        summary.handover_asked = True
        summary.handover = _hand_over(ctx, handover, department, rows, summary, actor)
    emit(state, summary.as_dict(), _human)
    if summary.refused:
        sys.exit(1)


def read_manifest(path: Path) -> list[tuple[int, dict[str, str] | str]]:
    """(line, row) for every data line; a row that cannot be read is its refusal
    message instead, so one bad line never stops the rest of the folder."""
    text = _decode_manifest(path)
    reader = csv.reader(io.StringIO(text, newline=""))
    header = [c.strip() for c in next(reader, [])]
    missing = REQUIRED - set(header)
    if missing:
        raise InvalidInput(f"{path.name}: missing column(s) {', '.join(sorted(missing))}",
                           code="invalid_manifest", detail={"columns": header})
    rows: list[tuple[int, dict[str, str] | str]] = []
    try:
        for cells in reader:
            _add_row(rows, header, cells, reader.line_num)
    except csv.Error as exc:  # a field over csv's limit, a NUL: the rest cannot be read
        raise InvalidInput(f"{path.name} line {reader.line_num + 1}: {exc}",
                           code="invalid_manifest") from None
    return rows


def _add_row(rows: list[tuple[int, dict[str, str] | str]], header: list[str], cells: list[str],
             line: int) -> None:
    if not any(c.strip() for c in cells):
        return
    if len(cells) > len(header):
        rows.append((line, f"the line has {len(cells)} fields, the header {len(header)} "
                           "(a comma inside a value needs quotes)"))
        return
    cells += [""] * (len(header) - len(cells))
    rows.append((line, {name: value.strip() for name, value in zip(header, cells, strict=True)
                        if name}))


def _decode_manifest(path: Path) -> str:
    """UTF-8 (with or without BOM), or GB18030 as Excel saves CSV on Chinese Windows."""
    if not path.is_file():  # a FIFO or a device would be waited on for ever
        raise InvalidInput(f"{path.name} is not a regular file", code="invalid_manifest")
    data = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise InvalidInput(f"{path.name} is neither UTF-8 nor GB18030 text; save it as UTF-8 CSV",
                       code="invalid_manifest")


def _ingest_row(ctx: Container, folder: Path, line: int, row: dict[str, str] | str, actor: str,
                viewer: AccessScope | None, summary: Summary) -> None:
    if isinstance(row, str):
        summary.refused.append({"line": line, "path": "", "code": "invalid_manifest", "message": row})
        return
    where = {"line": line, "path": row.get("path", "")}
    try:
        source = _resolve(folder, row.get("path", ""))
        meta = _meta(row)
        upload = hash_file(source, limit=ctx.settings.max_upload_bytes)
        document = archive_document(ctx, upload=upload, meta=meta, actor=actor, viewer=viewer)
        summary.archived.append({**where, "id": document.id, "archive_number": document.archive_number})
    except Duplicate as exc:
        summary.skipped.append({**where, "reason": "already archived", **(exc.detail or {})})
    except (StorageUnavailable, DatabaseUnavailable):
        raise  # not the file's fault: stop, the run can be resumed
    except DanganError as exc:
        summary.refused.append({**where, "code": exc.code, "message": exc.message})
    except OSError as exc:  # the file itself cannot be read (permissions, a vanished disk)
        summary.refused.append({**where, "code": "unreadable_file",
                                "message": f"{where['path']}: {exc.strerror or exc}"})


def _hand_over(ctx: Container, description: str, department: str | None,
               rows: list[tuple[int, dict[str, str] | str]], summary: Summary, actor: str
               ) -> dict | None:
    """The handover list, submitted: each record archived now, each one an
    earlier run of the batch archived (unless another list holds it), each
    refusal with its reason. None when there is nothing to hand over."""
    secrecy = {line: _secrecy(row) for line, row in rows}
    with ctx.transaction() as session:
        documents = [get_document(session, item["id"]) for item in summary.archived]
        for item in summary.skipped:
            if "document" in item:
                earlier = get_document(session, item["document"])
                why = handovers.held_back(session, earlier, actor=actor)
                item["handed_over"] = why is None
                if why:
                    item["not_handed_over"] = why
                else:
                    documents.append(earlier)
        if not documents and not summary.refused:
            return None
        found = handovers.create(session, description_text=description, department=department,
                                 actor=actor)
        for document in documents:
            handovers.record_archived(session, found, document)
        for item in summary.refused:
            handovers.record_refusal(session, handover_id=found.id,
                                     filename=item["path"] or f"line {item['line']}",
                                     code=item["code"], message=item["message"],
                                     secrecy=secrecy.get(item["line"]), actor=actor)
        handovers.submit(session, handover_id=found.id, actor=actor)
        return {"id": found.id, "reference": found.reference, "status": found.status}


def _secrecy(row: dict[str, str] | str) -> int | None:
    """A refused row's secrecy as its manifest gives it, so that the list hides it as
    the record would be hidden; an unreadable one hides it from all but level 1."""
    if isinstance(row, str):
        return None
    value = row.get("secrecy", "").strip()
    if not value:
        return None
    return int(value) if value in ("1", "2", "3") else 1


def _resolve(folder: Path, relative: str) -> Path:
    if not relative:
        raise InvalidInput("the path column is empty", code="invalid_manifest")
    try:
        path = (folder / relative).resolve()
    except (ValueError, RuntimeError, OSError) as exc:  # a NUL, a symlink loop
        raise InvalidInput(f"{relative!r} is not a usable path: {exc}", code="invalid_manifest") from None
    if not path.is_relative_to(folder.resolve()):
        raise InvalidInput(f"{relative} is outside {folder}", code="invalid_manifest")
    if not path.is_file():
        raise InvalidInput(f"{relative} does not exist", code="missing_file")
    return path


def _meta(row: dict[str, str]) -> NewDocument:
    """A row read as an upload's fields: a field's value is the first non-empty
    of its columns; every other non-empty column is a custom field."""
    fields = {spec.name: next((row[c] for c in spec.columns if row.get(c)), "")
              for spec in UPLOAD_FIELDS}
    return NewDocument.from_fields(
        fields, extra={k: v for k, v in row.items() if k not in COLUMNS and k and v})


def _human(data: dict) -> str:
    lines = [f"handover {data['handover']['reference']}: {data['handover']['status']}"] \
        if data.get("handover") else []
    if data["handover"] is None and data["handover_asked"]:
        lines.append("nothing to hand over: no record or refusal is new to a handover list")
    lines += [f"archived {data['archived']}, skipped {data['skipped']} (already archived), "
             f"refused {data['refused']}"]
    for item in data["refused_items"]:
        lines.append(f"  refused line {item['line']} {item['path']}: {item['message']} ({item['code']})")
    for item in data["skipped_items"]:
        if item.get("not_handed_over"):
            lines.append(f"  skipped line {item['line']} {item['path']}: already archived as "
                         f"{item.get('archive_number', '?')}, not on this handover: "
                         f"{item['not_handed_over']}")
    return "\n".join(lines)
