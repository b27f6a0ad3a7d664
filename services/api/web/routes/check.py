"""The integrity check (四性检测) on the page, for archivists and auditors: the
audit chain's state, verified on every visit, and the findings of the last
check run from the page (``dangan check``'s own code), grouped by the four
aspects. A check reads every stored object, so it runs in the background when
asked for; the page shows only results that a run computed, with when and by whom.

Findings are shown as far as the caller may see: one about a document beyond
their clearance is counted, never named."""
from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import RedirectResponse
from sqlalchemy import or_, select
from starlette.concurrency import run_in_threadpool

from shared import audit, audit_anchor
from shared.bootstrap import Container
from shared.db.models import Document
from shared.documents import visible_to
from shared.domain.access import AccessScope
from shared.domain.errors import DanganError
from shared.domain.permissions import Action
from services.api import viewer
from services.api.deps import ContainerDep, Principal
from services.api.web.i18n import N_
from services.api.web.render import WebRoute, flash, render
from services.api.web.session import Csrf, web_permit
from services.ingest.integrity import Finding, check_archive

router = APIRouter(route_class=WebRoute, include_in_schema=False)
AuditReader = Annotated[Principal, Depends(web_permit(Action.AUDIT_READ))]

ASPECTS = (("authenticity", N_("Authenticity")), ("integrity", N_("Integrity")),
           ("usability", N_("Usability")), ("security", N_("Security")))
# the check's problems (services/ingest/integrity.py) in the page's words; the
# part after a colon is the technical detail, shown as it is
PROBLEMS = {
    "the stored bytes do not match the recorded SHA-256":
        N_("The stored bytes do not match the recorded SHA-256."),
    "its object cannot be read": N_("Its stored object cannot be read."),
    "the file no longer opens": N_("The file no longer opens."),
    "no Object Lock retention or legal hold on the object":
        N_("The stored object has no Object Lock retention or legal hold."),
    "no valid secrecy level": N_("The record has no valid secrecy level."),
    "required metadata is missing": N_("Required metadata is missing."),
    "no version of its content": N_("The record has no version of its content."),
    "the audit chain is broken": N_("The audit chain is broken."),
    "an object in storage that no document records":
        N_("An object in storage that no record names."),
    "a preview of no live version": N_("A preview of no live version."),
    "left in the spool by a process that no longer runs":
        N_("Left in the spool by a process that no longer runs."),
    "written by a process that stopped before recording it (removed at the next start)":
        N_("Written by a process that stopped before recording it (removed at the next start)."),
    "archived but missing from the search index": N_("Archived but missing from the search index."),
    "in the search index but not archived": N_("In the search index but not archived."),
}
_KEY = re.compile(r"^(?:documents|previews)/([^/]+)/")


@dataclass
class CheckRun:
    """One run of the check: who asked, when, and what it found (or why it stopped)."""

    by: str
    started_at: datetime
    finished_at: datetime | None = None
    findings: list[Finding] = field(default_factory=list)
    failure: DanganError | None = None


class CheckRuns:
    """The run under way and the last one finished, in this server process."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.running: CheckRun | None = None
        self.last: CheckRun | None = None

    def start(self, ctx: Container, index: Any, by: str) -> bool:
        with self.lock:
            if self.running is not None:
                return False
            self.running = CheckRun(by=by, started_at=datetime.now(UTC))
        threading.Thread(target=self._run, args=(ctx, index, self.running), daemon=True,
                         name="integrity-check").start()
        return True

    def _run(self, ctx: Container, index: Any, run: CheckRun) -> None:
        try:
            run.findings = check_archive(ctx, index_ids=index.ids())
        except DanganError as exc:  # an unavailable store or database: the run says it stopped
            run.failure = exc
        finally:
            run.finished_at = datetime.now(UTC)
            with self.lock:
                self.running, self.last = None, run


async def check_runs(request: Request) -> CheckRuns:
    """The application's runs, made at first use (on the event loop: only one)."""
    state = request.app.state
    if getattr(state, "check_runs", None) is None:
        state.check_runs = CheckRuns()
    return state.check_runs


Runs = Annotated[CheckRuns, Depends(check_runs)]


def _document_of(target: str) -> str | None:
    """The document id or archive number a finding's target names, if any: an
    object key holds the id, a version's target is its archive number and
    number, an index finding's target is the id itself."""
    if key := _KEY.match(target):
        return key.group(1)
    if "/" in target or target.startswith("audit event "):
        return None
    return target.split(" v")[0]


def visible_findings(ctx: Container, user: Principal,
                     findings: list[Finding]) -> tuple[list[dict[str, Any]], int]:
    """The findings the caller may read, each with its document's link, and
    how many were held back: those about a document beyond the caller's
    clearance, and — below clearance 1 — those naming a file no record owns
    (a spool file's name may be a hidden record's file name)."""
    named = [(f, _document_of(f.target)) for f in findings]
    names = {n for _, n in named if n}
    with ctx.uow() as uow:
        scope: AccessScope = viewer.scope(uow.session, ctx, user)
        rows = uow.session.execute(select(Document.id, Document.archive_number, visible_to(scope))
                                   .where(or_(Document.id.in_(names),
                                              Document.archive_number.in_(names)))).all() \
            if names else []
    documents = {key: (row[0], bool(row[2]), row[1]) for row in rows for key in (row[0], row[1])}
    shown, hidden = [], 0
    for finding, name in named:
        document = documents.get(name) if name else None
        names_a_file = name is None and not finding.target.startswith("audit event ")
        if (document and not document[1]) or (names_a_file and scope.clearance != 1):
            hidden += 1
            continue
        problem, _, detail = finding.problem.partition(": ")
        # a document named by its id is shown by its archive number, as everywhere on the page
        target = document[2] if document and finding.target == document[0] else finding.target
        shown.append({"check": finding.check, "target": target,
                      "document_id": document[0] if document else None,
                      "problem": PROBLEMS.get(problem), "original": finding.problem,
                      "detail": detail.strip()})
    return shown, hidden


def _chain(ctx: Container) -> audit.ChainReport:
    anchors = audit_anchor.anchor_log(ctx.settings, ctx.store).read()
    with ctx.uow() as uow:
        return audit.verify(uow.session, anchors=anchors)


@router.get("/check")
async def check_page(request: Request, ctx: ContainerDep, user: AuditReader, runs: Runs) -> Response:
    chain = await run_in_threadpool(_chain, ctx)
    last, running = runs.last, runs.running
    shown: list[dict[str, Any]] = []
    hidden = 0
    if last is not None and last.failure is None:
        shown, hidden = await run_in_threadpool(visible_findings, ctx, user, last.findings)
    groups = [(aspect, name, [f for f in shown if f["check"] == aspect]) for aspect, name in ASPECTS]
    return render(request, "check.html", user=user, chain=chain, last=last, running=running,
                  groups=groups, hidden=hidden)


@router.post("/check", dependencies=[Csrf])
async def run_check(request: Request, ctx: ContainerDep, user: AuditReader, runs: Runs) -> Response:
    response = RedirectResponse("/check", status_code=303)
    if runs.start(ctx, request.app.state.index, user.username):
        return flash(response, "ok", N_("The integrity check has started."))
    return flash(response, "error", N_("An integrity check is already running."))
