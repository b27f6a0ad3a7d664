"""End-to-end search latency through GET /api/v1/search at 100,000 documents.

Seeds a throw-away archive (documents and their page texts in SQLite, from the
corpus of bench/search_corpus.py), builds the index the way `dangan reindex`
does, starts `dangan serve`, and times the 500 queries of bench/search.py over
HTTP as a clearance-3 user (so the access filter is on). Beside them: the same
endpoint with an empty query (authentication, audit record, facets over every
visible document), and the engine alone, in process. Every hit's highlight and
every total are checked against a brute-force scan of the visible texts.

    .venv/bin/python bench/search_api.py [--docs 100000] [--home DIR (kept, reused)]
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]
from shared.bootstrap import build
from shared.config import Settings
from shared.db.models import Customer, Document, DocumentVersion, PageText
from shared.domain.access import AccessScope
from services.search import SearchQuery, all_documents, parse
from services.search.embedded import EmbeddedIndex
from search_corpus import Meta, make_doc
from search_queries import Query, make_queries

DANGAN = str(ROOT / ".venv" / "bin" / "dangan")
PASSWORD = "bench password"
CLEARANCE = 3


def seed(home: Path, docs: int, seed_value: int) -> None:
    ctx = build(Settings(home=home))
    started = time.perf_counter()
    customers: dict[str, int] = {}
    batch: list[tuple] = []
    with ctx.transaction() as session:
        for i in range(docs):
            text, meta = make_doc(seed_value, i)
            if meta.customer not in customers:
                customers[meta.customer] = len(customers) + 1
            batch.append((i, text, meta))
        session.execute(Customer.__table__.insert(), [
            {"id": n, "code": code, "name": code, "kind": "company", "grade": "B", "status": "active"}
            for code, n in customers.items()])
    for start in range(0, docs, 5000):
        with ctx.transaction() as session:
            rows = batch[start:start + 5000]
            session.execute(Document.__table__.insert(), [_document(i, text, meta, customers)
                                                          for i, text, meta in rows])
            session.execute(DocumentVersion.__table__.insert(), [_version(i) for i, _, _ in rows])
            session.execute(PageText.__table__.insert(), [
                {"document_id": _id(i), "version": 1, "page": 1, "source": "text_layer", "text": text}
                for i, text, _ in rows])
    print(f"seeded {docs} documents in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    started = time.perf_counter()
    count = EmbeddedIndex(ctx.settings.index_dir).rebuild(all_documents(ctx.database))
    print(f"indexed {count} documents in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    ctx.close()


def _id(i: int) -> str:
    return f"00000000-0000-4000-8000-{i:012d}"


def _document(i: int, text: str, meta: Meta, customers: dict[str, int]) -> dict:
    return {"id": _id(i), "archive_number": f"KH01-{meta.year}-D30-HT-{i:06d}",
            "customer_id": customers[meta.customer], "type": meta.type, "title": text.split("\n")[0][:100],
            "document_date": date(meta.year, 1 + i % 12, 1 + i % 28), "secrecy": meta.secrecy,
            "retention_term": "long", "retention_years": 30, "retention_trigger": "document_date",
            "status": "archived", "tags": [], "custom_fields": {}, "created_by": "bench"}


def _version(i: int) -> dict:
    return {"document_id": _id(i), "number": 1, "customer_scope": str(i), "object_key": f"bench/{i}",
            "sha256": f"{i:064d}", "size": 1, "mime_type": "application/pdf",
            "original_filename": "bench.pdf", "extraction_state": "done", "created_by": "bench"}


def request_params(query: Query) -> dict:
    text = f'"{query.text}"' if query.english and " " in query.text else query.text
    params = {"q": text, "size": "20"}
    flt = query.filter
    if flt is not None:
        if flt.customer:
            params["customer"] = flt.customer
        if flt.type:
            params["type"] = flt.type
        if flt.years:
            params["from"], params["to"] = f"{flt.years[0]}-01-01", f"{flt.years[1]}-12-31"
    return params


def truth(query: Query, texts: list[str], metas: list[Meta]) -> int:
    """Documents a clearance-3 user may see that hold the words, by brute force."""
    flt = query.filter
    visible = [i for i, m in enumerate(metas) if m.secrecy >= CLEARANCE and (
        flt is None or ((flt.customer is None or m.customer == flt.customer)
                        and (flt.type is None or m.type == flt.type)
                        and (flt.years is None or flt.years[0] <= m.year <= flt.years[1])))]
    if not query.english:
        return sum(query.text in texts[i] for i in visible)
    pattern = re.compile(r"(?<![^\W_])" + r"[\W_]+".join(map(re.escape, query.text.split()))
                         + r"(?![^\W_])", re.IGNORECASE)
    return sum(bool(pattern.search(texts[i])) for i in visible)


def serve(home: Path) -> tuple[subprocess.Popen, str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith("DANGAN_")}
    env.update(DANGAN_HOME=str(home), DANGAN_WORKERS="0")
    subprocess.run([DANGAN, "users", "add", f"staff{port}", "--role", "staff", "--clearance",
                    str(CLEARANCE), "--password-stdin"], input=PASSWORD, text=True, env=env,
                   check=True, capture_output=True)
    server = subprocess.Popen([DANGAN, "serve", "--port", str(port)], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            if httpx.get(f"{url}/healthz").status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.1)
    client = httpx.Client(base_url=url, timeout=30)
    token = client.post("/api/v1/auth/token", data={"username": f"staff{port}", "password": PASSWORD})
    client.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
    return server, client


def timed(call: Callable[[], object]) -> tuple[float, object]:
    started = time.perf_counter()
    result = call()
    return (time.perf_counter() - started) * 1000, result


def percentiles(values: list[float]) -> dict:
    ordered = sorted(values)
    return {"p50": round(statistics.median(ordered), 1),
            "p95": round(ordered[int(0.95 * (len(ordered) - 1))], 1), "max": round(ordered[-1], 1)}


def run(home: Path, docs: int, seed_value: int) -> dict:
    texts, metas = zip(*(make_doc(seed_value, i) for i in range(docs)), strict=True)
    queries = make_queries(list(texts), list(metas), seed_value)
    server, client = serve(home)
    try:
        for _ in range(20):  # warm the page cache and the server
            client.get("/api/v1/search", params={"q": "合同"})
        api, wrong_totals, missing_highlights, per_class = [], 0, 0, {}
        for query in queries:
            ms, response = timed(
                lambda query=query: client.get("/api/v1/search", params=request_params(query)))
            body = response.json()
            api.append(ms)
            per_class.setdefault(query.cls, []).append(ms)
            wrong_totals += body["total"] != truth(query, texts, metas)
            missing_highlights += sum(not hit["highlights"] for hit in body["hits"])
        empty = [timed(lambda: client.get("/api/v1/search", params={"q": ""}))[0] for _ in range(200)]
    finally:
        server.terminate()
        server.wait()
    engine = EmbeddedIndex(Settings(home=home).index_dir)
    scope = AccessScope(clearance=CLEARANCE)
    inproc = [timed(lambda q=q: engine.search(SearchQuery(scope=scope,
                                                          clauses=parse(request_params(q)["q"]))))[0]
              for q in queries]
    return {"documents": docs, "queries": len(queries), "api": percentiles(api),
            "api_by_class": {k: percentiles(v) for k, v in per_class.items()},
            "empty_query": percentiles(empty), "engine_in_process": percentiles(inproc),
            "wrong_totals": wrong_totals, "hits_without_highlight": missing_highlights}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--home", type=Path, help="keep the seeded archive here and reuse it")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    home = args.home or Path(tempfile.mkdtemp(prefix="dangan-search-"))
    try:
        if not (home / "index" / "CURRENT").exists():
            seed(home, args.docs, args.seed)
        figures = run(home, args.docs, args.seed)
    finally:
        if args.home is None:
            shutil.rmtree(home, ignore_errors=True)
    if args.json:
        print(json.dumps(figures, ensure_ascii=False, indent=2))
        return
    print(f"{figures['documents']} documents, {figures['queries']} queries, clearance {CLEARANCE}")
    print(f"{'what':<28}{'p50 ms':>8}{'p95 ms':>8}{'max ms':>8}")
    rows = [("GET /search (all queries)", figures["api"]),
            ("GET /search, empty query", figures["empty_query"]),
            ("engine alone, in process", figures["engine_in_process"])]
    rows += [(f"  class {k}", v) for k, v in figures["api_by_class"].items()]
    for name, p in rows:
        print(f"{name:<28}{p['p50']:>8}{p['p95']:>8}{p['max']:>8}")
    print(f"totals differing from a brute-force scan: {figures['wrong_totals']}; "
          f"hits without a highlight: {figures['hits_without_highlight']}")


if __name__ == "__main__":
    main()
