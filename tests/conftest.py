"""Fixtures: every storage and metadata test runs on two backends —
``embedded`` (SQLite + local directory) and ``production`` (PostgreSQL + S3
over HTTP), the latter started by ``make test`` (infra/local/test.sh)."""
from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import boto3
import httpx
import pytest
import uvicorn
from argon2 import PasswordHasher
from fastapi import FastAPI
from sqlalchemy import create_engine, make_url, text

from shared import accounts
from shared.accounts import add_user
from shared.bootstrap import Container
from shared.config import Settings, normalise_database_url
from shared.db.session import migrate
from shared.storage.s3 import S3Store
from services.composition import Archive, build_archive

if TYPE_CHECKING:
    from services.search import SearchIndex

# The suite creates hundreds of accounts: their passwords are hashed with a cheap
# argon2id cost here (a hash carries its parameters, so every server still
# verifies them). The archive's own cost (shared/accounts.py) is what the login
# tests and bench/login_storm.py exercise through `dangan serve`.
accounts._hasher = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1)

PG_URL = os.environ.get("DANGAN_TEST_DATABASE_URL")
S3_ENDPOINT = os.environ.get("DANGAN_TEST_S3_ENDPOINT")
PASSWORD = "correct horse battery"


def opensearch_url() -> str:
    """The test OpenSearch node. Without one the test is skipped, the reason on
    the summary line: Java or Maven missing (infra/local/opensearch.sh says so);
    under CI with no such reason, it fails."""
    url = os.environ.get("DANGAN_TEST_OPENSEARCH_URL")
    if url:
        return url
    missing = os.environ.get("DANGAN_TEST_OPENSEARCH_MISSING", "")
    if os.environ.get("CI") and not missing:
        pytest.fail("DANGAN_TEST_OPENSEARCH_URL is not set")
    pytest.skip(f"OPENSEARCH suite skipped: {missing or 'DANGAN_TEST_OPENSEARCH_URL is not set'}")


def _need(value: str | None, what: str) -> None:
    if value:
        return
    message = f"{what} is not configured; `make test` starts it (infra/local/test.sh)"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def s3_client(endpoint: str) -> Any:  # boto3's clients are untyped
    return boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                        aws_access_key_id="test", aws_secret_access_key="test")


