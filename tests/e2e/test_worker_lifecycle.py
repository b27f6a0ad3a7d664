"""`dangan worker` and `dangan serve` as real processes OCRing a real scan:
light jobs beside a long extraction, a stop on SIGTERM within its bound,
and no OCR process outliving a worker, however it ends."""
from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from shared.bootstrap import Container
from shared.db.models import Job
from tests import samples
from tests.conftest import login, make_user
from tests.e2e.test_cli import DANGAN, env_for
from tests.e2e.test_serve import free_port
from tests.processes import alive, descendants, describe, wait_for, wait_gone

PAGES = 20
GRACE = 3  # DANGAN_SHUTDOWN_SECONDS in these tests


@contextmanager
def dangan(container: Container, tmp_path: Path, *args: str,
           **env: str) -> Iterator[subprocess.Popen]:
    """A `dangan` process in its own session; whatever is left of it is killed at the end."""
    environment = {**env_for(container.settings), "DANGAN_SHUTDOWN_SECONDS": str(GRACE), **env}
    log = (tmp_path / f"{args[0]}.log").open("w")
    process = subprocess.Popen([DANGAN, *args], env=environment, stdout=log,
                               stderr=subprocess.STDOUT, start_new_session=True)
    try:
        yield process
    finally:
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        log.close()


def upload_scan(client: httpx.Client, tmp_path: Path, *, pages: int = PAGES) -> str:
    scan = samples.make_scanned_pdf(tmp_path, text="抵押合同 第一页 Mortgage contract", pages=pages)
    with scan.open("rb") as handle:
        created = client.post("/api/v1/documents", files={"file": (scan.name, handle)},
                              data={"type": "contract", "title": "抵押合同"})
    assert created.status_code == 201, created.text
    return created.json()["id"]


def jobs(container: Container, kind: str) -> list[Job]:
    with container.uow() as uow:
        rows = uow.session.scalars(select(Job).where(Job.kind == kind).order_by(Job.id)).all()
        uow.session.expunge_all()
        return list(rows)


def ocr_running(pid: int) -> bool:
    """OCR pool processes (children of the forkserver) exist under ``pid``."""
    return any(p.ppid() != pid for p in alive(descendants(pid)))


def wait_for_ocr(process: subprocess.Popen, tmp_path: Path) -> None:
    wait_for(lambda: ocr_running(process.pid), 90,
             lambda: "no OCR process started:\n" + "\n".join(
                 path.read_text() for path in tmp_path.glob("*.log")))
    time.sleep(1.5)  # well inside a page


def test_light_jobs_run_while_a_long_scan_is_being_ocred(
        container: Container, clerk: httpx.Client, tmp_path: Path) -> None:
    upload_scan(clerk, tmp_path / "scan")
    pdf = samples.make_pdf(tmp_path, text="同安建材 年度框架协议")
    with pdf.open("rb") as handle:
        assert clerk.post("/api/v1/documents", files={"file": (pdf.name, handle)},
                          data={"type": "contract", "title": "框架协议"}).status_code == 201
    with dangan(container, tmp_path, "worker") as worker:
        wait_for_ocr(worker, tmp_path)

        wait_for(lambda: [j.state for j in jobs(container, "protect")] == ["done", "done"], 10,
                 "protect jobs waited behind the extraction")
        assert [j.state for j in jobs(container, "extract")] == ["running", "queued"]


@pytest.mark.parametrize("engine", ["rapidocr", "tesseract"])
def test_a_worker_killed_outright_leaves_no_ocr_process(
        container: Container, clerk: httpx.Client, tmp_path: Path, engine: str) -> None:
    upload_scan(clerk, tmp_path)
    with dangan(container, tmp_path, "worker", "--kind", "extract",
                DANGAN_OCR_ENGINE=engine) as worker:
        wait_for_ocr(worker, tmp_path)
        if engine == "tesseract":
            wait_for(lambda: any(p.name() == "tesseract" for p in descendants(worker.pid)), 30)
        before = descendants(worker.pid)

        os.kill(worker.pid, signal.SIGKILL)  # the worker alone, not its process group
        worker.wait()

        # each child learns of the death from its pipe and exits; under a busy machine the
        # resource tracker's own clean-up can take longer than the OCR processes' exit
        assert wait_gone(before, 20) == [], describe(alive(before))


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_worker_stops_within_its_bound_and_gives_its_job_back(
        container: Container, clerk: httpx.Client, tmp_path: Path, stop: signal.Signals) -> None:
    upload_scan(clerk, tmp_path)
    with dangan(container, tmp_path, "worker") as worker:
        wait_for_ocr(worker, tmp_path)
        before = descendants(worker.pid)

        worker.send_signal(stop)
        asked = time.monotonic()
        worker.wait(timeout=GRACE + 10)

        assert time.monotonic() - asked < GRACE + 6, (tmp_path / "worker.log").read_text()
        assert worker.returncode == 0, (tmp_path / "worker.log").read_text()
        assert wait_gone(before, 5) == [], describe(alive(before))
    extracts = jobs(container, "extract")  # the slices done so far, and the one given back
    assert all(job.state in ("done", "queued") for job in extracts)
    given_back = [job for job in extracts if job.state == "queued"]
    assert given_back and all((job.attempts, job.locked_by) == (0, None) for job in given_back)


def test_serve_stops_on_sigterm_within_its_bound_leaving_no_process(
        container: Container, tmp_path: Path) -> None:
    make_user(container, "clerk1")
    port = free_port()
    with dangan(container, tmp_path, "serve", DANGAN_PORT=str(port), DANGAN_WORKERS="1") as server:
        url = f"http://127.0.0.1:{port}"
        wait_for(lambda: _ready(url), 60, "serve did not start")
        client = login(url, "clerk1")
        upload_scan(client, tmp_path)
        client.close()
        wait_for_ocr(server, tmp_path)
        before = descendants(server.pid)

        server.send_signal(signal.SIGTERM)
        asked = time.monotonic()
        server.wait(timeout=GRACE + 10)

        assert time.monotonic() - asked < GRACE + 6, (tmp_path / "serve.log").read_text()
        assert wait_gone(before, 5) == [], describe(alive(before))
    (extract,) = jobs(container, "extract")
    assert extract.state in ("queued", "done")
    if extract.state == "queued":  # released: its attempt not counted, free for any worker
        assert (extract.attempts, extract.locked_by, extract.lease_until) == (0, None, None)


def _ready(url: str) -> bool:
    try:
        return httpx.get(f"{url}/readyz").status_code == 200
    except httpx.HTTPError:
        return False
