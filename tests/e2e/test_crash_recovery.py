"""A server killed with SIGKILL in the middle of an upload or an extraction
restarts with nothing left behind, and `dangan check` finds the archive sound."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from pathlib import Path

import httpx
from sqlalchemy import func, select

from shared.bootstrap import Container
from shared.db.models import PendingObject
from tests import samples
from tests.conftest import PASSWORD, embedded_only, make_user
from tests.e2e.test_cli import run
from tests.e2e.test_serve import free_port
from tests.e2e.test_worker_lifecycle import dangan
from tests.processes import wait_for


def serving(container: Container, tmp_path: Path, port: int) -> AbstractContextManager[subprocess.Popen]:
    return dangan(container, tmp_path, "serve", DANGAN_PORT=str(port), DANGAN_WORKERS="1")


def client_for(port: int) -> httpx.Client:
    url = f"http://127.0.0.1:{port}"

    def ready() -> bool:
        try:
            return httpx.get(f"{url}/readyz", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    wait_for(ready, 60, "the server did not come up")
    client = httpx.Client(base_url=url, timeout=60)
    token = client.post("/api/v1/auth/token", data={"username": "clerk1", "password": PASSWORD})
    client.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
    return client


def spool_files(container: Container) -> list[Path]:
    spool = container.settings.spool_dir
    return [p for p in spool.rglob("*") if p.is_file()] if spool.exists() else []


def slow_body(stop: threading.Event) -> Iterator[bytes]:
    yield (b'--x\r\nContent-Disposition: form-data; name="type"\r\n\r\ncontract\r\n'
           b'--x\r\nContent-Disposition: form-data; name="title"\r\n\r\nslow\r\n'
           b'--x\r\nContent-Disposition: form-data; name="file"; filename="slow.pdf"\r\n\r\n%PDF-1.4\n')
    while not stop.is_set():
        yield b"0" * 65536
        time.sleep(0.05)


def upload_slowly(port: int, token: str, stop: threading.Event) -> None:
    sock = socket.create_connection(("127.0.0.1", port))
    sock.sendall(b"POST /api/v1/documents HTTP/1.1\r\nHost: x\r\n"
                 b"Authorization: " + token.encode() + b"\r\n"
                 b"Content-Type: multipart/form-data; boundary=x\r\n"
                 b"Transfer-Encoding: chunked\r\n\r\n")
    try:
        for chunk in slow_body(stop):
            sock.sendall(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
    except OSError:
        pass  # the server was killed: that is the point
    finally:
        sock.close()


def check_is_clean(container: Container) -> None:
    done = run(container, "check")
    assert done.returncode == 0, done.stdout + done.stderr


@embedded_only  # the spool is local to a machine on every backend
def test_a_server_killed_mid_upload_leaves_no_spool_file_after_restart(
        container: Container, tmp_path: Path) -> None:
    make_user(container, "clerk1", clearance=1)
    port = free_port()
    stop = threading.Event()
    with serving(container, tmp_path, port) as server:
        client = client_for(port)
        sender = threading.Thread(target=upload_slowly, args=(
            port, client.headers["Authorization"], stop), daemon=True)
        sender.start()
        wait_for(lambda: any(p.stat().st_size > 100_000 for p in spool_files(container)), 60,
                 "the upload never reached the spool")
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()
    stop.set()
    assert spool_files(container), "the killed server left its spool file (as a crash does)"
    with serving(container, tmp_path, port):
        client_for(port).close()
        assert spool_files(container) == []
    check_is_clean(container)


@embedded_only  # the spool is local to a machine on every backend
def test_a_server_killed_mid_extraction_leaves_no_copy_and_finishes_after_restart(
        container: Container, tmp_path: Path) -> None:
    make_user(container, "clerk1", clearance=1)
    port = free_port()
    scan = samples.make_scanned_pdf(tmp_path, text="抵押合同 Mortgage", pages=12)
    with serving(container, tmp_path, port) as server:
        client = client_for(port)
        with scan.open("rb") as handle:
            created = client.post("/api/v1/documents", files={"file": (scan.name, handle)},
                                  data={"type": "contract", "title": "抵押合同"}).json()
        wait_for(lambda: any(p.parent.name == "sources" for p in spool_files(container)), 60,
                 "extraction never started")
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()
    assert any(p.parent.name == "sources" for p in spool_files(container))
    with serving(container, tmp_path, port, ) as server:
        client = client_for(port)
        assert not any(p.parent.name == "sources" and p.stat().st_mtime < time.time() - 5
                       for p in spool_files(container))

        def extracted() -> bool:
            return client.get(f"/api/v1/documents/{created['id']}").json()[
                "extraction_state"] == "done"

        wait_for(extracted, 240, "extraction did not finish after the restart")
        wait_for(lambda: spool_files(container) == [], 30, "an extraction copy stayed behind")
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=60)
    check_is_clean(container)


def test_an_object_written_without_its_row_is_removed_at_the_next_start(
        container: Container, tmp_path: Path) -> None:
    """The state a SIGKILL between the object's put and its row's commit leaves:
    a pending record naming a process that no longer runs, and the object."""
    dead = subprocess.Popen(["true"])
    dead.wait()
    key = "documents/00000000-dead-4bad-8000-000000000000/v1-" + "ab" * 32
    with container.transaction() as session:
        session.add(PendingObject(key=key, owner=f"{socket.gethostname()}-{dead.pid}",
                                  created_at=datetime.now(UTC)))
    pdf = samples.make_pdf(tmp_path)
    container.store.put_file(key, pdf, content_type="application/pdf")
    found = run(container, "check")
    assert found.returncode == 1 and key in found.stdout
    make_user(container, "clerk1", clearance=1)
    port = free_port()
    with serving(container, tmp_path, port):
        client_for(port).close()
    assert not container.store.exists(key)
    with container.uow() as uow:
        assert uow.session.scalar(select(func.count()).select_from(PendingObject)) == 0
    check_is_clean(container)
