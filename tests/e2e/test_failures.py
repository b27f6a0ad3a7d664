"""A store or database that fails in the middle of an upload: the client gets a
503 and nothing half-written remains."""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO
from urllib.parse import urlparse

import httpx
from sqlalchemy import event
from sqlalchemy.exc import OperationalError

from shared.bootstrap import Container, build
from shared.config import Settings
from shared.storage import BlobReader, BlobStore, StoredObject
from tests import samples
from tests.conftest import Backend, LiveServer, login, make_user
from tests.faults import DiskFillsUp, FaultyProxy
from tests.residue import holdings

MIB = 1024 * 1024


def post(client: httpx.Client, path: Path) -> httpx.Response:
    with path.open("rb") as handle:
        return client.post("/api/v1/documents", files={"file": (path.name, handle)},
                           data={"type": "contract", "title": "合同"})


def test_object_store_failing_mid_upload_leaves_nothing(backend: Backend, tmp_path: Path) -> None:
    """Embedded: the disk fills up halfway. Production: the link to S3 breaks
    every transfer over 1 MiB, in the middle of a 12 MiB multipart upload."""
    big = samples.make_big_file(tmp_path, size_bytes=12 * MIB)
    proxy = None
    if backend.name == "embedded":
        plain = build(backend.settings)
        disk = DiskFillsUp(plain.store, limit=5 * MIB)
        ctx = build(backend.settings, store=disk)
    else:
        endpoint = urlparse(backend.settings.s3_endpoint)
        proxy = FaultyProxy(endpoint.hostname, endpoint.port)
        ctx = build(backend.settings.model_copy(update={"s3_endpoint": proxy.url}))
        plain = build(backend.settings)  # looks at the bucket directly, past the proxy
    make_user(ctx, "clerk1")
    with LiveServer(ctx) as url:
        client = login(url, "clerk1")
        before = holdings(plain)
        if proxy:
            proxy.cut_transfers_over(1 * MIB)
        response = post(client, big)
        assert response.status_code == 503, response.text
        assert response.json()["error"]["code"] == "storage_unavailable"
        assert holdings(plain) == before
        (proxy or disk).heal()
        assert post(client, big).status_code == 201  # and it works once the store is back
        client.close()
    if proxy:
        proxy.close()
    ctx.close()


class _CallsBack(BlobStore):
    """A real store that runs ``after_put`` once the object is written."""

    def __init__(self, inner: BlobStore, after_put: Callable[[], object]) -> None:
        self.inner, self.after_put, self.name = inner, after_put, inner.name

    def put(self, key: str, source: BinaryIO, *, content_type: str) -> StoredObject:
        stored = self.inner.put(key, source, content_type=content_type)
        self.after_put()
        return stored

    def open(self, key: str, *, version_id: str | None = None) -> BlobReader:
        return self.inner.open(key, version_id=version_id)

    def delete(self, key: str) -> None:
        self.inner.delete(key)

    def exists(self, key: str) -> bool:
        return self.inner.exists(key)

    def keys(self, prefix: str = "") -> list[str]:
        return self.inner.keys(prefix)

    def check(self) -> None:
        self.inner.check()


def test_database_failing_after_the_object_is_stored_removes_the_object(backend: Backend,
                                                                         tmp_path: Path) -> None:
    """Production: the connection to PostgreSQL is cut right after the object is
    written. Embedded: SQLite reports an I/O error on the insert."""
    plain = build(backend.settings)
    proxy = None
    armed = {"on": False}
    if backend.name == "production":
        db = urlparse(backend.settings.database_url)
        proxy = FaultyProxy(db.hostname, db.port)
        url = backend.settings.database_url.replace(f"{db.hostname}:{db.port}", f"127.0.0.1:{proxy.port}")
        settings = backend.settings.model_copy(update={"database_url": url})
        ctx = build(settings, store=_CallsBack(plain.store, lambda: armed["on"] and proxy.break_all()))
    else:
        ctx = build(backend.settings, store=_CallsBack(plain.store, lambda: None))

        @event.listens_for(ctx.engine, "before_cursor_execute")
        def _io_error(conn: object, cursor: object, statement: str, *args: object) -> None:
            if armed["on"] and statement.lstrip().upper().startswith("INSERT INTO DOCUMENTS"):
                raise OperationalError(statement, {}, Exception("disk I/O error"))

    make_user(ctx, "clerk1")
    with LiveServer(ctx) as server_url:
        client = login(server_url, "clerk1")
        before = holdings(plain)
        armed["on"] = True
        response = post(client, samples.make_pdf(tmp_path))
        armed["on"] = False
        assert response.status_code == 503, response.text
        assert response.json()["error"]["code"] == "database_unavailable"
        if proxy:
            proxy.heal()
        assert holdings(plain) == before
        assert post(client, samples.make_pdf(tmp_path, seed=2)).status_code == 201
        client.close()
    if proxy:
        proxy.close()
    ctx.close()


def test_readyz_is_ready_when_database_and_store_answer(container: Container, base_url: str) -> None:
    response = httpx.get(f"{base_url}/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ready", "checks": {"database": "ok", "object_store": "ok",
                                                             "search": "ok"}}
    assert httpx.get(f"{base_url}/healthz").json() == {"status": "ok"}


def test_readyz_reports_an_unreachable_object_store(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path, s3_endpoint="http://127.0.0.1:9", s3_bucket="gone",
                        s3_access_key="t", s3_secret_key="t")
    ctx = build(settings)
    with LiveServer(ctx) as url:
        response = httpx.get(f"{url}/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["object_store"].startswith("unavailable")
    assert response.json()["checks"]["database"] == "ok"
    ctx.close()


def test_readyz_reports_an_unreachable_database(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path, database_url="postgresql://nobody:x@127.0.0.1:9/none")
    ctx = build(settings, run_migrations=False)
    with LiveServer(ctx) as url:
        response = httpx.get(f"{url}/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["database"].startswith("unavailable")
    assert response.json()["checks"]["object_store"] == "ok"
    ctx.close()


def test_readyz_reports_an_unreachable_search_engine(tmp_path: Path) -> None:
    ctx = build(Settings(home=tmp_path, opensearch_url="http://127.0.0.1:9"))
    with LiveServer(ctx) as url:
        response = httpx.get(f"{url}/readyz")
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["search"].startswith("unavailable") and checks["database"] == "ok"
    ctx.close()


def test_metrics_report_holdings_and_jobs(clerk: httpx.Client, base_url: str, tmp_path: Path) -> None:
    post(clerk, samples.make_pdf(tmp_path))
    text = httpx.get(f"{base_url}/metrics").text
    assert 'dangan_documents{status="archived"} 1.0' in text
    assert 'dangan_jobs{kind="extract",state="queued"} 1.0' in text
