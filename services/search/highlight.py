"""Highlighted snippets cut from the original text, where the query's terms
stand in sequence — the same tokens the engine matched, so every hit gets the
passage that made it a hit."""
from __future__ import annotations

import re
from functools import lru_cache
from html import escape

from services.search.analysis import CJK_CLASS, Normalised, is_cjk, normalise, tokens
from services.search.id_numbers import masked_with_form
from services.search.query import Clause, masked_forms

CONTEXT = 40
MAX_SNIPPETS = 3


def spans(text: str, clauses: tuple[Clause, ...], *,
          norm: Normalised | None = None) -> list[tuple[int, int]]:
    """(start, end) offsets in ``text`` of every match of a required clause.

    The clause's terms are NFKC-normalised, so they are looked for in the
    normalised text, and what is found is mapped back to the original. A
    regular expression rebuilt from the terms finds matches at C speed; only if
    it finds none (text that folds unusually, e.g. ß against ss) are the tokens
    compared one by one. ``norm`` is the normalised text, where the caller has it."""
    wanted = [c for c in clauses if not c.exclude]
    if norm is None:
        norm = normalise(text)
    found = [(m.start(), m.end()) for c in wanted for m in _pattern(c.terms).finditer(norm.text)]
    if norm.pieces:
        found = [(norm.original_start(start), norm.original_end(end)) for start, end in found]
    return sorted(found) if found or not wanted else _token_spans(text, wanted)


@lru_cache(maxsize=1024)
def _pattern(terms: tuple[str, ...]) -> re.Pattern[str]:
    pieces: list[str] = []
    run = ""
    for term in terms:
        if is_cjk(term) and len(term) == 2 and run and run[-1] == term[0]:
            run += term[1]  # the next bigram of the same Chinese run
            continue
        if run:
            pieces.append(_cjk(run))
        run = term if is_cjk(term) else ""
        if not run:
            pieces.append(rf"(?<![^\W_{CJK_CLASS}]){re.escape(term)}(?![^\W_{CJK_CLASS}])")
    if run:
        pieces.append(_cjk(run))
    return re.compile(r"[\W_]*".join(pieces), re.IGNORECASE)


def _cjk(run: str) -> str:
    escaped = re.escape(run)
    # a lone character is a term only where it stands alone, not inside a run
    return rf"(?<![{CJK_CLASS}]){escaped}(?![{CJK_CLASS}])" if len(run) == 1 else escaped


def _token_spans(text: str, clauses: list[Clause]) -> list[tuple[int, int]]:
    toks = tokens(text)
    words = [t.text for t in toks]
    found: list[tuple[int, int]] = []
    for clause in clauses:
        n = len(clause.terms)
        for i in range(len(words) - n + 1):
            if tuple(words[i:i + n]) == clause.terms:
                found.append((toks[i].start, toks[i + n - 1].end))
    return sorted(found)


def snippet_source(title: str, text: str) -> str:
    """What a hit's snippets are cut from: its title, then its text."""
    return f"{title}\n{text}"


def snippets(text: str, clauses: tuple[Clause, ...], *, mark: tuple[str, str] = ("<em>", "</em>"),
             mask_ids: bool = False) -> list[str]:
    """Up to three passages around the matches, HTML-escaped, matches marked.

    With ``mask_ids`` resident ID numbers are masked first and the matches are
    those of the query's masked forms in the masked text — what the engine
    matched — so no mark falls on, or leaves out, a hidden digit."""
    if all(clause.exclude for clause in clauses):
        return []  # nothing to mark, so no passage
    norm = None
    if mask_ids:
        text, norm = masked_with_form(text)
        clauses = tuple(form for clause in clauses for form in masked_forms(clause))
    found = spans(text, clauses, norm=norm)
    result: list[str] = []
    covered_to = -1
    for start, end in found:
        if end <= covered_to:
            continue
        left = max(0, start - CONTEXT, min(covered_to, start))
        right = min(len(text), end + CONTEXT)
        inside = [(s, e) for s, e in found if s >= left and e <= right]
        result.append(_mark(text, left, right, inside, mark))
        covered_to = right
        if len(result) == MAX_SNIPPETS:
            break
    return result


def _mark(text: str, left: int, right: int, inside: list[tuple[int, int]],
          mark: tuple[str, str]) -> str:
    out: list[str] = ["…" if left > 0 else ""]
    cursor = left
    for start, end in _merge(inside):
        out += [escape(text[cursor:start]), mark[0], escape(text[start:end]), mark[1]]
        cursor = end
    out.append(escape(text[cursor:right]))
    out.append("…" if right < len(text) else "")
    return " ".join("".join(out).split())


def _merge(found: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(found):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged
