"""`dangan serve` as a user runs it: the API and in-process workers together,
a text PDF searchable seconds after its upload."""
from __future__ import annotations

import socket
import subprocess
import time
from pathlib import Path

import httpx

from shared.bootstrap import Container
from tests import samples
from tests.conftest import PASSWORD, make_user
from tests.e2e.test_cli import DANGAN, env_for


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_makes_an_upload_searchable_within_seconds(container: Container, tmp_path: Path) -> None:
    make_user(container, "clerk1", clearance=1)
    port = free_port()
    env = {**env_for(container.settings), "DANGAN_PORT": str(port), "DANGAN_WORKERS": "1"}
    server = subprocess.Popen([DANGAN, "serve"], env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if httpx.get(f"{url}/readyz").status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        client = httpx.Client(base_url=url, timeout=30)
        token = client.post("/api/v1/auth/token", data={"username": "clerk1", "password": PASSWORD})
        client.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
        pdf = samples.make_pdf(tmp_path, text="同安建材 年度框架协议 Framework agreement")
        with pdf.open("rb") as handle:
            created = client.post("/api/v1/documents", files={"file": (pdf.name, handle)},
                                  data={"type": "contract", "title": "框架协议"})
        assert created.status_code == 201
        uploaded = time.monotonic()
        # a word of the text only, not of the title: the title is indexed at once, beside extraction
        while not client.get("/api/v1/search", params={"q": "framework"}).json()["total"]:
            assert time.monotonic() - uploaded < 30, "not searchable after 30 s"
            time.sleep(0.2)
        assert client.get("/api/v1/search", params={"q": "年度框架协议"}).json()["hits"][0]["id"] == \
            created.json()["id"]
        client.close()
    finally:
        server.terminate()
        server.wait(timeout=30)
