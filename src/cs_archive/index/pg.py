"""The archive in PostgreSQL with pgvector: for many councils, many users, continuous ingest.

Same interface as the embedded store (``index/base.py``); addressed by a ``postgresql://``
URL. Tables mirror the SQLite ones (``files``, ``papers``, ``chunks``, ``needs_ocr``, ``ocr_done``,
``exempt_papers``, ``paper_provenance``, ``ocr_chunks``) plus ``meta`` (model, dimension, chunker
version) and ``corpus`` (counts for BM25 and a generation number that moves on every change).
``chunks`` holds:

- ``embedding vector(dim)`` under an HNSW index (``vector_ip_ops``: vectors are unit length,
  so inner product is cosine). A filtered search lets pgvector's iterative index scan
  (``hnsw.iterative_scan = relaxed_order``) go on until k rows pass the filter; a filter that
  leaves few chunks is searched exactly over those chunks instead, which is both faster and
  certain to return k hits;
- ``stems tsvector`` (GIN): the words of ``lexical.passage_index_text`` with their positions, built
  here rather than by a PostgreSQL text configuration, so both backends see the same words.
  Candidates come from the GIN index; ranking is BM25 computed as SQLite FTS5's ``bm25()``
  does (k1 1.2, b 0.75, the same IDF over the whole archive), so the lexical arm ranks the
  same rows the same way on both backends (``ts_rank_cd`` has no IDF and would not).

Writing: the schema is made on first write. Each ``put_file``/``remove_file`` is one
transaction under an advisory lock on its source path, so a failure inside one leaves
nothing of that file, concurrent ingests of different files proceed side by side, and
readers see each file whole or not at all.
"""
from __future__ import annotations

import json
import os
import struct
import threading
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, replace
from itertools import islice
from typing import Any, Iterable, Sequence

import numpy as np

from ..chunking import CHUNKER_VERSION
from ..config import settings, shown
from ..lexical import normalise, passage_index_text
from ..models import Chunk
from .shared import (ArchiveBusy, ArchiveError, ArchiveMissing, FilterValues, SqlReader, SqlWriter,
                     match_subterms, now, paper_rows, provenance_rows, stats)
from .store import Manifest

FORMAT = 1  # of the database's tables (the folder store counts its own)

EXACT_BELOW = 20_000  # a filter leaving at most this many chunks is searched exactly
LOCK_SPACE = 0x6373  # advisory lock class for cs-archive ("cs"); object: hash of the source path
MAX_POSITIONS = 255  # PostgreSQL keeps at most 256 positions of one word in a tsvector
K1, B = 1.2, 0.75
INT4, INT8, TEXT, TEXT_ARRAY, TSVECTOR = 23, 20, 25, 1009, 3614  # type oids for binary COPY


# Tables added since the first archives: an older archive gets each on its next write (its
# postings built from its tsvectors) and reads as having none of it until then.
ADDED_TABLES = {
    # The lexical arm's inverted index: one row per (word, chunk) with the word's count in the
    # chunk and the chunk's length, so BM25 reads only the query words' postings (an index-only
    # scan), as FTS5 reads its posting lists. Written in the same transaction as the chunk.
    "postings": 'postings (term text COLLATE "C" NOT NULL, id bigint NOT NULL, tf int NOT NULL, '
                "ntok int NOT NULL, PRIMARY KEY (term, id) INCLUDE (tf, ntok))",
    # Where each paper's metadata came from (JSON ``{field: origin}``).
    "paper_provenance": "paper_provenance (doc_id text PRIMARY KEY REFERENCES papers(doc_id) ON DELETE CASCADE, "
                        "provenance text NOT NULL)",
    # Files whose scanned pages were read by OCR at ingest, and how many (``stats``: "OCR'd").
    "ocr_done": "ocr_done (source text PRIMARY KEY, sha256 text NOT NULL, pages int NOT NULL)",
    # Where each file is, absolute (its source is as it was given to ingest).
    "file_paths": "file_paths (source text PRIMARY KEY REFERENCES files(source) ON DELETE CASCADE, path text NOT NULL)",
    # The passages whose text was read by OCR (hits mark them: check the original).
    "ocr_chunks": "ocr_chunks (chunk_id text PRIMARY KEY REFERENCES chunks(chunk_id) ON DELETE CASCADE)",
}
POSTINGS_BACKFILL = ("INSERT INTO postings SELECT u.lexeme, c.id, greatest(cardinality(u.positions), 1), c.ntok "
                     "FROM chunks c, unnest(c.stems) u")


def _schema(dim: int) -> list[str]:
    return [
        "CREATE EXTENSION IF NOT EXISTS vector",
        "CREATE TABLE IF NOT EXISTS meta (key text PRIMARY KEY, value text NOT NULL)",
        "CREATE TABLE IF NOT EXISTS corpus (one int PRIMARY KEY CHECK (one = 1), chunks bigint NOT NULL, "
        "tokens bigint NOT NULL, generation bigint NOT NULL, updated text NOT NULL)",
        "CREATE TABLE IF NOT EXISTS files (source text PRIMARY KEY, sha256 text NOT NULL, meta_hash text NOT NULL, "
        "chunker text NOT NULL, pages int, dropped text, ingested_at text NOT NULL)",
        "CREATE TABLE IF NOT EXISTS needs_ocr (source text PRIMARY KEY, sha256 text NOT NULL, pages int, "
        "reason text NOT NULL, recorded_at text NOT NULL)",
        "CREATE TABLE IF NOT EXISTS papers (doc_id text PRIMARY KEY, "
        "source text NOT NULL REFERENCES files(source) ON DELETE CASCADE, idx int NOT NULL, council text, "
        "committee text, date text, title text, doc_type text NOT NULL, url text, page_count int, "
        'start int NOT NULL, "end" int NOT NULL, part_of_pack int NOT NULL)',
        "CREATE TABLE IF NOT EXISTS exempt_papers (doc_id text PRIMARY KEY REFERENCES papers(doc_id) "
        "ON DELETE CASCADE, reason text NOT NULL)",
        "CREATE TABLE IF NOT EXISTS chunks (id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, "
        "chunk_id text UNIQUE NOT NULL, doc_id text NOT NULL REFERENCES papers(doc_id) ON DELETE CASCADE, "
        "seq int NOT NULL, section text, subsection text, part int, heading text NOT NULL, text text NOT NULL, "
        "norm text NOT NULL, page int, page_end int, topics text[] NOT NULL, content_hash text NOT NULL, "
        f"embedding vector({int(dim)}) NOT NULL, stems tsvector NOT NULL, ntok int NOT NULL)",
        *(f"CREATE TABLE IF NOT EXISTS {ddl}" for ddl in ADDED_TABLES.values()),
        "CREATE INDEX IF NOT EXISTS chunks_doc ON chunks (doc_id, seq)",
        "CREATE INDEX IF NOT EXISTS chunks_hash ON chunks (content_hash)",
        "CREATE INDEX IF NOT EXISTS papers_source ON papers (source)",
        "CREATE INDEX IF NOT EXISTS papers_date ON papers (date)",
        "CREATE INDEX IF NOT EXISTS chunks_stems ON chunks USING gin (stems)",
        "CREATE INDEX IF NOT EXISTS chunks_embedding ON chunks USING hnsw (embedding vector_ip_ops)",
        # How many times a word (or a phrase of words) occurs in a chunk: BM25's term frequency.
        """CREATE OR REPLACE FUNCTION cs_tf(v tsvector, words text[]) RETURNS int
           LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
             WITH w AS (SELECT u.lexeme, u.positions FROM unnest(ts_filter(setweight(v, 'A', words), '{a}')) u)
             SELECT CASE WHEN cardinality(words) = 1
               THEN coalesce((SELECT cardinality(positions) FROM w WHERE lexeme = words[1]), 0)
               ELSE (SELECT count(*)::int FROM w AS w1, unnest(w1.positions) AS p
                     WHERE w1.lexeme = words[1] AND NOT EXISTS (
                       SELECT 1 FROM generate_series(2, cardinality(words)) AS k
                       WHERE NOT EXISTS (SELECT 1 FROM w AS wk WHERE wk.lexeme = words[k]
                                         AND (p + k - 1)::int2 = ANY (wk.positions))))
             END $$""",
    ]


