"""Index writes go through the job queue: an engine that is down delays
indexing and loses nothing; `dangan reindex` rebuilds from the database."""
from __future__ import annotations

import subprocess
import uuid
from pathlib import Path
from urllib.parse import urlparse

from shared.bootstrap import Container
from shared.domain.access import AccessScope
from shared.jobs.runner import Worker
from services.composition import Archive
from services.ingest import NewDocument, archive_document, hash_file
from services.search import SearchIndex, SearchQuery, build_index, parse
from services.search.indexer import IndexHandler
from tests import samples
from tests.conftest import opensearch_url
from tests.faults import FaultyProxy


def archive(ctx: Container, path: Path, title: str) -> str:
    upload = hash_file(path, limit=ctx.settings.max_upload_bytes)
    return archive_document(ctx, upload=upload, meta=NewDocument(type="contract", title=title),
                            actor="test").id


def found(index: SearchIndex, words: str) -> list[str]:
    query = SearchQuery(scope=AccessScope(clearance=1), clauses=parse(words))
    return [h.id for h in index.search(query).hits]


def test_a_down_search_engine_delays_indexing_and_loses_nothing(container: Container,
                                                                 tmp_path: Path) -> None:
    url = opensearch_url()
    from services.search.opensearch import OpenSearchIndex

    node = urlparse(url)
    proxy = FaultyProxy(node.hostname, node.port)
    alias = f"t-{uuid.uuid4().hex[:12]}"
    index = OpenSearchIndex(proxy.url, alias=alias)
    document = archive(container, samples.make_pdf(tmp_path, text="质押合同 Pledge"), "质押合同")
    worker = Worker(container.database, {**Archive(container, index).handlers(kinds=("extract",)),
                                "index": IndexHandler(index, database=container.database)}, lease_seconds=60)
    proxy.break_all()
    worker.drain()  # extraction succeeds; the index job fails and waits for a retry
    with container.uow() as uow:
        from sqlalchemy import select

        from shared.db.models import Job
        waiting = [(job.state, job.last_error or "") for job in
                   uow.session.scalars(select(Job).where(Job.kind == "index"))]
    # the upload's (metadata) and the extraction's index jobs both wait for a retry
    assert len(waiting) == 2 and all(s == "queued" and "OpenSearch" in e for s, e in waiting)
    proxy.heal()
    with container.transaction() as session:
        session.execute(Job.__table__.update().values(run_after=Job.created_at))
    worker.drain()
    direct = OpenSearchIndex(url, alias=alias)
    assert found(direct, "质押合同") == [document]
    proxy.close()


def test_reindex_rebuilds_the_index_from_the_database(container: Container, tmp_path: Path) -> None:
    from tests.e2e.test_cli import DANGAN, env_for

    index = build_index(container.settings)
    first = archive(container, samples.make_pdf(tmp_path, seed=1, text="抵押登记 mortgage"), "抵押")
    second = archive(container, samples.make_png(tmp_path, seed=2, text="抵押 补充协议"), "补充协议")
    Worker(container.database, Archive(container, index).handlers(), lease_seconds=60).drain()
    assert sorted(found(index, "抵押")) == sorted([first, second])
    index.delete([first, second])
    assert found(index, "抵押") == []
    done = subprocess.run([DANGAN, "--json", "reindex"], env=env_for(container.settings),
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert '"indexed": 2' in done.stdout
    assert sorted(found(index, "抵押")) == sorted([first, second])


def test_search_from_the_command_line(container: Container, tmp_path: Path) -> None:
    import json

    from tests.e2e.test_cli import DANGAN, env_for

    index = build_index(container.settings)
    document = archive(container, samples.make_pdf(tmp_path, text="保证合同 Guarantee"), "保证合同")
    Worker(container.database, Archive(container, index).handlers(), lease_seconds=60).drain()
    env = env_for(container.settings)
    done = subprocess.run([DANGAN, "--json", "search", "保证合同", "--type", "contract"], env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    body = json.loads(done.stdout)
    assert body["total"] == 1 and body["hits"][0]["id"] == document
    assert "<em>保证合同</em>" in body["hits"][0]["highlights"][0]
    human = subprocess.run([DANGAN, "search", "guarantee"], env=env, capture_output=True,
                           text=True, timeout=120)
    assert "1 documents" in human.stdout and "*Guarantee*" in human.stdout
    nothing = subprocess.run([DANGAN, "search", "--", "-保证"], env=env, capture_output=True, text=True)
    assert nothing.returncode == 1 and "not excluded" in nothing.stderr
