"""``dangan backup`` and ``dangan restore``."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from shared import backup as service
from services.cli.common import Progress, State, emit, handles_errors, pass_state
from services.search import all_documents


@click.command()
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@pass_state
@handles_errors
def backup(state: State, folder: Path) -> None:
    """Copy metadata (one consistent snapshot) and every object into FOLDER, with a SHA-256 manifest."""
    bar = Progress(0, label="copying", enabled=sys.stderr.isatty())
    result = service.backup(state.container, folder, progress=bar.step)
    emit(state, result, lambda r: f"backed up {r['objects']} objects and the metadata "
                                  f"({r['files']} files, schema {r['schema_revision']}) into {folder}")


@click.command()
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@pass_state
@handles_errors
def restore(state: State, folder: Path) -> None:
    """Verify FOLDER's manifest, restore it into this empty deployment, rebuild the index."""
    ctx = state.container
    bar = Progress(0, label="restoring", enabled=sys.stderr.isatty())
    result = service.restore(ctx, folder, progress=bar.step)
    result["indexed"] = state.archive.index.rebuild(all_documents(ctx.database))
    emit(state, result, lambda r: f"restored {r['rows']} rows and {r['objects']} objects; "
                                  f"indexed {r['indexed']} documents. Run `dangan check` to confirm.")