# -- vectors on the wire: pgvector's binary format (dim, unused, float4 big-endian) -------
def _register_vector(con) -> int:
    from psycopg.adapt import Dumper, Loader
    from psycopg.pq import Format
    from psycopg.types import TypeInfo

    info = TypeInfo.fetch(con, "vector")
    if info is None:
        raise ArchiveMissing("pgvector is not installed in this database")

    class VectorDumper(Dumper):
        format = Format.BINARY
        oid = info.oid

        def dump(self, obj):
            a = np.asarray(obj, dtype=">f4").reshape(-1)
            return struct.pack(">HH", a.shape[0], 0) + a.tobytes()

    class VectorLoader(Loader):
        format = Format.BINARY

        def load(self, data):
            dim = struct.unpack_from(">H", data)[0]
            return np.frombuffer(bytes(data), dtype=">f4", count=dim, offset=4).astype("float32")

    class VectorTextLoader(Loader):
        def load(self, data):
            return np.array(bytes(data).decode()[1:-1].split(","), dtype="float32")

    class WordsDumper(Dumper):
        format = Format.BINARY
        oid = TSVECTOR

        def dump(self, obj):
            return obj.to_tsvector_binary()

    info.register(con)
    con.adapters.register_dumper(Vec, VectorDumper)
    con.adapters.register_dumper(Words, WordsDumper)
    con.adapters.register_loader(info.oid, VectorLoader)
    con.adapters.register_loader(info.oid, VectorTextLoader)
    return info.oid


class Vec:
    """A vector parameter (so that plain numpy arrays of ids are never sent as vectors)."""

    __slots__ = ("a",)

    def __init__(self, a):
        self.a = a

    def __array__(self, dtype=None, copy=None):
        return np.asarray(self.a, dtype=dtype)


def _connect(url: str, autocommit: bool = True):
    try:
        import psycopg
        from psycopg.rows import dict_row
    except ImportError:
        raise ArchiveError("the PostgreSQL store needs psycopg: pip install 'cs-archive[pg]'") from None

    try:
        con = psycopg.connect(url, autocommit=autocommit, row_factory=dict_row, connect_timeout=10)
    except psycopg.OperationalError as e:
        raise ArchiveError(f"cannot connect to {shown(url)} ({_one_line(e)}); check the URL and that "
                           "the server is running") from None
    return con


def _pool(url: str, size: int | None):
    """A pool of up to ``size`` connections, or None (psycopg_pool missing, or size 1)."""
    if size is None:
        size = settings().pg_pool  # connections a shared reader (the UI) may hold
    if size <= 1:
        return None
    try:
        from psycopg.rows import dict_row
        from psycopg_pool import ConnectionPool
    except ImportError:
        return None
    pool = ConnectionPool(url, min_size=1, max_size=size, name="cs-archive", open=True, configure=_register_vector,
                          kwargs={"autocommit": True, "row_factory": dict_row, "connect_timeout": 10})
    pool.wait(timeout=30)
    return pool


def _one_line(e: Exception) -> str:
    return " ".join(str(e).split())[:200]


def _tables(con) -> set[str]:
    """Which of the archive's tables (``meta``, ``chunks`` and ADDED_TABLES) the database holds."""
    names = ["meta", "chunks", *ADDED_TABLES]
    return {r["t"] for r in con.execute("SELECT t FROM unnest(%s::text[]) AS t WHERE to_regclass(t) IS NOT NULL",
                                        [names])}


def chunk_words(title: str | None, heading: str, text: str) -> list[str]:
    """The words the lexical arm indexes for a chunk, in order (positions count from 1)."""
    return match_subterms(passage_index_text(title, heading, text))


class Words:
    """A chunk's words, sent to PostgreSQL as a tsvector (binary: each word with its positions)."""

    __slots__ = ("words",)

    def __init__(self, words: list[str]):
        self.words = words

    def to_tsvector_binary(self) -> bytes:
        where: dict[str, list[int]] = {}
        for pos, w in enumerate(self.words, 1):
            ps = where.setdefault(w, [])  # every word is a lexeme, even past the last position kept
            if len(ps) < MAX_POSITIONS and pos <= 16383:
                ps.append(pos)
        out = [struct.pack(">i", len(where))]
        for w in sorted(where):
            ps = where[w]
            out.append(w.encode() + b"\0" + struct.pack(f">H{len(ps)}H", len(ps), *ps))
        return b"".join(out)


def _tsquery(words: list[str]) -> str:
    """A match term's words as a tsquery: the phrase of them."""
    return " <-> ".join("'" + w.replace("\\", "\\\\").replace("'", "''") + "'" for w in words)


