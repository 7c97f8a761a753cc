"""The search primitives of ``index/base.py`` for the embedded store (SQLite + FAISS).

Functions of an ``Archive`` (``index/store.py``): ``filtered_ids`` selects the chunks the
filters and quoted phrases allow (from the generation's facets, ``index/facets.py``, where it
has them and no phrase is quoted; else in SQL); ``dense`` ranks by FAISS inner product among them;
``lexical`` ranks by FTS5 ``bm25()`` among them. ``FaissArchive`` is an ``Archive`` with the
three as methods, so that search code calls every backend the same way.
"""
from __future__ import annotations

import importlib
import os
import re
from typing import Any, Sequence

import numpy as np

from ..lexical import index_text
from .base import FilterValues, provenance_of
from .store import Archive

# A committee or council name with "&" spelt "and", however it is spaced (SQLite has no regexp).
_AND_SPELT = "replace(replace(replace(replace(lower({col}), ' & ', ' and '), '& ', ' and '), ' &', ' and '), '&', ' and ')"


def filtered_ids(archive: Archive, filters: Any, phrases: Sequence[str] = ()) -> np.ndarray | None:
    """Ids of the chunks that pass the filters and contain every phrase; None when nothing restricts."""
    f = FilterValues.of(filters)
    phrases = [p for p in phrases if p]
    exempt = withheld(archive, f)
    if not f.restricts_papers and not phrases and not exempt:
        return None
    fac = facets_of(archive) if not phrases else None
    if fac is not None:  # in numpy (index/facets.py)
        return fac.allowed(f, not exempt)
    on_papers, paper_args = paper_conditions(f)
    # Paper-level conditions select papers first: SQLite then walks only their chunks (at 100k
    # chunks this is ~15x faster than testing the join row by row).
    where, args = [], []
    if on_papers:
        where.append("c.doc_id IN (SELECT p.doc_id FROM papers p WHERE " + " AND ".join(on_papers) + ")")
        args += paper_args
    if f.topic:
        where.append("EXISTS (SELECT 1 FROM json_each(c.topics) WHERE lower(json_each.value) = ?)")
        args.append(f.topic)
    if exempt:
        where.append("c.doc_id NOT IN (SELECT doc_id FROM exempt_papers)")
    for p in phrases:
        where.append("instr(c.norm, ?) > 0")
        args.append(p)
    q = "SELECT c.id FROM chunks c WHERE " + " AND ".join(where) + " ORDER BY c.id"
    return np.array([r[0] for r in archive.db.execute(q, args)], dtype="int64")


def paper_conditions(f: FilterValues) -> tuple[list[str], list]:
    """The paper-level filters (dates, committee, council, type) as SQL over ``papers p``."""
    on_papers, args = [], []
    if f.since:
        on_papers.append("p.date IS NOT NULL AND p.date >= ?")
        args.append(f.since)
    if f.until:
        on_papers.append("p.date IS NOT NULL AND p.date <= ?")
        args.append(f.until)
    for col, val in (("p.committee", f.committee), ("p.council", f.council)):
        if val:
            on_papers.append(f"instr({_AND_SPELT.format(col=col)}, ?) > 0")
            args.append(val)
    if f.doc_type:
        on_papers.append("lower(p.doc_type) = ?")
        args.append(f.doc_type)
    return on_papers, args


def withheld(archive: Archive, f: FilterValues) -> bool:
    """Whether papers marked exempt are left out: the archive has some, and the reader was not
    opened for them or the filters do not ask for them (a filter narrows, never widens)."""
    return not (f.include_exempt and getattr(archive, "exempt", False)) and exempt_count(archive) > 0


def exempt_count(archive: Archive) -> int:
    """Papers marked exempt from publication (0 in an archive built before they were recorded)."""
    known = getattr(archive, "exempt_count", None)
    if isinstance(known, int):
        return known
    has = archive.db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'exempt_papers' "
                             "UNION ALL SELECT 1 FROM sqlite_temp_master WHERE name = 'exempt_papers'").fetchone()
    return archive.db.execute("SELECT count(*) FROM exempt_papers").fetchone()[0] if has else 0


