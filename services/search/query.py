"""The query language: words, "phrases" and -exclusions, all required (AND).

Each clause becomes the index terms of its text (services.search.analysis): a
single term is a term query, several are a phrase of adjacent terms — so an
unquoted Chinese word longer than two characters is matched as a whole, never
as characters scattered through a text.

A reader who sees resident ID numbers masked searches the masked copy of the
texts with the masked forms of the clauses (``masked_forms``), so that what a
query finds never depends on the hidden digits."""
from __future__ import annotations

import re
from dataclasses import dataclass

from shared.domain.errors import InvalidInput
from services.search.analysis import terms
from services.search.id_numbers import mask_resident_ids

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


def masked_forms(clause: Clause) -> tuple[Clause, ...]:
    """What ``clause`` is looked for as in the masked copy of the texts, any
    one form being a match: an ID number typed into it masked whatever its
    digits (it then finds every number it could be), and the clause as typed,
    which finds only what stands unmasked in the masked copy — a number whose
    check digit fails, shown as it is."""
    masked = mask_resident_ids(clause.raw, checked=False)
    if masked == clause.raw:
        return (clause,)
    return (Clause(raw=masked, terms=tuple(terms(masked)), exclude=clause.exclude), clause)
