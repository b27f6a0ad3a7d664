"""The SearchIndex interface and the values that cross it."""
from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from shared.domain.access import AccessScope
from services.search.query import Clause

MAX_PAGE_SIZE = 100


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