def dense(archive: Archive, qvec: np.ndarray, n: int, allowed: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    return archive.vectors.search(np.asarray(qvec, dtype="float32"), n, allowed)


def dense_held(archive: Archive, qvec: np.ndarray, n: int, allowed: np.ndarray | None = None
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """``dense``, and the hits' vectors, one row each, as ``candidate_rows`` would give them from
    the vector index (``FaissIndex.held``); None in their place where it holds codes only."""
    return archive.vectors.search_held(np.asarray(qvec, dtype="float32"), n, allowed)


def fts_match(match_terms: Sequence[str]) -> str | None:
    """An FTS5 MATCH expression: any of the terms, each a quoted phrase."""
    terms = list(dict.fromkeys(t for t in match_terms if t and t.strip()))
    if not terms:
        return None
    return " OR ".join('"' + t.replace('"', '""') + '"' for t in terms)


def lexical(archive: Archive, match_terms: Sequence[str], n: int, allowed: np.ndarray | None = None) -> list[int]:
    return list(lexical_scores(archive, match_terms, n, allowed))


def lexical_scores(archive: Archive, match_terms: Sequence[str], n: int,
                   allowed: np.ndarray | None = None, memo: dict | None = None) -> dict[int, float]:
    """Up to n chunk ids with their BM25 score (FTS5's ``-bm25()``: higher is better), best first.
    From the generation's numpy postings where it has them (``index/postings.py``: the same
    ranking, without FTS5's per-row cost), else from FTS5. ``memo``: a dict kept by the caller
    across calls with the same ``allowed`` (one search's query variants), so that a term they
    share is scored once (``Postings.scores``)."""
    p = postings_of(archive)
    if p is not None:
        return p.scores(match_terms, n, allowed, memo=memo,
                        phrase_rows=lambda words: p.phrase(words, lambda w: phrase_rows(archive, w)))
    match = fts_match(match_terms)
    if not match or n <= 0 or (allowed is not None and len(allowed) == 0):
        return {}
    q = "SELECT rowid, bm25(chunks_fts) FROM chunks_fts WHERE chunks_fts MATCH ? ORDER BY bm25(chunks_fts), rowid LIMIT ?"
    if allowed is None:
        return {r[0]: -r[1] for r in archive.db.execute(q, (match, n))}
    # Filtered: rank among the allowed chunks only, so n hits come back when n exist. "+rowid"
    # keeps SQLite from handing each allowed id to FTS5 as a separate lookup (12 s -> 0.1 s at 100k).
    archive.db.execute("CREATE TEMP TABLE IF NOT EXISTS allowed_ids(id INTEGER PRIMARY KEY)")
    archive.db.execute("DELETE FROM allowed_ids")
    archive.db.executemany("INSERT INTO allowed_ids VALUES (?)", ((int(i),) for i in allowed))
    q = ("SELECT rowid, bm25(chunks_fts) FROM chunks_fts WHERE chunks_fts MATCH ? AND +rowid IN (SELECT id FROM allowed_ids) "
         "ORDER BY bm25(chunks_fts), rowid LIMIT ?")
    return {r[0]: -r[1] for r in archive.db.execute(q, (match, n))}


def _once(archive: Archive, name: str, switch: str, load):
    """``load(module, generation folder)`` with the module ``index/<name>.py`` (imported when
    first needed), kept on the reader as ``_<name>`` (a reader's generation never changes);
    None when the environment variable ``switch`` is 0."""
    key = "_" + name
    if key not in archive.__dict__:
        got = None
        if os.environ.get(switch, "1") != "0":
            got = load(importlib.import_module(f"{__package__}.{name}"), archive.folder / archive.manifest.generation)
        archive.__dict__[key] = got
    return archive.__dict__[key]


def postings_of(archive: Archive):
    """The generation's numpy postings (``index/postings.py``), loaded once per reader; None when
    it has none, they disagree with its FTS5 index, or ``CS_ARCHIVE_POSTINGS=0``."""
    return _once(archive, "postings", "CS_ARCHIVE_POSTINGS", lambda m, gen: m.load(gen, archive.db))


def facets_of(archive: Archive):
    """The generation's facets (``index/facets.py``), loaded once per reader; None when it has
    none, they disagree with its manifest, or ``CS_ARCHIVE_FACETS=0``."""
    return _once(archive, "facets", "CS_ARCHIVE_FACETS",
                 lambda m, gen: m.load(gen, archive.manifest.counts or {}, archive.db))


def answers_of(archive: Archive):
    """The generation's answer kinds (``index/answers.py``), loaded once per reader; None when
    it has none, they disagree with it or were found by other patterns, or ``CS_ARCHIVE_ANSWERS=0``."""
    return _once(archive, "answers", "CS_ARCHIVE_ANSWERS",
                 lambda m, gen: m.load(gen, archive.manifest.counts or {}, archive.db))


def answer_kinds(archive: Archive, ids) -> np.ndarray | None:
    """The kinds of answer each chunk holds (bits of ``answer_kinds.KINDS``), in the order given;
    None where the generation has no record of them (callers then read the texts)."""
    a = answers_of(archive)
    return a.of(ids) if a is not None else None


def phrase_rows(archive: Archive, words: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """The chunks holding the words as a phrase, from FTS5, and how many times each holds it:
    read back from FTS5's ``bm25()`` of the phrase alone (``Postings.phrase_counts``)."""
    got = archive.db.execute("SELECT rowid, bm25(chunks_fts) FROM chunks_fts WHERE chunks_fts MATCH ? ORDER BY rowid",
                             (fts_match([" ".join(words)]),)).fetchall()
    ids = np.fromiter((r[0] for r in got), dtype="int64", count=len(got))
    scores = np.fromiter((-r[1] for r in got), dtype="float64", count=len(got))
    return ids, postings_of(archive).phrase_counts(ids, scores)


# The columns search reads of every candidate (fusion, collapse); the rest of a row (paper
# metadata, topics) is read for the hits returned only, and ``TEXT_COLUMNS`` for the few
# candidates whose words or text search looks at (phrases, answer types, near-duplicates).
CANDIDATE_COLUMNS = ("id", "vector")
TEXT_COLUMNS = ("id", "stems", "heading", "text")


def candidate_sql(archive: Archive, columns: Sequence[str] = CANDIDATE_COLUMNS) -> str:
    """The columns to select; an archive from before the stems column reads NULL there
    (search tokenises the text)."""
    known = archive.__dict__.setdefault("_candidate_sql", {})
    if tuple(columns) not in known:
        have = {r[1] for r in archive.db.execute("PRAGMA table_info(chunks)")}
        known[tuple(columns)] = ", ".join(c if c in have else f"NULL AS {c}" for c in columns)
    return known[tuple(columns)]


def candidate_rows(archive: Archive, ids, columns: Sequence[str] = CANDIDATE_COLUMNS) -> dict[int, dict]:
    """The given columns (the first one ``id``) for each id found, in one query without the join."""
    ids = [int(i) for i in ids]
    if not ids:
        return {}
    if tuple(columns) == CANDIDATE_COLUMNS:  # the vector index holds them (flat: as stored; "pq": fp16): no row read
        held = archive.vectors.held(ids)
        if held is not None:
            return {i: {"id": i, "vector": v} for i, v in zip(ids, held)}
    cur = archive.db.cursor()
    cur.row_factory = None  # plain tuples: cheaper than sqlite3.Row for a hundred rows per search
    q = f"SELECT {candidate_sql(archive, columns)} FROM chunks WHERE id IN ({','.join('?' * len(ids))})"
    return {r[0]: dict(zip(columns, r)) for r in cur.execute(q, ids)}


def doc_freqs(archive: Archive, words: Sequence[str]) -> dict[str, int]:
    """How many chunks contain each word (a word as the index holds it: ``base.match_subterms``)."""
    p = postings_of(archive)
    if p is not None:
        return p.doc_freqs(words)
    if not getattr(archive, "_vocab_ready", False):
        archive.db.execute("CREATE VIRTUAL TABLE IF NOT EXISTS temp.chunks_vocab USING fts5vocab(main, chunks_fts, row)")
        archive._vocab_ready = True
    words = list(dict.fromkeys(words))
    if not words:
        return {}
    found = dict(archive.db.execute(
        f"SELECT term, doc FROM temp.chunks_vocab WHERE term IN ({','.join('?' * len(words))})", words).fetchall())
    return {w: found.get(w, 0) for w in words}


def words_held(archive: Archive, words: Sequence[str], ids) -> dict[str, np.ndarray] | None:
    """Per word (a word as the index holds it), which of the chunk ids hold it: a boolean per id,
    in the order given; None where the generation has no numpy postings (callers then read the
    chunks' stems)."""
    p = postings_of(archive)
    if p is None:
        return None
    ids = np.fromiter((int(i) for i in ids), dtype="int64")
    return {w: p.holding(w, ids) for w in dict.fromkeys(words)}


def chunk_count(archive: Archive) -> int:
    """The generation's chunk count, as its manifest records it (``check`` verifies the two agree)."""
    n = (getattr(archive.manifest, "counts", None) or {}).get("chunks")
    return int(n) if n is not None else archive.db.execute("SELECT count(*) FROM chunks").fetchone()[0]


PAPER_ORDER = {
    "newest": "p.date IS NULL, p.date DESC, lower(coalesce(p.committee, '')), lower(coalesce(p.title, '')), p.idx",
    "meeting": "p.date IS NULL, p.date, p.source, p.idx",
    "source": "p.source, p.idx",
}
# A paper row: its columns, chunk count, provenance (JSON, read into a dict), where its file is
# (absolute; the source as stored in an archive from before that was recorded) and exemption.
PAPER_SQL = ("SELECT p.*, (SELECT count(*) FROM chunks c WHERE c.doc_id = p.doc_id) AS n, "
             "(SELECT v.provenance FROM paper_provenance v WHERE v.doc_id = p.doc_id) AS provenance, "
             "coalesce((SELECT f.path FROM file_paths f WHERE f.source = p.source), p.source) AS path, "
             "EXISTS (SELECT 1 FROM exempt_papers e WHERE e.doc_id = p.doc_id) AS exempt FROM papers p ")


class FaissArchive(Archive):
    """The embedded store's reader with the backend-neutral search primitives as methods."""

    def filtered_ids(self, filters: Any, phrases: Sequence[str] = ()) -> np.ndarray | None:
        return filtered_ids(self, filters, phrases)

    def dense(self, qvec: np.ndarray, n: int, allowed: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        return dense(self, qvec, n, allowed)

    def dense_held(self, qvec: np.ndarray, n: int, allowed: np.ndarray | None = None
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        return dense_held(self, qvec, n, allowed)

    def lexical(self, match_terms: Sequence[str], n: int, allowed: np.ndarray | None = None) -> list[int]:
        return lexical(self, match_terms, n, allowed)

    def lexical_scores(self, match_terms: Sequence[str], n: int, allowed: np.ndarray | None = None,
                       memo: dict | None = None) -> dict[int, float]:
        return lexical_scores(self, match_terms, n, allowed, memo)

    def doc_freqs(self, words: Sequence[str]) -> dict[str, int]:
        return doc_freqs(self, words)

    def candidate_rows(self, ids, columns: Sequence[str] = CANDIDATE_COLUMNS) -> dict[int, dict]:
        return candidate_rows(self, ids, columns)

    def words_held(self, words: Sequence[str], ids) -> dict[str, np.ndarray] | None:
        return words_held(self, words, ids)

    def chunk_count(self) -> int:
        return chunk_count(self)

    def answer_kinds(self, ids) -> np.ndarray | None:
        return answer_kinds(self, ids)

    # -- browsing (the UI's pages and the commitments register), as PgArchive has them --------
    def paper_chunk_ids(self, doc_id: str) -> list[int]:
        return [r[0] for r in self.db.execute(
            f"SELECT id FROM chunks c WHERE doc_id = ? AND {self.visible('c.doc_id')} ORDER BY seq", (doc_id,))]

    def paper_chunks(self, doc_id: str) -> list:
        """The paper's chunk rows in reading order."""
        ids = self.paper_chunk_ids(doc_id)
        rows = self.chunk_rows(ids)
        return [rows[i] for i in ids]

    def papers(self, doc_id: str | None = None, filters: Any = None, order: str = "newest") -> list[dict]:
        """Papers with their chunk counts (``n``), provenance and exemption; see ``index/base.py``
        for filters and order."""
        where, args = ["p.doc_id = ?"] if doc_id else [], [doc_id] if doc_id else []
        if filters is not None:
            f = FilterValues.of(filters)
            on_papers, paper_args = paper_conditions(f)
            where, args = where + on_papers, args + paper_args
            if withheld(self, f):
                where.append("p.doc_id NOT IN (SELECT doc_id FROM exempt_papers)")
        elif self.withholds:
            where.append(self.visible())
        rows = [dict(r) for r in self.db.execute(
            PAPER_SQL + ("WHERE " + " AND ".join(where) if where else "") + " ORDER BY " + PAPER_ORDER[order], args)]
        for r in rows:
            r["provenance"], r["exempt"] = provenance_of(r["provenance"]), bool(r["exempt"])
        return rows

    def date_span(self) -> tuple[str | None, str | None]:
        """The earliest and latest meeting dates of the papers (None, None when none is dated)."""
        return tuple(self.db.execute(f"SELECT min(date), max(date) FROM papers p WHERE {self.visible()}").fetchone())

    def distinct(self, column: str) -> list[str]:
        """Values of committee, council, doc_type or topic that occur, in name order."""
        if column == "topic":
            q = (f"SELECT DISTINCT j.value FROM chunks c, json_each(c.topics) j WHERE {self.visible('c.doc_id')} "
                 "ORDER BY lower(j.value)")
        elif column in ("committee", "council", "doc_type"):
            q = (f"SELECT DISTINCT {column} FROM papers p WHERE coalesce({column}, '') != '' AND {self.visible()} "
                 f"ORDER BY lower({column})")
        else:
            raise ValueError(column)
        return [r[0] for r in self.db.execute(q)]

    def generation(self) -> str:
        """The archive's current generation (moves on every commit; this reader keeps its own)."""
        from .store import Manifest

        return Manifest.read(self.folder).generation


def reader(archive: Any) -> Any:
    """The archive with the whole reader interface of ``index/base.py``: a FaissArchive or a
    PgArchive as it is; a plain ``store.Archive`` (opened directly by older code) as a
    FaissArchive sharing its state."""
    if isinstance(archive, Archive) and not isinstance(archive, FaissArchive):
        view = object.__new__(FaissArchive)
        view.__dict__ = archive.__dict__  # the same connection, vectors and manifest
        return view
    return archive
