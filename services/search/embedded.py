"""The embedded engine: tantivy on local disk (chosen by measurement, see
bench/search.py and the README).

Terms are analysed in Python (services.search.analysis) and indexed with
tantivy's whitespace tokenizer, so tantivy and OpenSearch see the same terms.
The original text is stored beside them for highlights, and the terms of its
masked copy (resident ID numbers masked) beside those, for readers who see ID
numbers masked. Generations live in ``<root>/<n>/``; ``<root>/CURRENT`` names
the live one, so a rebuild switches atomically and readers in other processes
follow. Each generation records the SCHEMA_VERSION it was built with."""
from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import Any

import tantivy
from tantivy import FieldType, Occur, Query

from shared.domain.access import AccessScope
from shared.domain.errors import SearchUnavailable
from services.search.analysis import analysed
from services.search.base import (
    SCHEMA_VERSION,
    Hit,
    IndexedDocument,
    SearchIndex,
    SearchQuery,
    SearchResult,
    stale_index,
)
from services.search.highlight import snippet_source, snippets
from services.search.query import Clause, masked_forms

WRITER_HEAP = 128 * 1024 * 1024
VERSION_FILE = "dangan-schema"  # in the generation's folder; tantivy leaves files it did not make


def _schema() -> tantivy.Schema:
    b = tantivy.SchemaBuilder()
    b.add_text_field("id", stored=True, tokenizer_name="raw")
    b.add_text_field("archive_number", stored=True, tokenizer_name="raw")
    b.add_text_field("title", stored=True, tokenizer_name="raw", index_option="basic")
    b.add_text_field("terms", tokenizer_name="whitespace")
    b.add_text_field("masked_terms", tokenizer_name="whitespace")
    b.add_bytes_field("body", stored=True, indexed=False)
    for name in ("customer", "type", "term", "status"):
        b.add_text_field(name, stored=True, fast=True, tokenizer_name="raw")
    for name in ("year", "date_key", "secrecy", "restricted"):
        b.add_integer_field(name, stored=True, indexed=True, fast=True)
    return b.build()


def date_key(day: date | None) -> int:
    return day.year * 10000 + day.month * 100 + day.day if day else 0


def _version_of(folder: Path) -> int:
    """The schema version a generation was built with (1: before it was recorded)."""
    stamp = folder / VERSION_FILE
    return int(stamp.read_text()) if stamp.exists() else 1


def _create(schema: tantivy.Schema, folder: Path) -> tantivy.Index:
    # the version is written first, so an index is never seen without it
    (folder / VERSION_FILE).write_text(str(SCHEMA_VERSION))
    return tantivy.Index(schema, path=str(folder))


