"""Which embedded full-text engine for the archive: tantivy, SQLite FTS5 or Whoosh.

Generates a seeded corpus of mixed Chinese/English archive texts (~2 KB each,
bench/search_corpus.py), analyses it ONCE with services/search/analysis.py (CJK
bigrams, folded Latin words) and indexes the analysed text in each engine with a
whitespace tokenizer (bench/search_engines.py), timing the build and measuring
the index on disk. Then runs the same 500 seeded queries against each engine
(bench/search_queries.py: Chinese words and phrases, English words and phrases,
word + metadata filter), each asking for the top 20 by relevance AND the exact
total count, and reports p50/p95/max latency overall and per query class.
Correctness: every engine's exact count and top 20 are checked against a
brute-force truth over the analysed terms ("exact"), and for a sample of queries
the full id set is compared with a brute-force substring truth over the ORIGINAL
texts (recall / precision; the gap to 1.0 shared by all engines is the analysis's).
Indexes live in a temporary folder that is deleted at the end.

    .venv/bin/python bench/search.py [--docs 100000] [--seed 42]
        [--engines tantivy,fts5,whoosh] [--full-sets 100] [--json]
"""
from __future__ import annotations

import argparse
import json
import math
import random
import shutil
import sqlite3
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from functools import partial
from importlib.metadata import version
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent), str(HERE)]
from services.search.analysis import analysed, terms
from search_corpus import make_doc
from search_engines import ENGINES, Fts5, folder_size
from search_queries import CLASSES, make_queries, substring_truth, terms_truth

TOP = 20
WARMUP = 20
MIB = 1024 * 1024


def _chunk(args: tuple[int, int, int]) -> tuple[list[str], list, list[str]]:
    seed, start, stop = args
    docs = [make_doc(seed, i) for i in range(start, stop)]
    return [d[0] for d in docs], [d[1] for d in docs], [analysed(d[0]) for d in docs]


def build_corpus(n: int, seed: int, workers: int = 2) -> tuple[list[str], list, list[str]]:
    """Texts, metadata and analysed texts of documents 0..n-1 (identical for any worker count)."""
    step = 2000
    texts, metas, bodies = [], [], []
    with ProcessPoolExecutor(workers) as pool:
        for t, m, b in pool.map(_chunk, [(seed, s, min(n, s + step)) for s in range(0, n, step)]):
            texts += t
            metas += m
            bodies += b
    return texts, metas, bodies


def ground_truth(queries, texts, metas, bodies) -> tuple[list[set[int]], list[set[int]]]:
    lowered = [t.lower() for t in texts]
    padded = [f" {b} " for b in bodies]
    by_substring = [substring_truth(q, texts, lowered, metas) for q in queries]
    by_terms = [terms_truth(q, terms(q.text), padded, metas) for q in queries]
    return by_substring, by_terms


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)] if ordered else float("nan")


def run_queries(engine, queries) -> tuple[list[float], list[tuple[list[int], int]]]:
    """Latency in ms of top-TOP + exact count per query, after a short warm-up."""
    for q in queries[:WARMUP]:
        engine.search(terms(q.text), q.filter, TOP)
    latencies, answers = [], []
    for q in queries:
        query_terms = terms(q.text)
        started = time.perf_counter()
        answer = engine.search(query_terms, q.filter, TOP)
        latencies.append((time.perf_counter() - started) * 1000)
        answers.append(answer)
    return latencies, answers


def exactness(answers, by_terms) -> float:
    """Share of queries whose count and top TOP agree with the analysed-terms truth."""
    good = 0
    for (top, count), truth in zip(answers, by_terms, strict=True):
        good += count == len(truth) and set(top) <= truth and len(top) == min(TOP, len(truth))
    return good / len(answers)


def recall_precision(found: list[set[int]], truth: list[set[int]]) -> tuple[float, float]:
    """Averages: recall over queries with a non-empty truth, precision over non-empty answers."""
    recalls = [len(f & t) / len(t) for f, t in zip(found, truth, strict=True) if t]
    precisions = [len(f & t) / len(f) for f, t in zip(found, truth, strict=True) if f]
    return _mean(recalls), _mean(precisions)


def _mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else 1.0  # nothing to miss: perfect


def bench_engine(name, corpus, queries, truths, sample, workdir: Path) -> dict:
    texts, metas, bodies = corpus
    by_substring, by_terms = truths
    folder = workdir / name
    folder.mkdir()
    engine = ENGINES[name]()
    started = time.perf_counter()
    engine.build(folder, bodies, metas)
    build_s = time.perf_counter() - started
    size = folder_size(folder)
    print(f"  {name}: built in {build_s:.1f} s, {size / MIB:.1f} MiB; querying", file=sys.stderr)
    latencies, answers = run_queries(engine, queries)
    found = [engine.all_ids(terms(queries[i].text), queries[i].filter) for i in sample]
    engine.close()
    shutil.rmtree(folder)
    recall, precision = recall_precision(found, [by_substring[i] for i in sample])
    terms_recall, terms_precision = recall_precision(found, [by_terms[i] for i in sample])
    per_class = {c: [ms for ms, q in zip(latencies, queries, strict=True) if q.cls == c] for c in CLASSES}
    return {
        "engine": name, "index_s": build_s, "index_mib": size / MIB,
        "p50_ms": percentile(latencies, 50), "p95_ms": percentile(latencies, 95), "max_ms": max(latencies),
        "recall": recall, "precision": precision, "exact": exactness(answers, by_terms),
        "terms_recall": terms_recall, "terms_precision": terms_precision,
        "class_p50_ms": {c: percentile(v, 50) for c, v in per_class.items()},
        "class_p95_ms": {c: percentile(v, 95) for c, v in per_class.items()},
    }


