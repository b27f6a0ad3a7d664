"""OpenSearch adapter (production): CJK bigram analysis, keyword fields for
filters, an alias so a rebuild switches atomically, bulk writes, exact totals,
and search_after for pages past the result window.

What is searched is the field ``all``, which this adapter fills with the NFKC
text of the title, archive number, tags and text (services.search.analysis
normalises, as for the embedded engine), and queries are sent normalised too:
both engines find compatibility forms by the ordinary characters. The original
title and text stay in the source, for hits and highlights. (An index made
before ``all`` was sent also copies the originals into it, which matches the
same; ``dangan reindex`` makes it the current kind.) Beside it, ``all_masked``
holds the same text with resident ID numbers masked: readers who see them
masked search only that field. The mapping's ``_meta`` records SCHEMA_VERSION;
an index of another version is refused until ``dangan reindex`` replaces it."""
from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

from opensearchpy import OpenSearch, helpers
from opensearchpy.exceptions import NotFoundError, OpenSearchException

from shared.domain.access import AccessScope
from shared.domain.errors import SearchUnavailable
from services.search.analysis import normalise
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

WINDOW = 10_000  # OpenSearch's max_result_window
ANALYSIS = {"analyzer": {"cjk_text": {
    "type": "custom", "tokenizer": "standard", "filter": ["cjk_width", "lowercase", "cjk_bigram"]}}}
KEYWORDS = ("id", "archive_number", "customer", "type", "term", "status", "tags")
MAPPINGS = {
    "dynamic": "strict",
    "_meta": {"dangan_schema": SCHEMA_VERSION},
    "_source": {"excludes": ["all", "all_masked"]},  # derived from the rest; kept out of the source
    "properties": {
        **{name: {"type": "keyword"} for name in KEYWORDS},
        "title": {"type": "text", "index": False},
        "text": {"type": "text", "index": False},
        "all": {"type": "text", "analyzer": "cjk_text"},
        "all_masked": {"type": "text", "analyzer": "cjk_text"},
        "year": {"type": "integer"},
        "document_date": {"type": "date", "format": "strict_date"},
        "secrecy": {"type": "integer"},
        "restricted": {"type": "boolean"},
    },
}


