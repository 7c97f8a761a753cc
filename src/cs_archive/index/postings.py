"""The lexical arm's postings in numpy: BM25 exactly as SQLite FTS5's ``bm25()``, vectorised.

FTS5 finds a term's chunks quickly but calls ``bm25()`` once per matching row, looking up the
row's length in its ``docsize`` table each time: about 3 µs a posting, so a common word costs
time in proportion to the archive (``search.LEXICAL_POSTINGS`` bounds it). Here each term's
postings are two arrays (chunk ids, term frequencies) beside one array of chunk lengths, and a
query's BM25 is a few numpy operations over them: about 100x less per posting.

The postings are built from the ``stems`` column (``lexical.index_text``, the very string FTS5
indexes), split the way FTS5's ``unicode61`` tokenizer splits it (``base.match_subterms``), and
scored with FTS5's formula (k1 1.2, b 0.75, its IDF with the 1e-6 floor, the row's token count,
the table's average), so ``scores`` returns FTS5's ranking, scores equal to float rounding.
A query term of several words (a phrase) takes its chunks and counts from FTS5 (``bm25()`` of
the phrase alone, over the chunks holding the phrase, read back into counts: ``phrase_counts``).

They are kept per generation, in ``gen-NNNNNN/lexical/`` (``write``), memory-mapped when read
(``load``); ``load`` refuses files whose row and token totals differ from the FTS5 index of the
same generation, and search then uses FTS5 as before. Nothing here writes the FTS5 index:
a generation without the folder is searched by FTS5.
"""
from __future__ import annotations

import json
import math
import os
import sqlite3
import threading
from pathlib import Path
from typing import Sequence

import numpy as np

from ..lexical import index_text
from . import arrays
from .base import match_subterms as subterms  # a stems string's words, as FTS5's unicode61 splits it

FOLDER = "lexical"
FORMAT = 2
K1, B = 1.2, 0.75  # FTS5's bm25() constants
ARRAYS = ("offsets", "docs", "tfs", "lengths", "ids", "prints")
# Postings of phrases (read from FTS5) a reader keeps, most recently used first: the phrases
# come from the synonym vocabulary (``synonyms.py``), so a server meets the same few again.
PHRASE_CACHE = int(os.environ.get("CS_ARCHIVE_PHRASE_CACHE", "2000000"))


def _stems_rows(db: sqlite3.Connection):
    """(id, stems) of every chunk; rows stored before the stems column are stemmed here, as the
    writer stemmed them for FTS5."""
    have = {r[1] for r in db.execute("PRAGMA table_info(chunks)")}
    cur = db.cursor()
    cur.row_factory = None
    cols = "id, stems, heading, text" if "stems" in have else "id, NULL, heading, text"
    cur.execute(f"SELECT {cols} FROM chunks ORDER BY id")
    while batch := cur.fetchmany(20_000):
        yield [(i, s if s is not None else index_text(f"{h}\n{t}")) for i, s, h, t in batch]


def fts5_totals(db: sqlite3.Connection) -> tuple[int, int] | None:
    """(rows, tokens) of the FTS5 index ``chunks_fts``, from its averages record; None if absent."""
    try:
        row = db.execute("SELECT block FROM chunks_fts_data WHERE id = 1").fetchone()
    except sqlite3.Error:
        return None
    if not row or not row[0]:
        return (0, 0)
    blob, out, at = bytes(row[0]), [], 0
    while at < len(blob) and len(out) < 2:  # SQLite varints: rows, then the one column's tokens
        v = 0
        for j in range(9):
            c = blob[at]
            at += 1
            if j == 8:
                v = (v << 8) | c
                break
            v = (v << 7) | (c & 0x7F)
            if not c & 0x80:
                break
        out.append(v)
    return (out[0], out[1]) if len(out) == 2 else None