def analysis_gap(queries, truths) -> dict[str, float]:
    """Per class: share of substring matches the analysed terms can find at all (ceiling recall)."""
    by_substring, by_terms = truths
    gap = {}
    for c in CLASSES:
        pairs = [(s, t) for q, s, t in zip(queries, by_substring, by_terms, strict=True) if q.cls == c and s]
        gap[c] = sum(len(s & t) / len(s) for s, t in pairs) / len(pairs) if pairs else 1.0
    return gap


def print_report(report: dict, out) -> None:
    c = report["corpus"]
    say = partial(print, file=out)
    say(f"\ncorpus: {c['docs']:,} docs, {c['mib']:.0f} MiB UTF-8, {c['avg_terms']:.0f} terms/doc, "
        f"generated + analysed in {c['prepare_s']:.0f} s (not counted below); {len(report['queries'])} "
        f"queries; recall/precision on {report['full_sets']} full id sets")
    say("versions: " + ", ".join(f"{k} {v}" for k, v in report["versions"].items()))
    say(f"FTS5 unicode61 keeps analysed terms intact: {report['fts5_tokenizer_ok']}")
    head = f"{'engine':8} | {'index s':>8} | {'size MiB':>8} | {'p50 ms':>7} | {'p95 ms':>7} | " \
           f"{'max ms':>7} | {'recall':>6} | {'precision':>9} | {'exact':>6}"
    say("\n" + head + "\n" + "-" * len(head))
    for r in report["engines"]:
        say(f"{r['engine']:8} | {r['index_s']:8.1f} | {r['index_mib']:8.1f} | {r['p50_ms']:7.2f} | "
            f"{r['p95_ms']:7.2f} | {r['max_ms']:7.1f} | {r['recall']:6.3f} | {r['precision']:9.3f} | "
            f"{r['exact']:6.1%}")
    say("\np95 ms per class (p50 in brackets):")
    say(f"{'engine':8} | " + " | ".join(f"{c:>18}" for c in CLASSES))
    for r in report["engines"]:
        cells = (f"{r['class_p95_ms'][c]:9.2f} ({r['class_p50_ms'][c]:6.2f})" for c in CLASSES)
        say(f"{r['engine']:8} | " + " | ".join(cells))
    say("\nceiling recall of the shared analysis vs substring truth, per class: "
        + ", ".join(f"{c} {v:.3f}" for c, v in report["analysis_ceiling"].items()))
    say("exact = count and top 20 agree with a brute-force match of the analysed terms (engine fidelity)")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--engines", default="tantivy,fts5,whoosh")
    parser.add_argument("--full-sets", type=int, default=100, help="queries whose full id set is compared")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    names = [n.strip() for n in args.engines.split(",") if n.strip()]
    unknown = set(names) - set(ENGINES)
    if unknown:
        parser.error(f"unknown engines: {', '.join(sorted(unknown))}")

    started = time.perf_counter()
    print(f"generating and analysing {args.docs:,} documents", file=sys.stderr)
    corpus = build_corpus(args.docs, args.seed)
    prepare_s = time.perf_counter() - started
    texts, metas, bodies = corpus
    queries = make_queries(texts, metas, args.seed)
    print("computing ground truth", file=sys.stderr)
    truths = ground_truth(queries, texts, metas, bodies)
    sample = sorted(random.Random(args.seed + 2).sample(range(len(queries)),
                                                        min(args.full_sets, len(queries))))
    report = {
        "corpus": {"docs": len(texts), "seed": args.seed, "prepare_s": prepare_s,
                   "mib": sum(len(t.encode()) for t in texts) / MIB,
                   "avg_terms": sum(b.count(" ") + 1 for b in bodies) / len(bodies)},
        "versions": {"python": sys.version.split()[0], "tantivy": version("tantivy"),
                     "sqlite": sqlite3.sqlite_version, "whoosh-reloaded": version("whoosh-reloaded")},
        "fts5_tokenizer_ok": Fts5.check_tokenizer(bodies[:200]),
        "queries": [{"class": q.cls, "text": q.text, "filter": q.filter and vars(q.filter),
                     "substring_hits": len(s), "terms_hits": len(t)}
                    for q, s, t in zip(queries, *truths, strict=True)],
        "full_sets": len(sample), "analysis_ceiling": analysis_gap(queries, truths), "engines": [],
    }
    workdir = Path(tempfile.mkdtemp(prefix="search-bench-"))
    try:
        for name in names:
            report["engines"].append(bench_engine(name, corpus, queries, truths, sample, workdir))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=1))
    print_report(report, sys.stderr if args.json else sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
