"""``dangan completeness`` (齐全率) and ``dangan expiring`` (到期提醒)."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from shared.completeness import CustomerFilter
from shared.completeness import completeness as report_of
from shared.completeness import expiring as expiring_of
from shared.completeness_export import to_csv, to_xlsx
from shared.domain.permissions import Action
from shared.domain.validity import WINDOWS
from services.cli.common import State, acting, as_user, emit, handles_errors, pass_state, viewer_of


def _report_lines(report: dict[str, Any]) -> str:
    lines = []
    for c in report["customers"]:
        state = "complete" if c["complete"] else "missing " + ", ".join(
            f"{m['type']} ({m['present']}/{m['required']})" for m in c["missing"])
        flag = "  reinvestigate" if c["reinvestigate"] else ""
        lines.append(f"{c['customer']:<16} {c['kind']:<11} {c['grade']} {state}{flag}")
    for measure, groups in report["rates"].items():
        lines.append(f"rate by {measure}: " + ", ".join(
            f"{key} {r['complete']}/{r['customers']}" for key, r in groups.items()))
    return "\n".join(lines)


@click.command()
@click.option("--customer", metavar="CODE", help="Only this customer.")
@click.option("--kind", type=click.Choice(["company", "individual", "government", "partner"]))
@click.option("--grade", type=click.Choice(["A", "B", "C"]))
@click.option("--format", "file_format", type=click.Choice(["csv", "xlsx"]),
              help="Also write the report as CSV or XLSX to --output.")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Where --format writes the report.")
@as_user
@pass_state
@handles_errors
def completeness(state: State, customer: str | None, kind: str | None, grade: str | None,
                 file_format: str | None, output: Path | None, actor: str | None) -> None:
    """Which customers' files are complete, what each lacks, and the completeness rate
    by kind, grade and department (the checklist: DANGAN_COMPLETENESS_CHECKLIST).

    With --as USER only the records USER may see count."""
    if bool(file_format) != bool(output):
        raise click.UsageError("--format and --output go together")
    ctx = state.container
    with ctx.uow() as uow:
        user = acting(uow.session, actor, Action.REPORTS_READ)
        report = report_of(uow.session, checklist=ctx.checklist, today=ctx.today(),
                           scope=viewer_of(uow.session, user, ctx.today()),
                           flt=CustomerFilter(customer=customer, kind=kind, grade=grade))
    if file_format and output:
        output.write_bytes(to_csv(report) if file_format == "csv" else to_xlsx(report))
    emit(state, report, _report_lines)


def _expiring_lines(answer: dict[str, Any]) -> str:
    lines = [f"as of {answer['as_of']}, within {answer['within']} days:"]
    for c in answer["customers"]:
        flag = "  reinvestigate (重新调查)" if c["reinvestigate"] else ""
        lines.append(f"{c['customer'] or '(no customer)'}{flag}")
        for d in c["expired"] + c["expiring"]:
            lines.append(f"  {d['state']:<8} {d['valid_until']} {d['archive_number']} "
                         f"{d['type']} {d['title']}")
    return "\n".join(lines)


@click.command()
@click.option("--within", type=click.Choice([str(w) for w in WINDOWS]), default="30",
              show_default=True, help="Days ahead.")
@click.option("--customer", metavar="CODE", help="Only this customer.")
@as_user
@pass_state
@handles_errors
def expiring(state: State, within: str, customer: str | None, actor: str | None) -> None:
    """Records whose validity (有效期) ends within --within days or has ended, per
    customer, and the customers to re-investigate (no current credit report)."""
    ctx = state.container
    with ctx.uow() as uow:
        user = acting(uow.session, actor, Action.REPORTS_READ)
        answer = expiring_of(uow.session, checklist=ctx.checklist, today=ctx.today(),
                             within=int(within), scope=viewer_of(uow.session, user, ctx.today()),
                             customer=customer)
    emit(state, answer, _expiring_lines)
