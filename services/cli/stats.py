"""``dangan stats``: the archive's statistics, on screen or exported."""
from __future__ import annotations

from pathlib import Path

import click

from shared.domain.permissions import Action
from shared.stats import statistics
from shared.stats_export import to_csv, to_xlsx
from services.cli.common import State, acting, as_user, emit, handles_errors, pass_state, viewer_of


@click.command()
@click.option("--csv", "csv_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write the figures as CSV here.")
@click.option("--xlsx", "xlsx_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write the figures as an XLSX workbook here.")
@as_user
@pass_state
@handles_errors
def stats(state: State, csv_path: Path | None, xlsx_path: Path | None, actor: str | None) -> None:
    """Holdings by type, year, term, secrecy and grade; activity per month; due and destroyed per year.

    With --as USER the figures count only the documents USER may see."""
    with state.container.uow() as uow:
        user = acting(uow.session, actor, Action.REPORTS_READ)
        figures = statistics(uow.session, viewer_of(uow.session, user, state.container.today()))
    if csv_path:
        csv_path.write_bytes(to_csv(figures))
    if xlsx_path:
        xlsx_path.write_bytes(to_xlsx(figures))
    emit(state, figures, lambda f: "\n".join(
        f"{section} / {measure}: " + ", ".join(f"{k} {n}" for k, n in counts.items())
        for section, measures in f.items() for measure, counts in measures.items()))
