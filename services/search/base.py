"""The SearchIndex interface and the values that cross it."""
from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from shared.domain.access import AccessScope
from shared.domain.errors import SearchUnavailable
from services.search.highlight import snippet_source
from services.search.id_numbers import masked_nfkc
from services.search.query import Clause

MAX_PAGE_SIZE = 100
# What an index holds. Bump it when the fields, the analysis or the masking
# change: each engine records it in the index it builds and answers from no
# index of another version until `dangan reindex` has rebuilt it.
# 2: a masked copy of the free text, searched by readers with masked ID numbers.
SCHEMA_VERSION = 2


def stale_index(found: int) -> SearchUnavailable:
    return SearchUnavailable(
        f"the search index was built by another version (index schema {found}, "
        f"this version needs {SCHEMA_VERSION}): run `dangan reindex` to rebuild it",
        code="reindex_needed", detail={"found": found, "needed": SCHEMA_VERSION})


@dataclass(frozen=True)
class IndexedDocument:
    """What the index knows of a document: enough to filter, rank and show a hit."""

    id: str
    archive_number: str
    title: str
    text: str
    type: str
    secrecy: int
    status: str
    term: str
    customer: str | None = None
    document_date: date | None = None
    tags: tuple[str, ...] = ()
    restricted: bool = False  # PIPL: shared.domain.access.is_restricted, decided when indexed

    @property
    def year(self) -> int | None:
        return self.document_date.year if self.document_date else None

    def free_text(self) -> tuple[list[str], list[str]]:
        """What a search looks through, NFKC-normalised as the analysis reads it
        (title and text together, as their snippets are cut; archive number;
        tags), and the same with resident ID numbers masked, for readers who
        see them masked."""
        pairs = [masked_nfkc(value) for value in
                 (snippet_source(self.title, self.text), self.archive_number, *self.tags)]
        return [plain for plain, _ in pairs], [masked for _, masked in pairs]


@dataclass(frozen=True)
class SearchQuery:
    """A search by one user: each engine translates ``scope`` into its own query,
    so that nothing the user may not open is counted, faceted or returned."""

    scope: AccessScope = field(kw_only=True)  # no default: every search says whose it is
    clauses: tuple[Clause, ...] = ()
    customer: str | None = None
    type: str | None = None
    year: int | None = None
    date_from: date | None = None
    date_to: date | None = None
    term: str | None = None
    status: str | None = None
    sort: str = "relevance"
    page: int = 1
    size: int = 20

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.size


@dataclass
class Hit:
    id: str
    archive_number: str
    title: str
    score: float
    type: str
    customer: str | None
    document_date: date | None
    highlights: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"id": self.id, "archive_number": self.archive_number, "title": self.title,
                "score": round(self.score, 4), "type": self.type, "customer": self.customer,
                "document_date": self.document_date, "highlights": self.highlights}


@dataclass
class SearchResult:
    total: int
    hits: list[Hit]
    facets: dict[str, dict[str, int]]


class SearchIndex(ABC):
    name: str

    @abstractmethod
    def upsert(self, documents: Iterable[IndexedDocument]) -> None:
        """Add or replace documents (by id); visible to searches on return."""

    @abstractmethod
    def delete(self, ids: Iterable[str]) -> None: ...

    @abstractmethod
    def search(self, query: SearchQuery) -> SearchResult: ...

    @abstractmethod
    def ids(self) -> set[str]:
        """Every document id in the index (integrity checks, tests)."""

    @abstractmethod
    def rebuild(self, documents: Iterable[IndexedDocument]) -> int:
        """Build a fresh index from ``documents`` and switch to it atomically."""

    @abstractmethod
    def check(self) -> None:
        """Raise ``SearchUnavailable`` unless the engine answers."""

    def close(self) -> None:
        return None
