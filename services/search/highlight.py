"""Highlighted snippets cut from the original text, where the query's terms
stand in sequence — the same tokens the engine matched, so every hit gets the
passage that made it a hit."""
from __future__ import annotations

from html import escape

from services.search.analysis import tokens
from services.search.query import Clause

CONTEXT = 40
MAX_SNIPPETS = 3


def spans(text: str, clauses: tuple[Clause, ...]) -> list[tuple[int, int]]:
    """(start, end) offsets in ``text`` of every match of a required clause."""
    toks = tokens(text)
    words = [t.text for t in toks]
    found: list[tuple[int, int]] = []
    for clause in clauses:
        if clause.exclude:
            continue
        n = len(clause.terms)
        for i in range(len(words) - n + 1):
            if tuple(words[i:i + n]) == clause.terms:
                found.append((toks[i].start, toks[i + n - 1].end))
    return sorted(found)


def snippets(text: str, clauses: tuple[Clause, ...], *, mark: tuple[str, str] = ("<em>", "</em>")
             ) -> list[str]:
    """Up to three passages around the matches, HTML-escaped, matches marked."""
    found = spans(text, clauses)
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