# -- filters -------------------------------------------------------------------------------
def filter_sql(f: FilterValues, phrases: Sequence[str]) -> tuple[str, list]:
    """A WHERE clause over ``chunks c JOIN papers p`` (empty string: no restriction)."""
    where, args = paper_filter_sql(f)
    if f.topic:
        where.append("EXISTS (SELECT 1 FROM unnest(c.topics) t WHERE lower(t) = %s)")
        args.append(f.topic)
    for ph in phrases:
        if ph:
            where.append("strpos(c.norm, %s) > 0")
            args.append(ph)
    return " AND ".join(where), args


def paper_filter_sql(f: FilterValues) -> tuple[list[str], list]:
    """The paper-level filters (dates, committee, council, type; papers marked exempt left out
    unless ``include_exempt``, which the reader has narrowed) as conditions over ``papers p``."""
    where, args = f.dates_and_type("%s")
    for col, val in (("p.committee", f.committee), ("p.council", f.council)):
        if val:
            where.append(f"strpos(regexp_replace(lower({col}), '\\s*&\\s*', ' and ', 'g'), %s) > 0")
            args.append(val)
    if not f.include_exempt:
        where.append(NOT_EXEMPT_SQL.format(col="p.doc_id"))
    return where, args


@dataclass
class PgAllowed:
    """The chunks a filter allows: their ids when few (searched exactly), else the filter's SQL."""

    where: str
    args: list
    ids: list[int] | None
    _archive: Any = None
    _count: int | None = None

    @property
    def empty(self) -> bool:
        return self.ids is not None and not self.ids

    def __len__(self) -> int:
        if self.ids is not None:
            return len(self.ids)
        if self._count is None:
            self._count = self._archive._one(
                f"SELECT count(*) AS n FROM chunks c JOIN papers p USING (doc_id) WHERE {self.where}", self.args)["n"]
        return self._count

    def __iter__(self):
        if self.ids is not None:
            return iter(self.ids)
        rows = self._archive._all(f"SELECT c.id FROM chunks c JOIN papers p USING (doc_id) WHERE {self.where} "
                                  "ORDER BY c.id", self.args)
        return iter(r["id"] for r in rows)


# BM25 as SQLite FTS5's bm25() computes it. A word's frequency comes from its postings; a
# phrase's from cs_tf over the chunks the GIN index finds for it (stems @@ the phrase). IDF
# counts matching chunks archive-wide.
LEXICAL_SQL = """
WITH terms AS (SELECT t.i, t.q::tsquery AS q, w.words::text[] AS words
               FROM unnest(%s::text[]) WITH ORDINALITY AS t(q, i)
               JOIN unnest(%s::text[]) WITH ORDINALITY AS w(words, i) USING (i)),
     tfs AS ({words}
             UNION ALL
             SELECT x.id, x.ntok, terms.i, x.tf
             FROM terms CROSS JOIN LATERAL (SELECT c.id, c.ntok, cs_tf(c.stems, terms.words) AS tf FROM chunks c
                                            WHERE c.stems @@ terms.q OFFSET 0) x
             WHERE cardinality(terms.words) > 1 AND x.tf > 0),
     total AS (SELECT greatest(chunks, 1)::float8 AS n, greatest(tokens, 1)::float8 / greatest(chunks, 1) AS avgdl
               FROM corpus),
     idf AS (SELECT tfs.i, CASE WHEN ln((total.n - count(*) + 0.5) / (count(*) + 0.5)) <= 0 THEN 1e-6
                                ELSE ln((total.n - count(*) + 0.5) / (count(*) + 0.5)) END AS idf
             FROM tfs, total GROUP BY tfs.i, total.n)
SELECT tfs.id, sum(idf.idf * tfs.tf * {k1_plus_1} / (tfs.tf + {k1} * ({one_minus_b} + {b} * tfs.ntok / total.avgdl))) AS score
FROM tfs JOIN idf USING (i) CROSS JOIN total
{keep}
GROUP BY tfs.id ORDER BY score DESC, tfs.id LIMIT %s"""

# Per query word, its postings by the primary key. LATERAL ... OFFSET 0 keeps it so: the
# planner, not knowing how few words a query has, would otherwise hash-join all postings.
WORDS_FROM_POSTINGS = """SELECT ps.id, ps.ntok, terms.i, ps.tf
             FROM terms CROSS JOIN LATERAL (SELECT id, ntok, tf FROM postings WHERE term = terms.words[1] OFFSET 0) ps
             WHERE cardinality(terms.words) = 1"""
# An archive without postings (made by an older cs-archive, not written to since): read each
# matching chunk's tsvector cut down to the query's words (setweight + ts_filter, in C).
WORDS_FROM_TSVECTORS = """SELECT c.id, c.ntok, terms.i, cardinality(u.positions) AS tf
             FROM chunks c CROSS JOIN LATERAL unnest(ts_filter(setweight(c.stems, 'A', %s::text[]), '{{a}}')) AS u
             JOIN terms ON cardinality(terms.words) = 1 AND terms.words[1] = u.lexeme
             WHERE c.stems @@ %s::tsquery"""

DENSE_SQL = "SELECT id, embedding <#> %s AS d FROM chunks ORDER BY embedding <#> %s LIMIT %s"
# Few chunks allowed: exact. "+ 0" keeps the planner off the (approximate) HNSW index.
DENSE_EXACT_IDS_SQL = ("SELECT id, embedding <#> %s AS d FROM chunks WHERE id = ANY(%s) "
                       "ORDER BY (embedding <#> %s) + 0, id LIMIT %s")
# Many allowed: the HNSW index, scanned on (hnsw.iterative_scan) until enough rows pass the filter.
DENSE_FILTERED_SQL = ("WITH hits AS MATERIALIZED (SELECT c.id, c.embedding <#> %s AS d FROM chunks c "
                      "JOIN papers p USING (doc_id) WHERE {where} ORDER BY c.embedding <#> %s LIMIT %s) "
                      "SELECT id, d FROM hits ORDER BY d, id")
DENSE_EXACT_FILTERED_SQL = ("SELECT c.id, c.embedding <#> %s AS d FROM chunks c JOIN papers p USING (doc_id) "
                            "WHERE {where} ORDER BY (c.embedding <#> %s) + 0, c.id LIMIT %s")

