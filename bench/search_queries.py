"""Seeded query set and brute-force ground truth for bench/search.py.

Two truths per query:
- ``substring``: the ORIGINAL text contains the query (Chinese: plain substring;
  English words and phrases: case-insensitive ``\\b…\\b`` regex), plus filters.
  This is what a user expects.
- ``terms``: the analysed text contains the query's analysed terms as
  consecutive tokens, plus filters. This is the best ANY engine can do with the
  shared analysis, so an engine that disagrees with it is wrong, and the gap
  between the two truths belongs to the analysis, not to the engine.
"""
from __future__ import annotations

import random
import re
from dataclasses import dataclass

from search_corpus import TYPES, YEARS, Meta, vocabulary

CLASSES = {"zh_word": 150, "zh_phrase": 100, "en_word": 100, "en_phrase": 50, "filtered": 100}
_CJK_RUN = re.compile(r"[\u4e00-\u9fff]{3,}")
_EN_RUN = re.compile(r"(?<![\w'])[A-Za-z]{2,}(?: [A-Za-z]{2,}){1,5}(?![\w'])")


@dataclass(frozen=True)
class Filter:
    min_secrecy: int
    customer: str | None = None
    type: str | None = None
    years: tuple[int, int] | None = None

    def accepts(self, m: Meta) -> bool:
        return (m.secrecy >= self.min_secrecy
                and (self.customer is None or m.customer == self.customer)
                and (self.type is None or m.type == self.type)
                and (self.years is None or self.years[0] <= m.year <= self.years[1]))


@dataclass(frozen=True)
class Query:
    cls: str
    text: str
    english: bool
    filter: Filter | None = None


def _doc_piece(rng, texts, pattern, lengths) -> str:
    """A random run of ``pattern`` in a random document, cut to a random length."""
    while True:
        runs = pattern.findall(texts[rng.randrange(len(texts))])
        if runs:
            run = rng.choice(runs)
            if " " in run:  # English: whole words
                words = run.split(" ")
                n = min(rng.choice(lengths), len(words))
                start = rng.randint(0, len(words) - n)
                return " ".join(words[start:start + n])
            n = min(rng.choice(lengths), len(run))
            start = rng.randint(0, len(run) - n)
            return run[start:start + n]


def _filter(rng, metas) -> Filter:
    kind = rng.choice(("customer", "type", "years"))
    anchor = metas[rng.randrange(len(metas))]
    min_secrecy = rng.choice((1, 2, 2, 3))
    if kind == "customer":
        return Filter(min_secrecy, customer=anchor.customer)
    if kind == "type":
        return Filter(min_secrecy, type=rng.choice(TYPES))
    lo = rng.randint(YEARS[0], YEARS[1] - 1)
    return Filter(min_secrecy, years=(lo, min(YEARS[1], lo + rng.randint(0, 9))))


def make_queries(texts: list[str], metas: list[Meta], seed: int) -> list[Query]:
    """CLASSES' counts of queries: vocabulary words (common and rare) and pieces of documents."""
    rng, vocab = random.Random(seed + 1), vocabulary()
    word_runs = re.compile(r"[\u4e00-\u9fff]{2,}")
    queries = [Query("zh_word", rng.choice(vocab["zh2"]) if i % 3 else _doc_piece(rng, texts, word_runs, [2]),
                     False) for i in range(CLASSES["zh_word"])]
    queries += [Query("zh_phrase", rng.choice(vocab["zh_long"]) if i % 2
                      else _doc_piece(rng, texts, _CJK_RUN, [3, 4, 5, 6]), False)
                for i in range(CLASSES["zh_phrase"])]
    queries += [Query("en_word", rng.choice(vocab["en"]), True) for _ in range(CLASSES["en_word"])]
    queries += [Query("en_phrase", _doc_piece(rng, texts, _EN_RUN, [2, 3]).lower(), True)
                for _ in range(CLASSES["en_phrase"])]
    for _ in range(CLASSES["filtered"]):
        english = rng.random() < 0.5
        word = rng.choice(vocab["en"] if english else vocab["zh2"])
        queries.append(Query("filtered", word, english, _filter(rng, metas)))
    return queries


def _candidates(query: Query, metas: list[Meta]) -> range | list[int]:
    if query.filter is None:
        return range(len(metas))
    return [i for i, m in enumerate(metas) if query.filter.accepts(m)]


def substring_truth(query: Query, texts: list[str], lowered: list[str], metas: list[Meta]) -> set[int]:
    ids = _candidates(query, metas)
    if not query.english:
        return {i for i in ids if query.text in texts[i]}
    needle = query.text.lower()
    pattern = re.compile(r"\b" + re.escape(needle) + r"\b")
    return {i for i in ids if needle in lowered[i] and pattern.search(lowered[i])}


def terms_truth(query: Query, query_terms: list[str], padded: list[str], metas: list[Meta]) -> set[int]:
    """Documents whose analysed text (padded with spaces) holds the terms consecutively."""
    needle = " " + " ".join(query_terms) + " "
    return {i for i in _candidates(query, metas) if needle in padded[i]}
