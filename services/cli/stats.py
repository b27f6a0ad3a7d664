"""``dangan stats``: the archive's statistics, on screen or exported."""
from __future__ import annotations

from pathlib import Path

import click

from shared.stats import statistics
from shared.stats_export import to_csv, to_xlsx
from services.cli.common import State, emit, handles_errors, pass_state


@click.command()
@click.option("--csv", "csv_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write the figures as CSV here.")
@click.option("--xlsx", "xlsx_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write the figures as an XLSX workbook here.")
@pass_state
@handles_errors
def stats(state: State, csv_path: Path | None, xlsx_path: Path | None) -> None:
    """Holdings by type, year, term, secrecy and grade; activity per month; due and destroyed per year."""
    with state.container.uow() as uow:
        figures = statistics(uow.session)
    if csv_path:
        csv_path.write_bytes(to_csv(figures))
    if xlsx_path:
        xlsx_path.write_bytes(to_xlsx(figures))
    emit(state, figures, lambda f: "\n".join(
        f"{section} / {measure}: " + ", ".join(f"{k} {n}" for k, n in counts.items())
        for section, measures in f.items() for measure, counts in measures.items()))