# ``stems``: the chunk's indexed words in order, rebuilt from its tsvector's positions (every
# word keeps its first positions, MAX_POSITIONS of them), so that search's coverage reads them
# instead of stemming the passage again, as it does from the SQLite column of the same name.
# ``{ocr}``: ``OCR_SQL``, or false in an archive made before ``ocr_chunks`` (``PgArchive.row_sql``).
ROW_SQL = ("SELECT c.id, c.chunk_id, c.doc_id, c.seq, c.section, c.subsection, c.part, c.heading, c.text, c.norm, "
           "c.page, c.page_end, c.topics, c.content_hash, p.source, p.council, p.committee, p.date, p.title, "
           "p.doc_type, p.url, c.embedding AS vector, {ocr} AS ocr, "
           "EXISTS (SELECT 1 FROM exempt_papers e WHERE e.doc_id = c.doc_id) AS exempt, "
           "(SELECT coalesce(string_agg(u.lexeme, ' ' ORDER BY at), '') FROM unnest(c.stems) u, "
           "unnest(u.positions) at) AS stems FROM chunks c JOIN papers p USING (doc_id) ")
OCR_SQL = "EXISTS (SELECT 1 FROM ocr_chunks o WHERE o.chunk_id = c.chunk_id)"
# A paper row (as the folder store's); ``{provenance}`` and ``{path}`` read as none, and as the
# source, in an archive made before their tables (``PgArchive.paper_sql``).
PAPER_SQL = ("SELECT p.*, (SELECT count(*) FROM chunks c WHERE c.doc_id = p.doc_id) AS n, {provenance} AS provenance, "
             "EXISTS (SELECT 1 FROM exempt_papers e WHERE e.doc_id = p.doc_id) AS exempt, {path} AS path FROM papers p")
NOT_EXEMPT_SQL = "NOT EXISTS (SELECT 1 FROM exempt_papers e WHERE e.doc_id = {col})"


def _row(r: dict) -> dict:
    r["topics"] = json.dumps(list(r["topics"] or []))
    r["vector"] = np.asarray(r["vector"], dtype="float32").tobytes()  # as in the SQLite rows
    return r


