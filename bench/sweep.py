"""The retention sweep over 1,000,000 documents on PostgreSQL (goal: under 10 s).

Seeds a scratch database (``dangan_bench``, created beside the given one) with
N documents server-side (generate_series): 30 years of intake, terms of 3–30
years, a tenth permanent, a tenth waiting for their customer's closure, 1,000
customers of which 10 are held, 1,000 documents held one by one. Then times,
through shared.retention.sweep in its own transaction:

- the first sweep, which flags the whole backlog of due documents;
- the next day's sweep, which flags only what came due since (the daily case);
- beside them, as a baseline, a plain count of every row (one sequential scan).

    .venv/bin/python bench/sweep.py [--docs 1000000] [--database-url postgresql://…/test]
"""
from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from shared import retention
from shared.config import normalise_database_url
from shared.db.session import migrate, session_factory

SEED = """
INSERT INTO customers (id, code, name, kind, grade, status, closed_at, created_at, updated_at)
SELECT c, 'C' || c, 'customer ' || c, 'company', 'B', 'active', NULL, now(), now()
FROM generate_series(1, 1000) c;
INSERT INTO documents (id, archive_number, customer_id, type, title, document_date, secrecy,
    retention_term, retention_years, retention_trigger, retain_until, status, tags, custom_fields,
    created_by, created_at, updated_at)
SELECT lpad(to_hex(g), 36, '0'), 'KH01-B-' || g, 1 + mod(g, 1000),
       CASE WHEN mod(g, 10) = 1 THEN 'id_copy' ELSE 'contract' END, 'document ' || g,
       date '1996-01-01' + mod(g, 10950), 1 + mod(g, 3),
       CASE WHEN mod(g, 10) = 0 THEN 'permanent' WHEN mod(g, 3) = 0 THEN 'short' ELSE 'long' END,
       CASE WHEN mod(g, 10) = 0 THEN NULL WHEN mod(g, 3) = 0 THEN 3 + mod(g, 10) ELSE 30 END,
       CASE WHEN mod(g, 10) = 1 THEN 'customer_closed' ELSE 'document_date' END,
       CASE WHEN mod(g, 10) IN (0, 1) THEN NULL
            WHEN mod(g, 3) = 0 THEN date '1996-01-01' + mod(g, 10950) + (3 + mod(g, 10)) * 365
            ELSE date '1996-01-01' + mod(g, 10950) + 30 * 365 END,
       'archived', '[]', '{}', 'bench', now(), now()
FROM generate_series(1, :docs) g;
INSERT INTO holds (id, reason, customer_id, created_by, created_at)
SELECT h, 'litigation ' || h, h * 97, 'bench', now() FROM generate_series(1, 10) h;
INSERT INTO holds (id, reason, customer_id, created_by, created_at)
VALUES (11, 'documents', NULL, 'bench', now());
INSERT INTO hold_documents (hold_id, document_id)
SELECT 11, lpad(to_hex(g), 36, '0') FROM generate_series(7, :docs, greatest(1, :docs / 1000)) g;
ANALYZE;
"""


def scratch_database(url: str) -> str:
    """A URL of the database ``dangan_bench`` beside ``url``, emptied."""
    base = make_url(normalise_database_url(url))
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text("DROP DATABASE IF EXISTS dangan_bench"))
        conn.execute(text("CREATE DATABASE dangan_bench"))
    admin.dispose()
    return base.set(database="dangan_bench").render_as_string(hide_password=False)


def timed(label: str, work: Callable[[], object]) -> float:
    started = time.perf_counter()
    result = work()
    seconds = time.perf_counter() - started
    print(f"{label:<44} {seconds:8.2f} s   {result}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--docs", type=int, default=1_000_000)
    parser.add_argument("--database-url", default="postgresql://dangan:dangan@127.0.0.1:5432/test")
    args = parser.parse_args()
    engine = create_engine(scratch_database(args.database_url))
    migrate(engine)
    sessions = session_factory(engine)
    with engine.begin() as conn:
        def seed() -> str:
            for statement in filter(str.strip, SEED.split(";")):
                conn.execute(text(statement), {"docs": args.docs})
            return "done"

        timed(f"seed {args.docs:,} documents", seed)
    today = date.today()

    def sweep(as_of: date) -> str:
        with sessions() as session:
            # each sweep runs as if on its own day: the next day's comes tomorrow
            flagged = retention.sweep(session, as_of=as_of, today=as_of, actor="bench")
            session.commit()
        return f"flagged {flagged:,}"

    def count() -> str:
        with engine.connect() as conn:
            return f"{conn.execute(text('SELECT count(*) FROM documents')).scalar():,} rows"

    print(f"{'what':<44} {'time':>10}   result")
    timed("baseline: count every document", count)
    timed(f"first sweep as of {today} (the backlog)", lambda: sweep(today))
    timed("the same sweep again (idempotent)", lambda: sweep(today))
    timed(f"next day's sweep as of {today + timedelta(days=1)}", lambda: sweep(today + timedelta(days=1)))
    timed("a month later", lambda: sweep(today + timedelta(days=31)))
    with engine.connect() as conn:
        plan = conn.execute(text(
            "EXPLAIN SELECT id FROM documents WHERE status = 'archived' AND retain_until <= :d"),
            {"d": today}).scalars().all()
    print("plan of the sweep's scan:", " / ".join(p.strip() for p in plan[:2]))
    engine.dispose()


if __name__ == "__main__":
    main()