def _database_of_this_worker(url: str) -> str:
    """Under pytest-xdist each worker process gets a database of its own
    (test_gw0, test_gw1, …), created on first use: workers never share rows."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return url
    parsed = make_url(url)
    name = f"{parsed.database}_{worker}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}) is None:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return parsed.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def pg_migrated() -> str:
    _need(PG_URL, "PostgreSQL (DANGAN_TEST_DATABASE_URL)")
    url = _database_of_this_worker(normalise_database_url(PG_URL or ""))
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    migrate(engine)  # the migrations themselves are tested here, on PostgreSQL
    engine.dispose()
    return url


def _reset_postgres(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        tables = conn.execute(text(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
            "AND tablename NOT IN ('alembic_version', 'audit_head')")).scalars().all()
        conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        conn.execute(text("UPDATE audit_head SET last_hash = :g"), {"g": "0" * 64})
    engine.dispose()


@pytest.fixture
def s3_bucket() -> Iterator[str]:
    _need(S3_ENDPOINT, "the S3 server (DANGAN_TEST_S3_ENDPOINT)")
    name = f"t-{uuid.uuid4().hex[:20]}"
    store = S3Store(bucket=name, endpoint_url=S3_ENDPOINT, access_key="test", secret_key="test")
    store.create_bucket(object_lock=True)
    yield name
    client = s3_client(S3_ENDPOINT or "")
    for page in client.get_paginator("list_object_versions").paginate(Bucket=name):
        for entry in page.get("Versions", []) + page.get("DeleteMarkers", []):
            args = {"Bucket": name, "Key": entry["Key"], "VersionId": entry["VersionId"]}
            if entry in page.get("Versions", []):
                client.put_object_legal_hold(**args, LegalHold={"Status": "OFF"})
            client.delete_object(**args, BypassGovernanceRetention=True)
    client.delete_bucket(Bucket=name)


# for tests of how a file or a request body is read, which no backend changes:
# they run once, on the embedded one, to keep the suite fast
embedded_only = pytest.mark.parametrize("backend", ["embedded"], indirect=True)


@dataclass
class Backend:
    name: str
    settings: Settings


@pytest.fixture(params=["embedded", "production"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Backend:
    if request.param == "embedded":
        return Backend("embedded", Settings(home=tmp_path / "home", _env_file=None))
    return production_backend(request, tmp_path)


def production_backend(request: pytest.FixtureRequest, tmp_path: Path) -> Backend:
    """PostgreSQL + S3 over HTTP, for tests of what only production has."""
    home = tmp_path / "home"
    url = request.getfixturevalue("pg_migrated")
    _reset_postgres(url)
    bucket = request.getfixturevalue("s3_bucket")
    return Backend("production", Settings(
        home=home, database_url=url, s3_endpoint=S3_ENDPOINT, s3_bucket=bucket,
        s3_access_key="test", s3_secret_key="test", _env_file=None))


@pytest.fixture
def archive(backend: Backend) -> Iterator[Archive]:
    """The deployment, built by the composition root as `dangan serve` builds it."""
    built = build_archive(backend.settings)
    yield built
    built.close()


@pytest.fixture
def container(archive: Archive) -> Container:
    return archive.core


def make_user(ctx: Container, username: str, *, role: str = "clerk", clearance: int = 1) -> str:
    with ctx.transaction() as session:
        add_user(session, username=username, role=role, clearance=clearance, password=PASSWORD,
                 actor="test")
    return username


class LiveServer:
    """The real application under uvicorn on a free loopback port."""

    def __init__(self, parts: Archive | Container, *, app: FastAPI | None = None) -> None:
        from services.api.app import create_app

        archive = parts if isinstance(parts, Archive) else Archive(core=parts)
        app = app or create_app(archive.settings, archive=archive)
        config = uvicorn.Config(app, host="127.0.0.1", port=0,
                                log_level="warning", lifespan="off")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> str:
        self.thread.start()
        for _ in range(500):
            if self.server.started:
                break
            threading.Event().wait(0.01)
        sockets = self.server.servers[0].sockets
        port = sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}"

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture
def base_url(archive: Archive) -> Iterator[str]:
    with LiveServer(archive) as url:
        yield url


def login(base_url: str, username: str) -> httpx.Client:
    client = httpx.Client(base_url=base_url, timeout=60)
    response = client.post("/api/v1/auth/token", data={"username": username, "password": PASSWORD})
    assert response.status_code == 200, response.text
    client.headers["Authorization"] = f"Bearer {response.json()['access_token']}"
    return client


def _member(container: Container, base_url: str, username: str, role: str) -> Iterator[httpx.Client]:
    make_user(container, username, role=role)
    client = login(base_url, username)
    yield client
    client.close()


@pytest.fixture
def clerk(container: Container, base_url: str) -> Iterator[httpx.Client]:
    yield from _member(container, base_url, "clerk1", "clerk")


@pytest.fixture
def archivist(container: Container, base_url: str) -> Iterator[httpx.Client]:
    yield from _member(container, base_url, "archivist1", "archivist")


@contextmanager
def team(container: Container, index: SearchIndex, people: dict[str, tuple[str, int]],
         *, customer_kind: str) -> Iterator[dict[str, httpx.Client]]:
    """A live server with ``people`` (name -> role, clearance) logged in, and
    customer C001 created by "arch", who must be among them."""
    for name, (role, clearance) in people.items():
        make_user(container, name, role=role, clearance=clearance)
    with LiveServer(Archive(container, index)) as url:
        clients = {name: login(url, name) for name in people}
        clients["arch"].post("/api/v1/customers", json={"code": "C001", "name": "鹭洲贸易",
                                                        "kind": customer_kind})
        yield clients
        for client in clients.values():
            client.close()


@pytest.fixture
def customer(archivist: httpx.Client) -> str:
    response = archivist.post("/api/v1/customers", json={"code": "C001", "name": "鹭洲贸易有限公司",
                                                         "kind": "company", "grade": "A"})
    assert response.status_code == 201, response.text
    return "C001"


@pytest.fixture
def index(archive: Archive) -> SearchIndex:
    """The deployment's search index (embedded here: OpenSearch has its own suite)."""
    return archive.index


def drain(container: Container, index: SearchIndex) -> int:
    """Run every runnable job (extraction, indexing, object lock) to the end."""
    from shared.jobs.runner import Worker

    return Worker(container.database, Archive(container, index).handlers(),
                  lease_seconds=60).drain()
