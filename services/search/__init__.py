"""Full-text search: one SearchIndex interface, an embedded engine (tantivy)
and OpenSearch; the query language; index jobs."""
from __future__ import annotations

from shared.config import Settings
from services.search.base import Hit, IndexedDocument, SearchIndex, SearchQuery, SearchResult
from services.search.indexer import IndexHandler, all_documents
from services.search.query import Clause, parse


def build_index(settings: Settings) -> SearchIndex:
    if settings.opensearch_url:
        from services.search.opensearch import OpenSearchIndex

        return OpenSearchIndex(settings.opensearch_url, alias=settings.opensearch_index)
    from services.search.embedded import EmbeddedIndex

    return EmbeddedIndex(settings.index_dir)


__all__ = ["Clause", "Hit", "IndexHandler", "IndexedDocument", "SearchIndex", "SearchQuery",
           "SearchResult", "all_documents", "build_index", "parse"]
