"""The three candidate engines behind one small interface, for bench/search.py.

Every engine indexes the SAME pre-analysed text (services/search/analysis.py:
index terms joined by spaces) with a plain whitespace tokenizer and positions,
so a query is a list of terms: one term -> term query, several -> phrase of
adjacent terms. Queries are built programmatically, never parsed. Metadata
filters are ANDed with a constant (zero) score so they never change the ranking.
Bodies are indexed, not stored; only the document id is kept.
"""
from __future__ import annotations

import sqlite3
from pathlib import Path

from search_queries import Filter

WRITER_HEAP = 1_000_000_000


def folder_size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


class Tantivy:
    name = "tantivy"

    def build(self, folder: Path, bodies: list[str], metas) -> None:
        import tantivy
        self.t = tantivy
        sb = tantivy.SchemaBuilder()
        sb.add_text_field("body", tokenizer_name="whitespace", index_option="position")
        sb.add_unsigned_field("id", fast=True)
        sb.add_text_field("customer", tokenizer_name="raw", index_option="basic", fast=True)
        sb.add_text_field("type", tokenizer_name="raw", index_option="basic", fast=True)
        sb.add_unsigned_field("year", indexed=True, fast=True)
        sb.add_unsigned_field("secrecy", indexed=True, fast=True)
        self.schema = sb.build()
        self.index = tantivy.Index(self.schema, path=str(folder))
        writer = self.index.writer(WRITER_HEAP, 2)
        for i, (body, m) in enumerate(zip(bodies, metas, strict=True)):
            doc = tantivy.Document()
            doc.add_unsigned("id", i)
            doc.add_text("body", body)
            doc.add_text("customer", m.customer)
            doc.add_text("type", m.type)
            doc.add_unsigned("year", m.year)
            doc.add_unsigned("secrecy", m.secrecy)
            writer.add_document(doc)
        writer.commit()
        writer.wait_merging_threads()
        self.index.reload()
        self.searcher = self.index.searcher()

    def _query(self, terms: list[str], flt: Filter | None):
        Q, s = self.t.Query, self.schema
        text = Q.term_query(s, "body", terms[0]) if len(terms) == 1 else Q.phrase_query(s, "body", terms)
        if flt is None:
            return text
        unsigned = self.t.FieldType.Unsigned
        parts = [Q.range_query(s, "secrecy", unsigned, flt.min_secrecy, None)]
        if flt.customer:
            parts.append(Q.term_query(s, "customer", flt.customer))
        if flt.type:
            parts.append(Q.term_query(s, "type", flt.type))
        if flt.years:
            parts.append(Q.range_query(s, "year", unsigned, *flt.years))
        must = self.t.Occur.Must
        return Q.boolean_query([(must, text)] + [(must, Q.const_score_query(p, 0.0)) for p in parts])

    def search(self, terms, flt, limit=20) -> tuple[list[int], int]:
        result = self.searcher.search(self._query(terms, flt), limit, count=True)
        return self.searcher.fast_field_values("id", [hit[1] for hit in result.hits]), result.count

    def all_ids(self, terms, flt) -> set[int]:
        ids, _ = self.search(terms, flt, limit=max(1, self.searcher.num_docs))
        return set(ids)

    def close(self) -> None:
        self.searcher = self.index = None