class PgArchive(SqlReader):
    """A reader of the archive in PostgreSQL, safe to share between threads (the UI's users).

    Calls borrow a connection from a pool (``psycopg_pool``) of up to ``pool_size`` (default
    $CS_ARCHIVE_PG_POOL, else 4); a single caller only ever opens one. Without psycopg_pool,
    or with a pool size of 1, one connection serves one call at a time.

    Papers marked exempt are withheld from every read unless opened with ``exempt=True``
    (``index/base.py``, "Access")."""

    MARKS, BYTEWISE, OPTION = "%s", ' COLLATE "C"', "--store"
    TOPICS = ("t", "chunks c, unnest(c.topics) t")

    def __init__(self, url: str, pool_size: int | None = None, exempt: bool = False):
        self.url = url
        self.exempt = bool(exempt)
        self.folder = shown(url)
        self._lock = threading.RLock()
        self._pool = None
        self.con = _connect(url)
        try:
            self.tables = _tables(self.con)  # an older archive may lack some of ADDED_TABLES
            if not {"meta", "chunks"} <= self.tables:
                raise ArchiveMissing(f"no archive at {self.folder}: build one with "
                                     f"`cs-archive ingest PATH --store {self.folder}`")
            _register_vector(self.con)
            self.has_postings = "postings" in self.tables
            self.row_sql = ROW_SQL.format(ocr=OCR_SQL if "ocr_chunks" in self.tables else "false")
            self.paper_sql = PAPER_SQL.format(
                provenance="(SELECT v.provenance FROM paper_provenance v WHERE v.doc_id = p.doc_id)"
                if "paper_provenance" in self.tables else "NULL::text",
                path="coalesce((SELECT f.path FROM file_paths f WHERE f.source = p.source), p.source)"
                if "file_paths" in self.tables else "p.source")
            self.manifest = self._manifest()
            self._pool = _pool(url, pool_size)
        except BaseException:
            self.con.close()
            raise
        if self._pool is not None:
            self.con.close()

    @contextmanager
    def connection(self):
        """A connection for one call (from the pool, or the one connection under its lock)."""
        if self._pool is not None:
            with self._pool.connection() as con:
                yield con
        else:
            with self._lock:
                yield self.con

    # -- plumbing --------------------------------------------------------------------------
    def _all(self, q: str, args: Iterable = (), binary: bool = False) -> list[dict]:
        with self.connection() as con:
            return con.cursor(binary=binary).execute(q, list(args)).fetchall()

    def _one(self, q: str, args: Iterable = (), binary: bool = False) -> dict | None:
        with self.connection() as con:
            return con.cursor(binary=binary).execute(q, list(args)).fetchone()

    _rows = _all

    def _manifest(self) -> Manifest:
        meta = {r["key"]: r["value"] for r in self._all("SELECT key, value FROM meta")}
        corpus = self._one("SELECT chunks, generation, updated FROM corpus") or {"chunks": 0, "generation": 0,
                                                                                   "updated": ""}
        counts = {"files": self._one("SELECT count(*) AS n FROM files")["n"],
                  "papers": self._one("SELECT count(*) AS n FROM papers")["n"],
                  "chunks": corpus["chunks"], "vectors": corpus["chunks"]}
        return Manifest(FORMAT, f"pg-{corpus['generation']:06d}", meta.get("model", "?"), int(meta.get("dim", 0)),
                        meta.get("chunker_version", "?"), counts, corpus["updated"])

    def generation(self) -> str:
        """Changes whenever a writer commits (for caches keyed on the archive's state)."""
        r = self._one("SELECT generation FROM corpus")
        return f"pg-{(r or {'generation': 0})['generation']:06d}"

    def refresh(self) -> "PgArchive":
        """Re-read the manifest (counts, generation) after writers have committed."""
        self.manifest = self._manifest()
        return self

    def close(self) -> None:
        if self._pool is not None:
            self._pool.close()
        else:
            self.con.close()

    # -- reading -----------------------------------------------------------------------------
    def visible(self, col: str = "p.doc_id") -> str:
        """SQL true of the rows this reader may return (``col``: their doc_id column)."""
        return "true" if self.exempt else NOT_EXEMPT_SQL.format(col=col)

    def chunk_rows(self, ids) -> dict[int, dict]:
        ids = [int(i) for i in ids]
        if not ids:
            return {}
        return {r["id"]: _row(r) for r in self._all(
            self.row_sql + f"WHERE c.id = ANY(%s) AND {self.visible('c.doc_id')}", [ids], binary=True)}

    def vectors_of(self, ids) -> dict[int, np.ndarray]:
        ids = [int(i) for i in ids]
        if not ids:
            return {}
        with self.connection() as con:
            cur = con.cursor(binary=True)
            return {r["id"]: r["embedding"] for r in cur.execute(
                "SELECT id, embedding FROM chunks WHERE id = ANY(%s)", [ids])}

    def _paper_conditions(self, f: FilterValues) -> tuple[list[str], list]:
        return paper_filter_sql(replace(f, include_exempt=f.include_exempt and self.exempt))

    def stats(self) -> dict:
        """Counts of what this reader may see (``shared.stats``), the manifest read again."""
        self.manifest = self._manifest()
        files = ("SELECT count(*) AS n FROM files" if self.exempt else
                 f"SELECT count(DISTINCT source) AS n FROM papers p WHERE {self.visible()}")
        return stats(self, self._all, files, ocr_done="ocr_done" in self.tables)

    # -- search primitives (index/base.py) ---------------------------------------------------
    def filtered_ids(self, filters: Any, phrases: Sequence[str] = ()) -> PgAllowed | None:
        f = FilterValues.of(filters)
        f = replace(f, include_exempt=f.include_exempt and self.exempt)  # a filter narrows, never widens
        phrases = [p for p in phrases if p]
        exempt = not f.include_exempt and self._one("SELECT EXISTS (SELECT 1 FROM exempt_papers) AS x")["x"]
        if not f.restricts_papers and not phrases and not exempt:
            return None
        where, args = filter_sql(f, phrases)
        rows = self._all(f"SELECT c.id FROM chunks c JOIN papers p USING (doc_id) WHERE {where} LIMIT %s",
                         args + [EXACT_BELOW + 1])
        ids = sorted(r["id"] for r in rows) if len(rows) <= EXACT_BELOW else None
        return PgAllowed(where, args, ids, self)

    def dense(self, qvec: np.ndarray, n: int, allowed: PgAllowed | Any = None) -> tuple[np.ndarray, np.ndarray]:
        nothing = np.zeros(0, dtype="float32"), np.zeros(0, dtype="int64")
        if n <= 0:
            return nothing
        q = Vec(np.asarray(qvec, dtype="float32"))
        allowed = self._as_allowed(allowed)
        with self.connection() as con, con.transaction():
            cur = con.cursor(binary=True)
            cur.execute("SELECT set_config('hnsw.ef_search', %s, true)", [str(min(1000, max(100, 2 * n)))])
            if allowed is None:
                rows = cur.execute(DENSE_SQL, [q, q, n]).fetchall()
            elif allowed.ids is not None:
                if not allowed.ids:
                    return nothing
                rows = cur.execute(DENSE_EXACT_IDS_SQL, [q, allowed.ids, q, n]).fetchall()
            else:
                cur.execute("SET LOCAL hnsw.iterative_scan = relaxed_order")
                rows = cur.execute(DENSE_FILTERED_SQL.format(where=allowed.where), [q, *allowed.args, q, n]).fetchall()
                if len(rows) < n:  # the index scan gave up early: rank every allowed chunk exactly
                    rows = cur.execute(DENSE_EXACT_FILTERED_SQL.format(where=allowed.where),
                                       [q, *allowed.args, q, n]).fetchall()
        rows.sort(key=lambda r: (r["d"], r["id"]))
        return (np.array([-r["d"] for r in rows], dtype="float32"), np.array([r["id"] for r in rows], dtype="int64"))

    def dense_held(self, qvec: np.ndarray, n: int, allowed: PgAllowed | Any = None
                   ) -> tuple[np.ndarray, np.ndarray, None]:
        """``dense``; the hits' vectors are read with their rows (``candidate_rows``)."""
        return (*self.dense(qvec, n, allowed), None)

    def candidate_rows(self, ids, columns: Sequence[str] = ("id", "vector")) -> dict[int, dict]:
        """Whole rows (they hold every column search asks for)."""
        return self.chunk_rows(ids)

    def doc_freqs(self, words: Sequence[str]) -> dict[str, int]:
        """How many chunks contain each word (as the index holds it: ``base.match_subterms``)."""
        words = list(dict.fromkeys(w for w in words if w))
        if not words:
            return {}
        count = ("SELECT count(*) FROM postings WHERE term = w" if self.has_postings
                 else "SELECT count(*) FROM chunks WHERE stems @@ quote_literal(w)::tsquery")
        rows = self._all(f"SELECT w, ({count}) AS n FROM unnest(%s::text[]) AS w", [words])
        return {r["w"]: r["n"] for r in rows}

    def chunk_count(self) -> int:
        return self._one("SELECT chunks AS n FROM corpus")["n"]

    def lexical_scores(self, match_terms: Sequence[str], n: int, allowed: PgAllowed | Any = None) -> dict[int, float]:
        """Up to n chunk ids with their BM25 score (as FTS5's ``-bm25()``), best first."""
        terms: dict[str, list[str]] = {}  # each distinct query (a tsquery) once, with its words
        for words in filter(None, map(match_subterms, match_terms)):
            terms.setdefault(_tsquery(words), words)
        queries, words = list(terms), list(terms.values())
        allowed = self._as_allowed(allowed)
        if not queries or n <= 0 or (allowed is not None and allowed.empty):
            return {}
        if allowed is None:
            keep, keep_args = "", []
        elif allowed.ids is not None:
            # IN (SELECT unnest): a hashed lookup; "= ANY(array)" would scan the array for every posting
            keep, keep_args = "WHERE tfs.id IN (SELECT unnest(%s::bigint[]))", [allowed.ids]
        else:
            keep = f"WHERE tfs.id IN (SELECT c.id FROM chunks c JOIN papers p USING (doc_id) WHERE {allowed.where})"
            keep_args = list(allowed.args)
        sql = LEXICAL_SQL.format(k1=K1, k1_plus_1=K1 + 1, one_minus_b=1 - B, b=B, keep=keep,
                                 words=WORDS_FROM_POSTINGS if self.has_postings else WORDS_FROM_TSVECTORS)
        word_args = [] if self.has_postings else [
            sorted({w for ws in words if len(ws) == 1 for w in ws}),
            " | ".join(f"({q})" for q, ws in zip(queries, words) if len(ws) == 1) or ""]
        args = [queries, ["{" + ",".join(_pg_array_item(w) for w in ws) + "}" for ws in words], *word_args,
                *keep_args, n]
        return {r["id"]: r["score"] for r in self._all(sql, args)}

    def _as_allowed(self, allowed: Any) -> PgAllowed | None:
        if allowed is None or isinstance(allowed, PgAllowed):
            return allowed
        ids = sorted(int(i) for i in allowed)  # a plain collection of ids (e.g. from another caller)
        return PgAllowed("c.id = ANY(%s)", [ids], ids, self)


