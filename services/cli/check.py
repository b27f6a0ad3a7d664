"""``dangan check`` (四性检测): a report, and a non-zero exit on any finding."""
from __future__ import annotations

import sys

import click
from sqlalchemy import func, select

from shared.db.models import DocumentVersion
from services.cli.common import Progress, State, emit, handles_errors, pass_state
from services.ingest.integrity import as_dicts, check_archive


@click.command()
@click.option("--progress/--no-progress", default=None, help="Progress bar on standard error.")
@pass_state
@handles_errors
def check(state: State, progress: bool | None) -> None:
    """Authenticity (every object's SHA-256, the audit chain), integrity (metadata,
    objects, no orphans, the index agrees), usability (every file still opens)
    and security (secrecy levels, Object Lock where the store has it)."""
    ctx = state.container
    index = state.archive.index
    with ctx.uow() as uow:
        total = uow.session.scalar(select(func.count()).select_from(DocumentVersion)) or 0
    bar = Progress(total, label="checking", enabled=sys.stderr.isatty() if progress is None else progress)
    findings = check_archive(ctx, index_ids=index.ids(), progress=bar.step)
    data = {"ok": not findings, "findings": as_dicts(findings)}
    emit(state, data, lambda d: "archive sound: no findings" if d["ok"] else "\n".join(
        f"{f['check']:<13} {f['target']}: {f['problem']}" for f in d["findings"])
        + f"\n{len(d['findings'])} findings")
    if findings:
        sys.exit(1)
