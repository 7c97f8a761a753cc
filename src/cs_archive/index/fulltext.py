"""The embedded store's lexical arm: a Tantivy index of each chunk's pre-stemmed text.

One index per generation, in ``gen-NNNNNN/fulltext/``: each chunk's id (an unsigned fast field)
and its ``lexical.passage_index_text`` (Tantivy's default tokenizer: runs of letters and digits, lower
case, the words ``base.match_subterms`` gives; positions kept for phrases). Tantivy ranks by
BM25 (k1 1.2, b 0.75) with top-k pruning (block-max WAND), so a common word costs little
however large the archive; FTS5 scored every chunk a MATCH found.

A writer starts from the live generation's index, hard-linked (Tantivy never changes a
segment file once written, and replaces its metadata by renaming), deletes the chunks of the
files it replaces, adds the new ones and commits with the generation.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Sequence

import numpy as np

from .shared import match_subterms

FOLDER = "fulltext"
# A filtered search ranks among the allowed chunks. A filter allowing at most this share of the
# archive is given to Tantivy as a set of ids (about 3 us an id); a broader one reads the best
# matches of the whole archive, as many as should hold n allowed ones, more until they do.
NARROW = 0.05


def _schema():
    import tantivy

    b = tantivy.SchemaBuilder()
    b.add_unsigned_field("id", indexed=True, fast=True)
    b.add_text_field("stems", tokenizer_name="default", index_option="position")
    return b.build()


def create(gen: Path, previous: Path | None = None):
    """A writable index in ``gen``: the previous generation's, hard-linked, or an empty one."""
    import tantivy

    where = gen / FOLDER
    if previous is not None and (previous / FOLDER).is_dir():
        shutil.copytree(previous / FOLDER, where, copy_function=os.link,
                        ignore=shutil.ignore_patterns(".tantivy-*.lock"))
        return tantivy.Index(_schema(), path=str(where), reuse=True)
    where.mkdir()
    return tantivy.Index(_schema(), path=str(where), reuse=False)


class Writer:
    """Adds and deletes chunks; ``commit`` makes them part of the generation's index."""

    def __init__(self, index):
        self.schema, self.writer = index.schema, index.writer(heap_size=64_000_000, num_threads=1)

    def add(self, chunk_id: int, stems: str) -> None:
        import tantivy

        doc = tantivy.Document()
        doc.add_unsigned("id", int(chunk_id))
        doc.add_text("stems", stems)
        self.writer.add_document(doc)

    def delete(self, ids: Sequence[int]) -> None:
        import tantivy

        if len(ids):
            self.writer.delete_documents_by_query(tantivy.Query.term_set_query(self.schema, "id", [int(i) for i in ids]))

    def commit(self) -> None:
        self.writer.commit()
        self.writer.wait_merging_threads()

    def abort(self) -> None:
        self.writer.rollback()


class Reader:
    """BM25 over one generation's index (which never changes under it)."""

    def __init__(self, gen: Path):
        import tantivy

        self.schema = _schema()
        self.index = tantivy.Index.open(str(gen / FOLDER))
        self.searcher = self.index.searcher()

    def _query(self, match_terms: Sequence[str]):
        import tantivy

        clauses = []
        for t in dict.fromkeys(match_terms):
            words = match_subterms(t)
            if len(words) == 1:
                clauses.append(tantivy.Query.term_query(self.schema, "stems", words[0]))
            elif words:
                clauses.append(tantivy.Query.phrase_query(self.schema, "stems", words))
        if not clauses:
            return None
        return tantivy.Query.boolean_query([(tantivy.Occur.Should, q) for q in clauses])

    def _top(self, query, n: int) -> tuple[np.ndarray, np.ndarray]:
        found = self.searcher.search(query, limit=n, count=False).hits
        ids = self.searcher.fast_field_values("id", [addr for _, addr in found]) if found else []
        return np.array(ids, dtype="int64"), np.array([s for s, _ in found], dtype="float64")

    def scores(self, match_terms: Sequence[str], n: int, allowed=None) -> dict[int, float]:
        """Up to n chunk ids with their BM25 score, best first (ties by id), among ``allowed``
        (a sorted array of ids) when given."""
        import tantivy

        query = self._query(match_terms)
        if query is None or n <= 0 or (allowed is not None and len(allowed) == 0):
            return {}
        if allowed is None:
            ids, scores = self._top(query, n)
        elif len(allowed) <= NARROW * len(self):
            only = tantivy.Query.const_score_query(
                tantivy.Query.term_set_query(self.schema, "id", [int(i) for i in allowed]), 0.0)
            ids, scores = self._top(tantivy.Query.boolean_query(
                [(tantivy.Occur.Must, query), (tantivy.Occur.Must, only)]), n)
        else:
            limit = max(4 * n, int(2 * n * len(self) / len(allowed)))
            while True:
                ids, scores = self._top(query, limit)
                keep = np.isin(ids, allowed)
                if keep.sum() >= n or len(ids) < limit:
                    ids, scores = ids[keep][:n], scores[keep][:n]
                    break
                limit *= 4
        order = np.lexsort((ids, -scores))
        return dict(zip(ids[order].tolist(), scores[order].tolist()))

    def doc_freqs(self, words: Sequence[str]) -> dict[str, int]:
        return {w: self.searcher.doc_freq("stems", w) for w in dict.fromkeys(words)}

    def __len__(self) -> int:
        return self.searcher.num_docs