class OpenSearchIndex(SearchIndex):
    name = "opensearch"

    def __init__(self, url: str, *, alias: str = "dangan", client: OpenSearch | None = None) -> None:
        self.alias = alias
        self.client = client or OpenSearch(hosts=[url], timeout=30, max_retries=2,
                                           retry_on_timeout=True)
        self._ready = False  # set up on first use: a node that is down must not stop a start
        self._current_version = False  # the alias's index is of SCHEMA_VERSION

    def _ensure(self) -> None:
        if self._ready:
            return
        self.client.indices.put_index_template(name=f"{self.alias}-template", body={
            "index_patterns": [f"{self.alias}-*"],
            "template": {"settings": {"analysis": ANALYSIS, "number_of_shards": 1,
                                      "number_of_replicas": 0},
                         "mappings": MAPPINGS}})
        if not self.client.indices.exists_alias(name=self.alias):
            first = f"{self.alias}-{int(time.time() * 1000)}"
            self.client.indices.create(index=first, body={"aliases": {self.alias: {}}})
        self._ready = True

    def _live(self) -> None:
        """Set up, and refuse an index an earlier version built (re-checked
        until a rebuild, possibly by another process, has replaced it)."""
        self._ensure()
        if self._current_version:
            return
        mappings = self.client.indices.get_mapping(index=self.alias)
        found = min((int(m.get("mappings", {}).get("_meta", {}).get("dangan_schema", 1))
                     for m in mappings.values()), default=1)
        if found != SCHEMA_VERSION:
            raise stale_index(found)
        self._current_version = True

    # -- writing ----------------------------------------------------------
    @staticmethod
    def _source(doc: IndexedDocument) -> dict[str, Any]:
        plain, masked = doc.free_text()
        return {"id": doc.id, "archive_number": doc.archive_number, "title": doc.title,
                "text": doc.text, "all": plain, "all_masked": masked,
                "customer": doc.customer or "", "type": doc.type,
                "term": doc.term, "status": doc.status, "tags": list(doc.tags),
                "year": doc.year or 0, "secrecy": doc.secrecy, "restricted": doc.restricted,
                "document_date": doc.document_date.isoformat() if doc.document_date else None}

    def upsert(self, documents: Iterable[IndexedDocument]) -> None:
        actions = ({"_op_type": "index", "_index": self.alias, "_id": d.id, "_source": self._source(d)}
                   for d in documents)
        with _translated():
            self._live()
            helpers.bulk(self.client, actions, refresh="wait_for")

    def delete(self, ids: Iterable[str]) -> None:
        actions = ({"_op_type": "delete", "_index": self.alias, "_id": i} for i in ids)
        with _translated():
            self._live()
            helpers.bulk(self.client, actions, refresh="wait_for", raise_on_error=False)

    def rebuild(self, documents: Iterable[IndexedDocument]) -> int:
        fresh = f"{self.alias}-{int(time.time() * 1000)}"
        with _translated():
            self._ensure()
            self.client.indices.create(index=fresh, body={"settings": {"refresh_interval": "-1"}})
            count, _ = helpers.bulk(self.client, (
                {"_op_type": "index", "_index": fresh, "_id": d.id, "_source": self._source(d)}
                for d in documents), chunk_size=500)
            self.client.indices.put_settings(index=fresh, body={"refresh_interval": "1s"})
            self.client.indices.refresh(index=fresh)
            old = list(self.client.indices.get_alias(name=self.alias))
            self.client.indices.update_aliases(body={"actions": [
                *({"remove": {"index": name, "alias": self.alias}} for name in old),
                {"add": {"index": fresh, "alias": self.alias}}]})
            for name in old:
                self.client.indices.delete(index=name)
        self._current_version = True
        return count

    # -- reading ----------------------------------------------------------
    def search(self, query: SearchQuery) -> SearchResult:
        body: dict[str, Any] = {
            "query": self._query(query), "track_total_hits": True, "size": query.size,
            "sort": self._sort(query),
            "aggs": {"type": {"terms": {"field": "type", "size": 50}},
                     "year": {"terms": {"field": "year", "size": 200}}}}
        with _translated():
            self._live()
            if query.offset + query.size <= WINDOW:
                response = self.client.search(index=self.alias, body={**body, "from": query.offset})
            else:
                response = self._deep(body, query.offset)
        hits = [self._hit(h, query) for h in response["hits"]["hits"]]
        return SearchResult(total=response["hits"]["total"]["value"], hits=hits,
                            facets=_facets(response.get("aggregations", {})))

    def _deep(self, body: dict[str, Any], offset: int) -> dict[str, Any]:
        """Walk to ``offset`` with search_after, fetching ids only, then read the page."""
        skip = dict(body, size=1000, _source=False)
        skip.pop("aggs")
        after = None
        while offset > 0:
            step = dict(skip, size=min(1000, offset), **({"search_after": after} if after else {}))
            rows = self.client.search(index=self.alias, body=step)["hits"]["hits"]
            if not rows:
                break
            after, offset = rows[-1]["sort"], offset - len(rows)
        return self.client.search(index=self.alias,
                                  body=dict(body, **({"search_after": after} if after else {})))

    @staticmethod
    def _sort(query: SearchQuery) -> list[Any]:
        if query.sort == "relevance":
            return ["_score", {"id": "asc"}]
        order = "asc" if query.sort == "date" else "desc"
        return [{"document_date": {"order": order, "missing": "_last" if order == "desc" else "_first"}},
                {"id": "asc"}]

    def _query(self, q: SearchQuery) -> dict[str, Any]:
        allowed, withheld = _access(q.scope)
        filters: list[dict[str, Any]] = [allowed]
        for name in ("customer", "type", "term", "status", "year"):
            value = getattr(q, name)
            if value:
                filters.append({"term": {name: value}})
        if q.date_from or q.date_to:
            span = {k: v.isoformat() for k, v in (("gte", q.date_from), ("lte", q.date_to)) if v}
            filters.append({"range": {"document_date": span}})
        masked = q.scope.mask_ids
        must = [_matching(c, masked) for c in q.clauses if not c.exclude] or [{"match_all": {}}]
        must_not = [_matching(c, masked) for c in q.clauses if c.exclude] + withheld
        return {"bool": {"must": must, "must_not": must_not, "filter": filters}}

    @staticmethod
    def _hit(raw: dict[str, Any], query: SearchQuery) -> Hit:
        source = raw["_source"]
        day = source.get("document_date")
        return Hit(id=source["id"], archive_number=source["archive_number"], title=source["title"],
                   score=float(raw.get("_score") or 0.0), type=source["type"],
                   customer=source.get("customer") or None,
                   document_date=date.fromisoformat(day) if day else None,
                   highlights=snippets(snippet_source(source["title"], source["text"]),
                                       query.clauses, mask_ids=query.scope.mask_ids))

    def ids(self) -> set[str]:
        with _translated():
            self._live()
            return {h["_id"] for h in helpers.scan(self.client, index=self.alias, _source=False,
                                                   query={"query": {"match_all": {}}})}

    def check(self) -> None:
        with _translated():
            # a number: opensearch-py 3 reads "timeout" as the request's own, in seconds
            self.client.cluster.health(request_timeout=5)
            self._live()

    def close(self) -> None:
        self.client.close()


def _access(scope: AccessScope) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The translation of AccessScope.may_open into the engine query: a filter
    (within clearance or lent) and the must_not clauses (withheld by PIPL)."""
    seen: dict[str, Any] = {"range": {"secrecy": {"gte": scope.clearance}}}
    if scope.granted:
        seen = {"bool": {"should": [seen, {"terms": {"id": sorted(scope.granted)}}],
                         "minimum_should_match": 1}}
    withheld = [] if scope.restricted_ok else [{"term": {"restricted": True}}]
    return seen, withheld


def _matching(clause: Clause, masked: bool) -> dict[str, Any]:
    """A reader who sees ID numbers masked searches only ``all_masked``, so
    neither hits nor scores depend on a hidden digit."""
    if not masked:
        return _phrase(clause, "all")
    forms = [_phrase(form, "all_masked") for form in masked_forms(clause)]
    return forms[0] if len(forms) == 1 else {"bool": {"should": forms, "minimum_should_match": 1}}


def _phrase(clause: Clause, field: str) -> dict[str, Any]:
    return {"match_phrase": {field: {"query": normalise(clause.raw).text}}}


def _facets(aggregations: dict[str, Any]) -> dict[str, dict[str, int]]:
    facets: dict[str, dict[str, int]] = {}
    for name in ("type", "year"):
        buckets = aggregations.get(name, {}).get("buckets", [])
        facets[name] = {str(b["key"]): b["doc_count"] for b in buckets
                        if not (name == "year" and b["key"] == 0)}
    return facets


@contextmanager
def _translated() -> Iterator[None]:
    try:
        yield
    except NotFoundError as exc:
        raise SearchUnavailable(f"search index missing: {exc}") from exc
    except OpenSearchException as exc:
        raise SearchUnavailable(f"OpenSearch failed: {exc}") from exc