class EmbeddedIndex(SearchIndex):
    name = "embedded"

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self.schema = _schema()
        self._lock = threading.Lock()
        self._writer: tantivy.IndexWriter | None = None
        self._generation = ""
        self._index: tantivy.Index | None = self._open()

    # -- generations ----------------------------------------------------
    def _current(self) -> str:
        pointer = self.root / "CURRENT"
        if not pointer.exists():
            self._switch("1")
        return pointer.read_text().strip()

    def _switch(self, generation: str) -> None:
        (self.root / generation).mkdir(exist_ok=True)
        tmp = self.root / "CURRENT.tmp"
        tmp.write_text(generation)
        os.replace(tmp, self.root / "CURRENT")

    def _open(self) -> tantivy.Index | None:
        """The live generation, or None if an earlier version built it."""
        self._generation = self._current()
        folder = self.root / self._generation
        if not tantivy.Index.exists(str(folder)):
            return _create(self.schema, folder)
        if _version_of(folder) != SCHEMA_VERSION:
            return None
        return tantivy.Index(self.schema, path=str(folder))

    def _fresh(self) -> tantivy.Index:
        """The live index, reopened if another process switched generations;
        an index of another schema version is refused until rebuilt."""
        if self._current() != self._generation:
            with self._lock:
                self._writer = None
                self._index = self._open()
        if self._index is None:
            raise stale_index(_version_of(self.root / self._generation))
        return self._index

    # -- writing ----------------------------------------------------------
    def _document(self, doc: IndexedDocument) -> tantivy.Document:
        plain, masked = ("\n".join(values) for values in doc.free_text())
        terms = analysed(plain)
        return tantivy.Document(
            id=doc.id, archive_number=doc.archive_number, title=doc.title, terms=terms,
            masked_terms=terms if masked == plain else analysed(masked),  # most have no ID number
            body=doc.text.encode("utf-8"), customer=doc.customer or "", type=doc.type,
            term=doc.term, status=doc.status, year=doc.year or 0,
            date_key=date_key(doc.document_date), secrecy=doc.secrecy,
            restricted=int(doc.restricted))

    def upsert(self, documents: Iterable[IndexedDocument]) -> None:
        index = self._fresh()
        with self._lock:
            writer = self._writer_for(index)
            for doc in documents:
                writer.delete_documents_by_term("id", doc.id)
                writer.add_document(self._document(doc))
            writer.commit()
        index.reload()

    def delete(self, ids: Iterable[str]) -> None:
        index = self._fresh()
        with self._lock:
            writer = self._writer_for(index)
            for doc_id in ids:
                writer.delete_documents_by_term("id", doc_id)
            writer.commit()
        index.reload()

    def _writer_for(self, index: tantivy.Index) -> tantivy.IndexWriter:
        if self._writer is None:
            try:
                self._writer = index.writer(heap_size=WRITER_HEAP, num_threads=1)
            except ValueError as exc:
                raise SearchUnavailable(f"the embedded index is locked by another process: {exc}",
                                        detail="run workers inside `dangan serve` with SQLite") from exc
        return self._writer

    def rebuild(self, documents: Iterable[IndexedDocument]) -> int:
        old = self._current()
        new = str(int(old) + 1)
        shutil.rmtree(self.root / new, ignore_errors=True)
        (self.root / new).mkdir()
        fresh = _create(self.schema, self.root / new)
        writer = fresh.writer(heap_size=WRITER_HEAP, num_threads=1)
        count = 0
        for doc in documents:
            writer.add_document(self._document(doc))
            count += 1
        writer.commit()
        writer.wait_merging_threads()
        with self._lock:
            self._writer = None
            self._switch(new)
            self._index = self._open()
        shutil.rmtree(self.root / old, ignore_errors=True)
        return count

    # -- reading ----------------------------------------------------------
    def search(self, query: SearchQuery) -> SearchResult:
        index = self._fresh()
        index.reload()
        searcher = index.searcher()
        engine_query = self._query(query)
        kwargs: dict[str, Any] = {}
        if query.sort != "relevance":
            kwargs = {"order_by_field": "date_key",
                      "order": tantivy.Order.Asc if query.sort == "date" else tantivy.Order.Desc}
        found = searcher.search(engine_query, limit=query.size, offset=query.offset, count=True, **kwargs)
        hits = [self._hit(searcher, score, address, query) for score, address in found.hits]
        total = found.count or 0  # type: ignore[attr-defined]  # tantivy's stub lacks SearchResult.count
        return SearchResult(total=total, hits=hits, facets=self._facets(searcher, engine_query))

    def _hit(self, searcher: tantivy.Searcher, score: object, address: tantivy.DocAddress,
             query: SearchQuery) -> Hit:
        stored = searcher.doc(address)
        key = stored.get_first("date_key") or 0
        body = bytes(stored.get_first("body") or b"").decode("utf-8")
        title = stored.get_first("title") or ""
        # id, archive_number and type are stored for every document; tantivy types them optional
        return Hit(
            id=stored.get_first("id"), archive_number=stored.get_first("archive_number"),  # type: ignore[arg-type]
            title=title, score=float(score) if isinstance(score, float) else 0.0,
            type=stored.get_first("type"), customer=stored.get_first("customer") or None,  # type: ignore[arg-type]
            document_date=date(key // 10000, key // 100 % 100, key % 100) if key else None,
            highlights=snippets(snippet_source(title, body), query.clauses,
                                mask_ids=query.scope.mask_ids))

    def _facets(self, searcher: tantivy.Searcher, engine_query: Query) -> dict[str, dict[str, int]]:
        spec = {"type": {"terms": {"field": "type", "size": 50}},
                "year": {"terms": {"field": "year", "size": 200}}}
        result = searcher.aggregate(engine_query, spec)
        facets: dict[str, dict[str, int]] = {}
        for name in spec:
            buckets = result.get(name, {}).get("buckets", [])
            facets[name] = {str(int(b["key"]) if name == "year" else b["key"]): int(b["doc_count"])
                            for b in buckets if not (name == "year" and int(b["key"]) == 0)}
        return facets

    def _query(self, q: SearchQuery) -> Query:
        s = self.schema
        parts: list[tuple[Occur, Query]] = self._access(q.scope)
        for clause in q.clauses:
            occur = Occur.MustNot if clause.exclude else Occur.Must
            parts.append((occur, self._matching(clause, masked=q.scope.mask_ids)))
        for field_name in ("customer", "type", "term", "status"):
            value = getattr(q, field_name)
            if value:
                parts.append((Occur.Must, Query.term_query(s, field_name, value)))
        if q.year:
            parts.append((Occur.Must, Query.term_query(s, "year", q.year)))
        if q.date_from or q.date_to:
            low = date_key(q.date_from) if q.date_from else 1
            high = date_key(q.date_to) if q.date_to else 99991231
            parts.append((Occur.Must, Query.range_query(s, "date_key", FieldType.Integer, low, high)))
        return Query.boolean_query(parts)

    def _access(self, scope: AccessScope) -> list[tuple[Occur, Query]]:
        """The translation of AccessScope.may_open into tantivy clauses, part of
        the engine query: within clearance or lent, and not withheld by PIPL."""
        seen = Query.range_query(self.schema, "secrecy", FieldType.Integer, scope.clearance, None)
        if scope.granted:
            lent = Query.term_set_query(self.schema, "id", sorted(scope.granted))
            seen = Query.boolean_query([(Occur.Should, seen), (Occur.Should, lent)])
        parts = [(Occur.Must, seen)]
        if not scope.restricted_ok:
            parts.append((Occur.MustNot, Query.term_query(self.schema, "restricted", 1)))
        return parts

    def _matching(self, clause: Clause, *, masked: bool) -> Query:
        """A reader who sees ID numbers masked searches only the masked copy,
        so neither hits nor scores depend on a hidden digit."""
        if not masked:
            return self._clause(clause, "terms")
        forms = [self._clause(form, "masked_terms") for form in masked_forms(clause)]
        return forms[0] if len(forms) == 1 else Query.boolean_query(
            [(Occur.Should, form) for form in forms])

    def _clause(self, clause: Clause, field_name: str) -> Query:
        if len(clause.terms) == 1:
            return Query.term_query(self.schema, field_name, clause.terms[0])
        return Query.phrase_query(self.schema, field_name, list(clause.terms))

    def ids(self) -> set[str]:
        index = self._fresh()
        index.reload()
        searcher = index.searcher()
        total = searcher.num_docs
        if total == 0:
            return set()
        found = searcher.search(Query.all_query(), limit=total, count=False)
        return {searcher.doc(address).get_first("id")  # type: ignore[misc]  # every document has an id
                for _, address in found.hits}

    def check(self) -> None:
        if not os.access(self.root, os.W_OK):
            raise SearchUnavailable(f"index folder {self.root} is not writable")
        self._fresh()

    def close(self) -> None:
        with self._lock:
            self._writer = None
