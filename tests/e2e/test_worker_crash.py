"""A worker killed in the middle of a job: its lease runs out, another worker
takes the job again, and the document ends extracted and indexed exactly once."""
from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

import httpx
from sqlalchemy import select

from shared.bootstrap import Container
from shared.db.models import Job
from shared.domain.access import AccessScope
from shared.jobs.runner import Worker
from services.composition import Archive
from services.search import SearchQuery, build_index, parse
from tests import samples
from tests.e2e.test_cli import DANGAN, env_for
from tests.processes import wait_for

LEASE = 5


def extract_job(ctx: Container) -> tuple[str, int]:
    with ctx.uow() as uow:
        # the first slice's job: the one the killed worker held
        job = uow.session.scalars(select(Job).where(Job.kind == "extract").order_by(Job.id)).first()
        assert job is not None
        return job.state, job.attempts


def test_a_killed_workers_job_is_taken_again_and_indexed_once(
        container: Container, clerk: httpx.Client, tmp_path: Path) -> None:
    texts = [f"第{n}页 抵押合同 page {n}" for n in range(1, 7)]
    tiff = samples.make_tiff(tmp_path, pages=6, texts=texts)
    with tiff.open("rb") as handle:
        document = clerk.post("/api/v1/documents", files={"file": (tiff.name, handle)},
                              data={"type": "contract", "title": "抵押合同"}).json()
    env = {**env_for(container.settings), "DANGAN_JOB_LEASE_SECONDS": str(LEASE)}
    log = (tmp_path / "worker.log").open("w")
    worker = subprocess.Popen([DANGAN, "worker", "--kind", "extract"], env=env,
                              stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:  # killed the moment it holds the job: inside the OCR of six pages
        wait_for(lambda: extract_job(container)[0] == "running", 60,
                 lambda: (tmp_path / "worker.log").read_text())
    finally:
        os.killpg(worker.pid, signal.SIGKILL)  # the worker and its OCR processes
        worker.wait()
    assert extract_job(container) == ("running", 1)

    index = build_index(container.settings)
    replacement = Worker(container.database, Archive(container, index).handlers(), lease_seconds=60)

    def taken_again() -> bool:  # the job comes back when the dead worker's lease runs out
        replacement.run_once()
        return extract_job(container)[1] == 2

    wait_for(taken_again, LEASE + 60, "the dead worker's job never came back")
    replacement.drain()

    assert extract_job(container) == ("done", 2)
    assert clerk.get(f"/api/v1/documents/{document['id']}").json()["extraction_state"] == "done"
    assert index.ids() == {document["id"]}
    found = index.search(SearchQuery(scope=AccessScope(clearance=1), clauses=parse("抵押合同")))
    assert found.total == 1 and found.hits[0].id == document["id"]
    index.close()