def _grouped(d: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(d, return_inverse=True)`` for ids that arrive as a few sorted runs (one per
    term's posting list): a stable sort finds and merges the runs (0.24 against 0.63 ms for
    three lists of 12,000 ids in all)."""
    order = np.argsort(d, kind="stable")
    ordered = d[order]
    first = np.empty(len(d), dtype=bool)  # where each id's run of equal values starts
    first[:1] = True
    np.not_equal(ordered[1:], ordered[:-1], out=first[1:])
    at = np.empty(len(d), dtype=np.intp)
    at[order] = np.cumsum(first) - 1
    return ordered[first], at


class Postings:
    """Term -> (chunk ids ascending, term frequencies); chunk lengths; the table's totals."""

    def __init__(self, terms: dict[str, int], offsets: np.ndarray, docs: np.ndarray, tfs: np.ndarray,
                 lengths: np.ndarray, rows: int, tokens: int, ids: np.ndarray, prints: np.ndarray):
        self.terms, self.offsets, self.docs, self.tfs = terms, offsets, docs, tfs
        self.lengths, self.rows, self.tokens = lengths, rows, tokens
        self.ids, self.prints = ids, prints  # every chunk's id and a fingerprint of its stems
        self.avgdl = tokens / rows if rows else 0.0
        self._phrases: dict[tuple, tuple[np.ndarray, np.ndarray]] = {}
        self._phrase_lock = threading.Lock()

    # -- building ------------------------------------------------------------------------
    @classmethod
    def build(cls, db: sqlite3.Connection, previous: "Postings | None" = None) -> "Postings":
        """From the chunks' stems: one pass, batch by batch, then one sort by (term, chunk).
        With ``previous`` (the postings of the generation this one was copied from), a chunk
        whose id and stems are unchanged (``prints``) keeps its postings; only the others are
        tokenised, so an ingest that adds a few files to a large archive pays for those."""
        terms: dict[str, int] = dict(previous.terms) if previous is not None else {}
        keys, counts, id_parts, print_parts, len_parts = [], [], [], [], []
        old = dict(zip(previous.ids.tolist(), previous.prints.tolist())) if previous is not None else {}
        kept: list[int] = []
        for batch in _stems_rows(db):
            ids, toks, per = [], [], []
            for i, s in batch:
                fp = arrays.fingerprint(s)  # whether its postings can be carried over
                id_parts.append(i)
                print_parts.append(fp)
                if old.get(i) == fp:
                    kept.append(i)
                    continue
                t = subterms(s)
                ids.append(i)
                per.append(len(t))
                toks += t
            tid = np.fromiter((terms.setdefault(t, len(terms)) for t in toks), dtype="int64", count=len(toks))
            doc = np.repeat(np.asarray(ids, dtype="int64"), per)
            key, n = np.unique((tid << 32) | doc, return_counts=True)  # (term, chunk) pairs, counted
            keys.append(key)
            counts.append(n)
            len_parts.append((np.asarray(ids, dtype="int64"), np.asarray(per, dtype="int64")))
        all_ids = np.asarray(id_parts, dtype="int64")
        lengths = np.zeros(int(all_ids.max()) + 1 if len(all_ids) else 1, dtype="int32")
        if kept:  # the unchanged chunks' postings and lengths, as the previous generation had them
            kept_ids = np.asarray(kept, dtype="int64")
            old_tid = np.repeat(np.arange(len(previous.offsets) - 1, dtype="int64"), np.diff(previous.offsets))
            old_doc = np.asarray(previous.docs, dtype="int64")
            stay = np.isin(old_doc, kept_ids)
            keys.append((old_tid[stay] << 32) | old_doc[stay])
            counts.append(np.asarray(previous.tfs)[stay].astype("int64"))
            lengths[kept_ids] = previous.lengths[kept_ids]
        for ids, per in len_parts:
            lengths[ids] = per
        key = np.concatenate(keys) if keys else np.zeros(0, dtype="int64")
        tf = np.concatenate(counts) if counts else np.zeros(0, dtype="int64")
        order = np.argsort(key)  # (term, chunk) pairs are unique: any sort gives chunks ascending per term
        key, tf = key[order], tf[order]
        offsets = np.searchsorted(key >> 32, np.arange(len(terms) + 1)).astype("int64")
        return cls(terms, offsets, (key & 0xFFFFFFFF).astype("int32"), np.minimum(tf, 65535).astype("uint16"),
                   lengths, len(all_ids), int(lengths[all_ids].sum()), all_ids,
                   np.asarray(print_parts, dtype="int64"))

    def write(self, folder: Path) -> None:
        """Into ``folder`` (made here): arrays as .npy, the vocabulary and totals as JSON."""
        arrays.save(folder, {name: getattr(self, name) for name in ARRAYS},
                    {"format": FORMAT, "rows": self.rows, "tokens": self.tokens})
        (folder / "terms.json").write_text(json.dumps(sorted(self.terms, key=self.terms.get)))

    @classmethod
    def read(cls, folder: Path) -> "Postings":
        meta = arrays.meta(folder, FORMAT, "postings")
        vocab = json.loads((folder / "terms.json").read_text())
        return cls({t: j for j, t in enumerate(vocab)}, rows=meta["rows"], tokens=meta["tokens"],
                   **arrays.mapped(folder, ARRAYS))

    # -- reading -------------------------------------------------------------------------
    def postings(self, word: str) -> tuple[np.ndarray, np.ndarray]:
        j = self.terms.get(word)
        if j is None:
            return np.zeros(0, dtype="int32"), np.zeros(0, dtype="uint16")
        a, b = int(self.offsets[j]), int(self.offsets[j + 1])
        return self.docs[a:b], self.tfs[a:b]

    def holding(self, word: str, ids: np.ndarray) -> np.ndarray:
        """Which of the chunk ids hold the word (a boolean per id)."""
        docs, _ = self.postings(word)
        ids = np.asarray(ids, dtype="int64")
        if not len(docs) or not len(ids):
            return np.zeros(len(ids), dtype=bool)
        # Searched in the postings' own type: given int64 ids, numpy would first copy the whole
        # posting list to int64 (4 MB for a word in half of 1M chunks, 0.13 ms a word, twice a
        # search). An id beyond that type's range is in no list.
        info = np.iinfo(docs.dtype)
        fits = (ids >= info.min) & (ids <= info.max)
        key = ids.astype(docs.dtype) if fits.all() else np.where(fits, ids, 0).astype(docs.dtype)
        at = np.minimum(np.searchsorted(docs, key), len(docs) - 1)
        return (docs[at] == key) & fits

    def doc_freqs(self, words: Sequence[str]) -> dict[str, int]:
        out = {}
        for w in dict.fromkeys(words):
            j = self.terms.get(w)
            out[w] = 0 if j is None else int(self.offsets[j + 1] - self.offsets[j])
        return out

    def idf(self, hits: int) -> float:
        """FTS5's IDF of a phrase found in ``hits`` rows (never below 1e-6)."""
        x = math.log((self.rows - hits + 0.5) / (hits + 0.5))
        return x if x > 0.0 else 1e-6

    def phrase(self, words: Sequence[str], read) -> tuple[np.ndarray, np.ndarray]:
        """(ids, counts) of a phrase: ``read(words)`` (FTS5) the first time, then from memory
        while it stays among the ``PHRASE_CACHE`` postings most recently used (the generation
        never changes under a reader, so neither do they)."""
        key = tuple(words)
        with self._phrase_lock:
            got = self._phrases.pop(key, None)
            if got is not None:
                self._phrases[key] = got
                return got
        got = tuple(np.asarray(x) for x in read(words))
        for x in got:
            x.setflags(write=False)
        with self._phrase_lock:
            self._phrases[key] = got
            size = sum(len(d) for d, _ in self._phrases.values())
            for old in list(self._phrases):
                if size <= PHRASE_CACHE or old == key:
                    break
                size -= len(self._phrases.pop(old)[0])
        return got

    def phrase_counts(self, ids: np.ndarray, scores: np.ndarray) -> np.ndarray:
        """How many times each chunk holds a phrase, from FTS5's ``-bm25()`` of a query of that
        phrase alone over ``ids``, every chunk holding it (the formula solved for the count)."""
        if not len(ids):
            return np.zeros(0, dtype="int64")
        s = np.asarray(scores, dtype="float64") / self.idf(len(ids))
        k = K1 * (1 - B + B * self.lengths[ids].astype("float64") / self.avgdl)
        return np.rint(s * k / ((K1 + 1.0) - s)).astype("int64")

    def _term_scores(self, t: str, allowed: np.ndarray | None, phrase_rows) -> tuple[np.ndarray, np.ndarray] | None:
        """One match term's chunks (allowed ones only) and its BM25 part in each; None if none."""
        words = subterms(t)
        if not words:
            return None
        if len(words) == 1:
            d, f = self.postings(words[0])
        elif phrase_rows is not None:
            d, f = phrase_rows(words)
        else:
            raise ValueError("a phrase needs phrase_rows")
        if not len(d):
            return None
        idf = self.idf(len(d))  # over the whole table, as FTS5 counts it, whatever the filter
        if allowed is not None:
            keep = np.isin(d, allowed)
            d, f = d[keep], f[keep]
        f = f.astype("float64")
        dl = self.lengths[d].astype("float64")
        # The expression of FTS5's fts5Bm25Function, operation for operation.
        return d, idf * ((f * (K1 + 1.0)) / (f + K1 * (1 - B + B * dl / self.avgdl)))

    def scores(self, match_terms: Sequence[str], n: int, allowed: np.ndarray | None = None,
               phrase_rows=None, memo: dict | None = None) -> dict[int, float]:
        """Up to n chunk ids with FTS5's ``-bm25()`` for ``MATCH "t1" OR "t2" ...``, best first,
        ties by id; only allowed ids (a sorted array) when given. ``phrase_rows(words)`` gives
        (ids, phrase counts) for a term of several words. ``memo`` (a dict the caller keeps for
        calls with the same ``allowed``, e.g. one search's query variants) holds each term's
        scored postings, so a term shared by several calls is read and scored once."""
        terms = list(dict.fromkeys(t for t in match_terms if t and t.strip()))
        if not terms or n <= 0 or (allowed is not None and len(allowed) == 0) or not self.rows:
            return {}
        docs, parts = [], []
        for t in terms:
            got = memo.get(t, False) if memo is not None else False
            if got is False:
                got = self._term_scores(t, allowed, phrase_rows)
                if memo is not None:
                    memo[t] = got
            if got is not None:
                docs.append(got[0])
                parts.append(got[1])
        if not docs:
            return {}
        d = np.concatenate(docs).astype("int64")
        if len(docs) == 1:
            ids, s = d, parts[0]
        else:
            ids, at = _grouped(d)
            s = np.bincount(at, weights=np.concatenate(parts), minlength=len(ids))  # sums in term order
        if len(ids) > n:
            cut = np.argpartition(-s, n - 1)[:n]
            edge = s[cut].min()
            cut = np.flatnonzero(s >= edge)  # every tie at the edge, then ids decide as FTS5's rowid does
            ids, s = ids[cut], s[cut]
        order = np.lexsort((ids, -s))[:n]
        return dict(zip(ids[order].tolist(), s[order].tolist()))  # Python ints and floats


def folder_of(gen: Path) -> Path:
    return Path(gen) / FOLDER


def write(db: sqlite3.Connection, gen: Path, previous: Path | None = None) -> Postings:
    """Build the generation's postings from its chunks and write them beside its SQLite file.
    A writer calls this after its last change and before it commits (the hook for ingest),
    with ``previous`` the generation it copied, whose postings (if any) it carries over for
    the chunks it did not change."""
    old = arrays.readable(folder_of(previous), Postings.read) if previous is not None else None
    p = Postings.build(db, old)
    arrays.replace(folder_of(gen), p.write)
    return p


def load(gen: Path, db: sqlite3.Connection) -> Postings | None:
    """The generation's postings, or None when it has none or they disagree with its FTS5 index."""
    p = arrays.readable(folder_of(gen), Postings.read)
    return p if p is not None and fts5_totals(db) == (p.rows, p.tokens) else None
