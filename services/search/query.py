"""The query language: words, "phrases" and -exclusions, all required (AND).

Each clause becomes the index terms of its text (services.search.analysis): a
single term is a term query, several are a phrase of adjacent terms — so an
unquoted Chinese word longer than two characters is matched as a whole, never
as characters scattered through a text."""
from __future__ import annotations

import re
from dataclasses import dataclass

from shared.domain.errors import InvalidInput
from services.search.analysis import terms

_PART = re.compile(r'(-?)"([^"]*)"|(-?)(\S+)')
MAX_CLAUSES = 32


@dataclass(frozen=True)
class Clause:
    raw: str
    terms: tuple[str, ...]
    exclude: bool = False


def parse(text: str) -> tuple[Clause, ...]:
    clauses: list[Clause] = []
    for match in _PART.finditer(text or ""):
        exclude = bool(match.group(1) or match.group(3))
        raw = match.group(2) if match.group(2) is not None else match.group(4)
        words = tuple(terms(raw))
        if not words:
            continue
        clauses.append(Clause(raw=raw, terms=words, exclude=exclude))
    if len(clauses) > MAX_CLAUSES:
        raise InvalidInput(f"a query may have at most {MAX_CLAUSES} words or phrases",
                           code="query_too_long")
    if clauses and all(c.exclude for c in clauses):
        raise InvalidInput("a query needs at least one word that is not excluded",
                           code="only_exclusions")
    return tuple(clauses)