class Fts5:
    """Contentless FTS5 table (content='') joined by rowid to an indexed metadata table.

    tokenize='unicode61 remove_diacritics 0': unicode61 keeps every letter/number
    (CJK included) as a token character, so the analysed bigrams and folded words
    pass through unchanged; check_tokenizer() verifies that with fts5vocab.
    """
    name = "fts5"
    TOKENIZE = "unicode61 remove_diacritics 0"

    def build(self, folder: Path, bodies: list[str], metas) -> None:
        self.db = sqlite3.connect(folder / "fts5.db", isolation_level=None)
        self.db.executescript(f"""
            PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;
            CREATE TABLE meta(id INTEGER PRIMARY KEY, customer TEXT, type TEXT, year INT, secrecy INT);
            CREATE VIRTUAL TABLE docs USING fts5(body, content='', tokenize='{self.TOKENIZE}');""")
        self.db.execute("BEGIN")
        self.db.executemany("INSERT INTO meta VALUES (?, ?, ?, ?, ?)",
                            ((i, m.customer, m.type, m.year, m.secrecy) for i, m in enumerate(metas)))
        self.db.executemany("INSERT INTO docs(rowid, body) VALUES (?, ?)", enumerate(bodies))
        self.db.execute("COMMIT")
        self.db.executescript("""
            CREATE INDEX meta_customer ON meta(customer, secrecy);
            CREATE INDEX meta_type ON meta(type, secrecy);
            CREATE INDEX meta_year ON meta(year, secrecy);
            INSERT INTO docs(docs) VALUES ('optimize');
            ANALYZE;
            PRAGMA mmap_size=4294967296; PRAGMA cache_size=-262144;""")

    @staticmethod
    def _where(terms: list[str], flt: Filter | None) -> tuple[str, str, list]:
        join, where, args = "", ["docs MATCH ?"], ['"' + " ".join(terms) + '"']
        if flt is not None:
            join = " JOIN meta ON meta.id = docs.rowid"
            where.append("meta.secrecy >= ?")
            args.append(flt.min_secrecy)
            for column, value in (("customer", flt.customer), ("type", flt.type)):
                if value:
                    where.append(f"meta.{column} = ?")
                    args.append(value)
            if flt.years:
                where.append("meta.year BETWEEN ? AND ?")
                args.extend(flt.years)
        return join, " AND ".join(where), args

    def search(self, terms, flt, limit=20) -> tuple[list[int], int]:
        join, where, args = self._where(terms, flt)
        top = self.db.execute(f"SELECT docs.rowid FROM docs{join} WHERE {where} ORDER BY rank LIMIT ?",
                              args + [limit]).fetchall()
        (count,) = self.db.execute(f"SELECT count(*) FROM docs{join} WHERE {where}", args).fetchone()
        return [row[0] for row in top], count

    def all_ids(self, terms, flt) -> set[int]:
        join, where, args = self._where(terms, flt)
        return {row[0] for row in self.db.execute(f"SELECT docs.rowid FROM docs{join} WHERE {where}", args)}

    def close(self) -> None:
        self.db.close()

    @classmethod
    def check_tokenizer(cls, bodies: list[str]) -> bool:
        """True when FTS5's tokenizer yields exactly the whitespace-separated terms."""
        db = sqlite3.connect(":memory:")
        db.execute(f"CREATE VIRTUAL TABLE t USING fts5(body, tokenize='{cls.TOKENIZE}')")
        db.execute("CREATE VIRTUAL TABLE v USING fts5vocab(t, 'instance')")
        ok = True
        for i, body in enumerate(bodies):
            db.execute("INSERT INTO t(rowid, body) VALUES (?, ?)", (i, body))
            got = [row[0] for row in db.execute("SELECT term FROM v WHERE doc = ? ORDER BY offset", (i,))]
            ok &= got == body.split()
        db.close()
        return ok


class Whoosh:
    name = "whoosh"

    def build(self, folder: Path, bodies: list[str], metas) -> None:
        from whoosh import analysis, fields, index, query
        self.q = query
        schema = fields.Schema(
            id=fields.NUMERIC(int, bits=32, stored=True),
            body=fields.TEXT(analyzer=analysis.SpaceSeparatedTokenizer(), phrase=True),
            customer=fields.ID(), type=fields.ID(),
            year=fields.NUMERIC(int), secrecy=fields.NUMERIC(int))
        self.index = index.create_in(str(folder), schema)
        writer = self.index.writer(procs=1, limitmb=4096)
        for i, (body, m) in enumerate(zip(bodies, metas, strict=True)):
            writer.add_document(id=i, body=body, customer=m.customer, type=m.type,
                                year=m.year, secrecy=m.secrecy)
        writer.commit()
        self.searcher = self.index.searcher()
        self._ids = None

    def _query(self, terms: list[str], flt: Filter | None):
        q = self.q
        text = q.Term("body", terms[0]) if len(terms) == 1 else q.Phrase("body", terms)
        if flt is None:
            return text
        parts = [q.NumericRange("secrecy", flt.min_secrecy, None)]
        if flt.customer:
            parts.append(q.Term("customer", flt.customer))
        if flt.type:
            parts.append(q.Term("type", flt.type))
        if flt.years:
            parts.append(q.NumericRange("year", *flt.years))
        return q.And([text] + [q.ConstantScoreQuery(p, 0.0) for p in parts])

    def search(self, terms, flt, limit=20) -> tuple[list[int], int]:
        results = self.searcher.search(self._query(terms, flt), limit=limit)
        return [hit["id"] for hit in results], len(results)

    def all_ids(self, terms, flt) -> set[int]:
        if self._ids is None:  # docnum -> our id, read once from the stored fields
            self._ids = [fields["id"] for fields in self.searcher.reader().all_stored_fields()]
        return {self._ids[n] for n in self.searcher.docs_for_query(self._query(terms, flt))}

    def close(self) -> None:
        self.searcher.close()


ENGINES = {engine.name: engine for engine in (Tantivy, Fts5, Whoosh)}