def _pg_array_item(w: str) -> str:
    return '"' + w.replace("\\", "\\\\").replace('"', '\\"') + '"'


# -- writing -------------------------------------------------------------------------------
class PgWriter(SqlWriter):
    """Writes files to the archive, each in one transaction of its own (see the module doc)."""

    MARKS, BYTEWISE = PgArchive.MARKS, PgArchive.BYTEWISE

    def __init__(self, url: str, model: str, dim: int, rebuild: bool = False):
        self.url, self.folder = url, shown(url)
        self.model, self.dim = model, dim
        self.changed = False
        self.con = _connect(url)
        try:
            self.old = self._prepare(rebuild)
            self._vector_oid = _register_vector(self.con)
        except BaseException:
            self.con.close()
            raise

    def _prepare(self, rebuild: bool):
        """Make the schema if missing (or afresh on rebuild); check model and dimension."""
        import psycopg

        with self.con.transaction():
            self.con.execute("SELECT pg_advisory_xact_lock(%s, 0)", [LOCK_SPACE])
            try:
                tables = _tables(self.con)
                exists = "meta" in tables
                meta = {r["key"]: r["value"] for r in self.con.execute("SELECT key, value FROM meta")} if exists else {}
                if exists and not rebuild and (meta.get("model") != self.model or meta.get("dim") != str(self.dim)):
                    raise ArchiveError(
                        f"the archive at {self.folder} was built with model {meta.get('model')!r}; {self.model!r} "
                        f"is configured. Rebuild it with --rebuild, or set CS_ARCHIVE_MODEL={meta.get('model')}")
                if exists and rebuild:
                    self.con.execute("DROP TABLE IF EXISTS postings, ocr_chunks, chunks, exempt_papers, paper_provenance, file_paths, "
                                     "papers, needs_ocr, ocr_done, files, corpus, meta")
                if rebuild or not exists:
                    for ddl in _schema(self.dim):
                        self.con.execute(ddl)
                    self.con.execute("INSERT INTO meta VALUES ('model', %s), ('dim', %s), ('chunker_version', %s), "
                                     "('format', %s)", [self.model, str(self.dim), CHUNKER_VERSION, str(FORMAT)])
                    self.con.execute("INSERT INTO corpus VALUES (1, 0, 0, 0, %s)", [now()])
                else:
                    for name, ddl in ADDED_TABLES.items():
                        if name not in tables:
                            self.con.execute(f"CREATE TABLE {ddl}")
                    if "postings" not in tables:
                        self.con.execute(POSTINGS_BACKFILL)
            except psycopg.errors.InsufficientPrivilege as e:
                raise ArchiveError(f"cannot create the archive's tables at {self.folder} ({_one_line(e)}): "
                                   "ask the database owner to run `CREATE EXTENSION vector` or to grant CREATE") from None
        return None if (rebuild or not exists) else meta

    @contextmanager
    def _file(self, source: str):
        """One file's change: a transaction holding the advisory lock of its source path."""
        with self.con.transaction():
            self.con.execute("SELECT pg_advisory_xact_lock(%s, hashtext(%s))", [LOCK_SPACE, source])
            yield

    def _bump(self, chunks: int, tokens: int) -> None:
        """Last in each transaction: counts for BM25 and the generation (a hot row, held briefly)."""
        self.con.execute("UPDATE corpus SET chunks = chunks + %s, tokens = tokens + %s, generation = generation + 1, "
                         "updated = %s", [chunks, tokens, now()])

    # -- what the ingest asks ----------------------------------------------------------------
    def _rows(self, sql: str, args: Sequence = ()) -> list[dict]:
        return self.con.execute(sql, list(args)).fetchall()

    def known_vectors(self, hashes: list[str]) -> dict[str, np.ndarray]:
        if not hashes:
            return {}
        cur = self.con.cursor(binary=True)
        return {r["content_hash"]: r["embedding"] for r in cur.execute(
            "SELECT DISTINCT ON (content_hash) content_hash, embedding FROM chunks WHERE content_hash = ANY(%s)",
            [list(hashes)])}

    def set_paper_metas(self, metas: dict) -> None:
        if not metas:
            return
        with self.con.transaction():
            with self.con.cursor() as cur:
                cur.executemany("UPDATE papers SET council = %s, committee = %s, date = %s WHERE doc_id = %s",
                                [(m.council, m.committee, m.date, doc_id) for doc_id, m in metas.items()])
                cur.executemany("INSERT INTO paper_provenance VALUES (%s, %s) ON CONFLICT (doc_id) DO UPDATE "
                                "SET provenance = excluded.provenance", provenance_rows(metas))
            self._bump(0, 0)
        self.changed = True

    # -- changes ------------------------------------------------------------------------------
    def remove_file(self, source: str) -> int:
        with self._file(source):
            n = self._remove(source)
            if n:
                self.changed = True
        return n

    def _remove(self, source: str) -> int:
        # Postings by their primary key: a chunk's words are the lexemes of its tsvector.
        self.con.execute("DELETE FROM postings x USING papers p JOIN chunks c ON c.doc_id = p.doc_id, "
                         "unnest(tsvector_to_array(c.stems)) AS w(term) WHERE p.source = %s AND x.term = w.term "
                         "AND x.id = c.id", [source])
        gone = self.con.execute(
            "DELETE FROM chunks c USING papers p WHERE c.doc_id = p.doc_id AND p.source = %s "
            "RETURNING c.ntok", [source]).fetchall()
        n = self.con.execute("DELETE FROM files WHERE source = %s", [source]).rowcount  # papers cascade
        n += self.con.execute("DELETE FROM needs_ocr WHERE source = %s", [source]).rowcount
        n += self.con.execute("DELETE FROM ocr_done WHERE source = %s", [source]).rowcount
        if n or gone:
            self._bump(-len(gone), -sum(r["ntok"] for r in gone))
        return n

    def put_needs_ocr(self, source: str, sha256: str, pages: int | None, reason: str) -> None:
        with self._file(source):
            self._remove(source)
            self.con.execute("INSERT INTO needs_ocr VALUES (%s, %s, %s, %s, %s)", [source, sha256, pages, reason, now()])
            self._bump(0, 0)
        self.changed = True

    def put_ocr_pages(self, source: str, sha256: str, pages: int, reason: str) -> None:
        """Record that ``pages`` pages of a file just stored need OCR (the file stays stored);
        cleared when the file is next stored, as in the folder store."""
        with self._file(source):
            self.con.execute("INSERT INTO needs_ocr VALUES (%s, %s, %s, %s, %s) ON CONFLICT (source) DO UPDATE "
                             "SET sha256 = EXCLUDED.sha256, pages = EXCLUDED.pages, reason = EXCLUDED.reason, "
                             "recorded_at = EXCLUDED.recorded_at", [source, sha256, pages, reason, now()])
            self._bump(0, 0)
        self.changed = True

    def put_ocr_done(self, source: str, sha256: str, pages: int) -> None:
        """Record that ``pages`` pages of a file just stored were read by OCR; cleared when the
        file is next stored or removed, as in the folder store."""
        with self._file(source):
            self.con.execute("INSERT INTO ocr_done VALUES (%s, %s, %s) ON CONFLICT (source) DO UPDATE "
                             "SET sha256 = EXCLUDED.sha256, pages = EXCLUDED.pages", [source, sha256, pages])
            self._bump(0, 0)
        self.changed = True

    def put_file(self, source: str, sha256: str, meta_hash: str, pages: int | None, dropped: dict,
                 papers: list, chunks: list, hashes: list[str], vectors: np.ndarray,
                 exempt: dict[str, str] | None = None, chunker: str | None = None,
                 path: str | None = None) -> None:
        import psycopg

        titles = {p.doc_id: p.meta.title for p in papers}
        rows = ((None, c, h, v) for c, h, v in zip(chunks, hashes, vectors))  # read in step, once (see store.put_file)
        try:
            with self._file(source):
                self._remove(source)
                self.con.execute("INSERT INTO files VALUES (%s, %s, %s, %s, %s, %s, %s)",
                                 [source, sha256, meta_hash, chunker or CHUNKER_VERSION, pages, json.dumps(dropped), now()])
                self.con.execute("INSERT INTO file_paths VALUES (%s, %s)", [source, path or os.path.abspath(source)])
                with self.con.cursor() as cur:
                    cur.executemany("INSERT INTO papers VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                                    paper_rows(source, papers))
                    cur.executemany("INSERT INTO exempt_papers VALUES (%s, %s)", sorted((exempt or {}).items()))
                    cur.executemany("INSERT INTO paper_provenance VALUES (%s, %s)",
                                    provenance_rows({p.doc_id: p.meta for p in papers}))
                count = tokens = 0
                while batch := list(islice(rows, 1000)):
                    tokens += self._copy_chunks(batch, titles)
                    count += len(batch)
                self._bump(count, tokens)
        except psycopg.errors.UniqueViolation as e:
            raise ArchiveError(f"{source}: a paper in it is already in the archive under another path "
                               f"({_one_line(e)}); remove one copy and run the ingest again") from None
        self.changed = True

    def _copy_chunks(self, items, titles: dict[str, str | None]) -> int:
        """COPY chunks and their postings in, binary (id None: a new id); ``titles``: their papers'
        titles, by doc_id. Returns how many words they have."""
        items = list(items)
        if not items:
            return 0
        new = [n for n, (i, *_) in enumerate(items) if i is None]
        if new:
            fresh = [r["id"] for r in self.con.execute(
                "SELECT nextval(pg_get_serial_sequence('chunks', 'id')) AS id FROM generate_series(1, %s)", [len(new)])]
            for n, i in zip(new, fresh):
                items[n] = (i, *items[n][1:])
        total = 0
        postings = []
        cols = ("id, chunk_id, doc_id, seq, section, subsection, part, heading, text, norm, page, page_end, topics, "
                "content_hash, embedding, stems, ntok")
        types = [INT8, TEXT, TEXT, INT4, TEXT, TEXT, INT4, TEXT, TEXT, TEXT, INT4, INT4, TEXT_ARRAY, TEXT,
                 self._vector_oid, TSVECTOR, INT4]
        with self.con.cursor() as cur:
            with cur.copy(f"COPY chunks ({cols}) FROM STDIN (FORMAT BINARY)") as copy:
                copy.set_types(types)
                for i, c, h, v in items:
                    words = chunk_words(titles.get(c.doc_id), c.heading, c.text)
                    total += len(words)
                    copy.write_row([i, c.chunk_id, c.doc_id, c.seq, c.section, c.subsection, c.part, c.heading, c.text,
                                    normalise(f"{c.heading} {c.text}"), c.page, c.page_end, list(c.topics), h,
                                    np.asarray(v, dtype="float32"), Words(words), len(words)])
                    postings += [(w, i, tf, len(words)) for w, tf in Counter(words).items()]
            with cur.copy("COPY postings (term, id, tf, ntok) FROM STDIN (FORMAT BINARY)") as copy:
                copy.set_types([TEXT, INT8, INT4, INT4])
                for row in postings:
                    copy.write_row(row)
            cur.executemany("INSERT INTO ocr_chunks VALUES (%s)", [(c.chunk_id,) for _, c, _, _ in items if c.ocr])
        return total

    # -- finishing ----------------------------------------------------------------------------
    def commit(self) -> Manifest:
        """Every change is already committed, file by file; refresh the recorded chunker version."""
        if self.changed:
            self.con.execute("UPDATE meta SET value = %s WHERE key = 'chunker_version'", [CHUNKER_VERSION])
        try:
            archive = PgArchive(self.url)
            manifest = archive.manifest
            archive.close()
        finally:
            self.con.close()
        return manifest

    def abort(self) -> None:
        """Close; a file half-way through its transaction was rolled back, committed ones stay."""
        self.con.close()


@contextmanager
def writing(url: str, model: str, dim: int, rebuild: bool = False):
    w = PgWriter(url, model, dim, rebuild)
    try:
        yield w
    except BaseException:
        w.abort()
        raise
    w.commit()


def generation_of(url: str) -> str:
    """The archive's generation, read without opening a reader (for caches)."""
    con = _connect(url)
    try:
        r = con.execute("SELECT generation FROM corpus").fetchone()
    except Exception:  # noqa: BLE001 — no archive yet: the reader will say so
        return "none"
    finally:
        con.close()
    return f"pg-{r['generation']:06d}" if r else "none"


def check(url: str) -> list[str]:
    """What is wrong with the archive in PostgreSQL (an empty list when healthy)."""
    try:
        a = PgArchive(url)
    except ArchiveError as e:
        return [str(e)]
    problems = []
    try:
        one = lambda q: a._one(q)["n"]  # noqa: E731
        n_chunks = one("SELECT count(*) AS n FROM chunks")
        corpus = a._one("SELECT chunks, tokens FROM corpus")
        if corpus is None or corpus["chunks"] != n_chunks:
            problems.append(f"the corpus counts {corpus and corpus['chunks']} chunks, the store has {n_chunks}")
        elif corpus["tokens"] != one("SELECT coalesce(sum(ntok), 0) AS n FROM chunks"):
            problems.append("the corpus word count disagrees with the chunks (BM25 ranking would be off)")
        bad = one("SELECT count(*) AS n FROM chunks WHERE vector_dims(embedding) != "
                  "(SELECT value::int FROM meta WHERE key = 'dim')")
        if bad:
            problems.append(f"{bad} vectors have the wrong dimension")
        orphans = one("SELECT count(*) AS n FROM chunks c WHERE NOT EXISTS (SELECT 1 FROM papers p WHERE p.doc_id = c.doc_id)")
        if a.has_postings:
            stale = one("SELECT count(*) AS n FROM postings x WHERE NOT EXISTS (SELECT 1 FROM chunks c WHERE c.id = x.id)")
            unlisted = one("SELECT count(*) AS n FROM chunks c WHERE ntok > 0 AND "
                           "NOT EXISTS (SELECT 1 FROM postings x WHERE x.id = c.id)")
            if stale or unlisted:
                problems.append(f"the word index (postings) is out of step: {stale} entries of removed chunks, "
                                f"{unlisted} chunks missing; the lexical arm would rank them wrongly")
        else:
            problems.append("no word index (postings): the lexical arm is slow; any ingest builds it")
        if orphans:
            problems.append(f"{orphans} chunks belong to no paper")
        if a._one("SELECT count(*) AS n FROM pg_indexes WHERE tablename = 'chunks' AND indexdef ILIKE '%%USING hnsw%%'")["n"] == 0:
            problems.append("the HNSW index on chunks.embedding is missing: searches will scan every vector")
        invalid = a._all("SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
                         "WHERE i.indrelid = 'chunks'::regclass AND NOT i.indisvalid")
        if invalid:
            problems.append("invalid indexes (REINDEX them): " + ", ".join(r["relname"] for r in invalid))
        if a.manifest.chunker_version != CHUNKER_VERSION:
            problems.append(f"built by chunker {a.manifest.chunker_version}, this is {CHUNKER_VERSION}: "
                            "re-run ingest to update")
    finally:
        a.close()
    return problems


# -- migrate ---------------------------------------------------------------------------------
# The folder store's tables (but chunks, copied with their words) as they are copied, in order.
MIGRATED = (("files", "source, sha256, meta_hash, chunker, pages, dropped, ingested_at"),
            ("needs_ocr", "source, sha256, pages, reason, recorded_at"), ("ocr_done", "source, sha256, pages"),
            ("papers", 'doc_id, source, idx, council, committee, date, title, doc_type, url, page_count, start, "end", '
                       "part_of_pack"),
            ("exempt_papers", "doc_id, reason"), ("paper_provenance", "doc_id, provenance"), ("file_paths", "source, path"))


def migrate(from_folder, to_url: str, progress=lambda s: None, batch: int = 2000) -> dict:
    """Copy an embedded (SQLite + FAISS) archive into an empty PostgreSQL one: papers, chunks
    and their stored vectors, ids kept, nothing re-embedded. Returns the counts copied."""
    import sqlite3
    from pathlib import Path

    from .store import Archive

    src = Archive(Path(from_folder))
    m = src.manifest
    w = PgWriter(to_url, m.model, m.dim)
    try:
        if w.con.execute("SELECT EXISTS (SELECT 1 FROM files) AS x").fetchone()["x"]:
            raise ArchiveBusy(f"{w.folder} already holds an archive: migrate into an empty database, "
                              f"or ingest the papers there with `cs-archive ingest PATH --store {w.folder}`")
        db = src.db
        # Bulk load: building the HNSW index once afterwards is far faster than row by row.
        w.con.execute("DROP INDEX IF EXISTS chunks_embedding")
        tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        with w.con.transaction():
            w.con.execute("UPDATE meta SET value = %s WHERE key = 'chunker_version'", [m.chunker_version])
            with w.con.cursor() as cur:
                for table, columns in MIGRATED:
                    if table in tables:
                        with cur.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                            for r in db.execute(f"SELECT {columns} FROM {table}"):
                                copy.write_row(tuple(r))
            n = tokens = 0
            titles = dict(db.execute("SELECT doc_id, title FROM papers").fetchall())
            rows = db.execute("SELECT c.*, EXISTS (SELECT 1 FROM ocr_chunks o WHERE o.chunk_id = c.chunk_id) AS ocr "
                              "FROM chunks c ORDER BY c.id")
            while part := rows.fetchmany(batch):
                tokens += w._copy_chunks([(r["id"], _chunk_of(r), r["content_hash"],
                                           np.frombuffer(r["vector"], dtype="float32")) for r in part], titles)
                n += len(part)
                progress(f"{n}/{m.counts.get('chunks', '?')} chunks")
            w.con.execute("SELECT setval(pg_get_serial_sequence('chunks', 'id'), greatest(1, (SELECT max(id) FROM chunks)))")
            w._bump(n, tokens)
        progress("building the HNSW index…")
        w.con.execute("SET maintenance_work_mem = '512MB'")
        w.con.execute(next(d for d in _schema(m.dim) if "USING hnsw" in d))
        w.changed = True
        w.con.execute("ANALYZE")
    except sqlite3.Error as e:
        w.abort()
        raise ArchiveError(f"cannot read the archive at {from_folder} ({e}); run `cs-archive check` on it") from None
    except BaseException:
        w.abort()
        raise
    finally:
        src.close()
    w.con.close()
    a = PgArchive(to_url)
    try:
        return {"files": a.manifest.counts["files"], "papers": a.manifest.counts["papers"], "chunks": n}
    finally:
        a.close()


def _chunk_of(r) -> Chunk:
    """A chunks row of the SQLite store as a ``models.Chunk`` (for ``_copy_chunks``; its offsets
    in the file are not stored)."""
    return Chunk(**{k: r[k] for k in ("chunk_id", "doc_id", "seq", "section", "subsection", "part", "heading", "text",
                                      "page", "page_end")}, start=0, end=0, topics=tuple(json.loads(r["topics"])),
                 ocr=bool(r["ocr"]))
