"""``dangan audit``: the hash-chained audit trail."""
from __future__ import annotations

import sys

import click

from shared import audit as service
from shared.views import chain_report_out
from services.cli.common import State, emit, handles_errors, pass_state


@click.group()
def audit() -> None:
    """Verify the audit trail."""


@audit.command("verify")
@pass_state
@handles_errors
def verify(state: State) -> None:
    """Walk the hash chain; exit 1 and name the first broken event if any."""
    with state.container.uow() as uow:
        report = service.verify(uow.session)
    data = chain_report_out(report)
    emit(state, data, lambda d: f"audit trail intact: {d['checked']} events" if d["ok"] else
         f"audit trail BROKEN at event {d['first_broken_id']}: {d['reason']} "
         f"({d['checked']} events verified before it)")
    if not report.ok:
        sys.exit(1)
