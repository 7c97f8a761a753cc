"""The store interface: what ingest writes through and what search, the CLI and the UI read
through, whatever engine holds the archive.

Two backends implement it:

- the embedded default, a folder of SQLite + FAISS + Tantivy (``index/store.py``, its
  full-text index in ``index/fulltext.py``), addressed by a path or ``faiss:///PATH``;
- PostgreSQL with pgvector (``index/pg.py``), addressed by ``postgresql://…``.

``index.open_archive(location)`` and ``index.writing(location, …)`` (``index/__init__.py``)
pick the backend from the location. One contract suite (``tests/test_store_contract.py``) runs
against both, and checks that each backend's reader and writer class (or the base both readers
share, ``shared.SqlReader``) defines every method below. This module imports no backend
(``tests/test_imports.py`` checks); the parts both share are in ``index/shared.py``.

Access
    A reader is opened for a viewer: ``open_archive(location, exempt=False)`` withholds papers
    marked exempt from publication from every read below (rows, neighbours, papers and their
    chunks, names, dates, counts); ``exempt=True`` shows them (each row says ``exempt``), and
    a search then still leaves them out unless its filters ask (``include_exempt``). Nothing
    above the reader filters exempt papers again: this is where the rule lives.

Rows
    ``chunk_rows``, ``chunk_by_id`` and ``neighbours`` return mappings (``row["text"]``,
    ``row.keys()``) with at least the keys in ``ROW_KEYS``, typed as in SQLite: ``id`` an int,
    ``date`` an ISO string or None, ``topics`` a JSON list in a string, ``vector`` the float32
    vector's bytes, ``stems`` the passage's ``lexical.passage_index_text`` (its words, as the lexical
    arm matched them).

Search primitives (what ``search.py`` calls; fusion, collapse and highlights stay there)
    ``filtered_ids(filters, phrases)`` -> None when nothing restricts the search, else an
        *allowed set*: a sized collection of chunk ids, or a backend's own object that stands
        for one (PostgreSQL keeps a broad filter as SQL). Pass it unchanged to ``dense`` and
        ``lexical_scores``; ``nothing_allowed(allowed)`` says when no chunk can match.
    ``dense(qvec, n, allowed)`` -> (scores, ids): up to n chunks by inner product with the
        unit query vector (= cosine), best first, only allowed ones; k hits come back when k
        allowed chunks exist.
    ``dense_held(qvec, n, allowed)`` -> (scores, ids, vectors): ``dense``, and the hits' vectors
        (one row each) where the vector index holds them, else None in their place.
    ``lexical_scores(match_terms, n, allowed)`` -> {id: BM25}: up to n chunks, best first, by
        BM25 (k1 1.2, b 0.75: Tantivy's in the embedded store, FTS5's formula in PostgreSQL)
        over the pre-stemmed text (``lexical.passage_index_text``: title, heading and text). ``match_terms``
        are terms in that token space (``lexical.tokens(query)``); a chunk matches when it has
        any of them; a term of several words must occur as a phrase.
    ``candidate_rows(ids, columns)`` -> {id: row}: at least the given columns of each chunk (its
        ``id`` first), read as cheaply as the backend can (fusion reads a hundred a search).
    ``doc_freqs(words)`` -> {word: chunks containing it} and ``chunk_count()``: BM25's corpus
        statistics, for weighting query terms (``search._coverage``).

Browsing (the UI's pages, ``explore.py``, the commitments register)
    ``papers(doc_id=None, filters=None, order="newest")`` -> paper rows (the ``papers`` table's
        columns, ``idx`` the paper's position in its file) with ``n``, their chunk count;
        ``provenance``, a dict of where each metadata field came from (``{"date": "filename"}``;
        ``models.ORIGINS``; ``{}`` for papers stored before it was recorded); and ``exempt``,
        a bool. ``filters`` (when given) applies the paper-level filters (dates, committee,
        council, type; a topic is a chunk's, not a paper's) and leaves out papers marked exempt
        unless ``include_exempt``; without filters every paper the reader may see comes back. ``order``:
        ``"newest"`` (meeting date newest first, then committee and title, any case),
        ``"meeting"`` (oldest first, then source path and position in the file; undated papers
        last either way) or ``"source"`` (source path, then position in the file); text compares
        byte by byte on both backends.
    ``paper_chunk_ids(doc_id)`` -> chunk ids in reading order; ``paper_chunks(doc_id)`` -> their rows.
    ``distinct(column)`` -> the committee, council, doc_type or topic values that occur, in name
        order (any case); ``date_span()`` -> (earliest, latest) meeting date, (None, None) if none.

``filters`` is ``search.Filters`` or anything with its fields (read with ``getattr``, so a
field added later is simply ignored by a backend that does not know it yet): ``since``/``until``
(ISO dates, inclusive; papers of unknown date drop out), ``committee``/``council``
(case-insensitive substring, "&" = "and"), ``doc_type`` (exact, any case), ``topic`` (one of
the chunk's topics, any case), ``include_exempt`` (papers marked exempt are left out unless
true). ``phrases`` are ``lexical.normalise``d strings that must occur in the chunk's ``norm``.
"""
from __future__ import annotations

from typing import Any, Iterable, Mapping, Protocol, Sequence, runtime_checkable

import numpy as np

from ..config import is_pg_url, resolve  # noqa: F401  (where a location names its store)
from .shared import ROW_KEYS, FilterValues, and_spelt, match_subterms, nothing_allowed  # noqa: F401

@runtime_checkable
class ArchiveReader(Protocol):
    """A read-only view of one archive. Safe to keep open; closing releases its connections."""

    folder: Any  # where it lives, for messages: a Path, or a URL without its password
    exempt: bool  # opened for papers marked exempt (see "Access" above)
    manifest: Any  # .model, .dim, .chunker_version, .counts, .generation (changes on every commit), .to_json()

    def check_model(self, model: str) -> None:
        """Raise ArchiveError (saying what to do) when the archive was built with another model."""

    def chunk_rows(self, ids: Iterable[int]) -> dict[int, Mapping]: ...
    def vectors_of(self, ids: Iterable[int]) -> dict[int, np.ndarray]: ...
    def chunk_by_id(self, chunk_id: str) -> Mapping | None: ...
    def neighbours(self, row: Mapping, n: int) -> list[Mapping]: ...

    def stats(self) -> dict:
        """files, papers, chunks, by_type, by_committee, by_year, unknown (per metadata field, the
        papers lacking it: ``shared.UNKNOWN_SQL``), needs_ocr, ocr_done (files with pages read by OCR:
        source, pages), exempt_withheld, manifest."""

    # browsing, for the UI's pages and the commitments register
    def papers(self, doc_id: str | None = None, filters: Any = None, order: str = "newest") -> list[Mapping]:
        """Paper rows (the ``papers`` table's columns) with ``n``, ``provenance``, ``exempt`` (see above)."""

    def paper_chunk_ids(self, doc_id: str) -> list[int]: ...
    def paper_chunks(self, doc_id: str) -> list[Mapping]: ...
    def distinct(self, column: str) -> list[str]:
        """Values of committee, council, doc_type or topic that occur, in name order."""

    def date_span(self) -> tuple[str | None, str | None]: ...

    def generation(self) -> str:
        """Changes whenever a writer commits (a cache key)."""

    def filtered_ids(self, filters: Any, phrases: Sequence[str]) -> Any: ...
    def dense(self, qvec: np.ndarray, n: int, allowed: Any = None) -> tuple[np.ndarray, np.ndarray]: ...
    def dense_held(self, qvec: np.ndarray, n: int, allowed: Any = None
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]: ...
    def lexical_scores(self, match_terms: Sequence[str], n: int, allowed: Any = None) -> dict[int, float]: ...
    def doc_freqs(self, words: Sequence[str]) -> dict[str, int]: ...
    def chunk_count(self) -> int: ...
    def candidate_rows(self, ids: Iterable[int], columns: Sequence[str]) -> dict[int, Mapping]: ...
    def close(self) -> None: ...


@runtime_checkable
class ArchiveWriter(Protocol):
    """What ``ingest.py`` calls while it writes. Get one from ``writing(location, …)``.

    Lifecycle: ``writing`` opens it (checking the model and dimension against the archive,
    or emptying the archive when ``rebuild``); ingest asks ``file_state``/``ocr_state``/
    ``source_of_doc``/``known_vectors``, then calls ``put_file``/``put_needs_ocr``/
    ``remove_file`` per file; the block's end calls ``commit`` (or ``abort`` on an exception).

    When changes become visible differs by backend, never what they are: the SQLite store
    makes the whole run visible at ``commit`` in one rename; PostgreSQL commits each
    ``put_file``/``remove_file``/``put_needs_ocr`` as one transaction of its own (a failure
    inside one leaves nothing of that file), so concurrent ingests and searches proceed.
    """

    model: str
    dim: int
    old: Any  # the archive's manifest before this writer (None: a new archive, or a rebuild)
    changed: bool

    def file_state(self, source: str) -> Mapping | None:
        """The stored record of a file (source, sha256, meta_hash, chunker, pages, dropped,
        ingested_at), or None."""

    def ocr_state(self, source: str) -> Mapping | None:
        """A file recorded as needing OCR: source, sha256, pages, reason; or None."""

    def ocr_done_state(self, source: str) -> Mapping | None:
        """A stored file some of whose pages were read by OCR: source, sha256, pages; or None."""

    def source_of_doc(self, doc_id: str) -> str | None: ...
    def known_vectors(self, hashes: list[str]) -> dict[str, np.ndarray]: ...
    def sources(self) -> list[str]: ...
    def remove_file(self, source: str) -> int: ...

    def put_file(self, source: str, sha256: str, meta_hash: str, pages: int | None, dropped: dict,
                 papers: list, chunks: list, hashes: list[str], vectors: np.ndarray,
                 exempt: dict[str, str] | None = None, chunker: str | None = None,
                 path: str | None = None) -> None:
        """Store one file's papers and chunks in place of its old ones (``path``: where the file
        is, absolute; default: ``source`` from the current folder)."""

    def put_needs_ocr(self, source: str, sha256: str, pages: int | None, reason: str) -> None: ...

    def put_ocr_done(self, source: str, sha256: str, pages: int) -> None:
        """After ``put_file``: record that ``pages`` of the file's pages were read by OCR
        (``stats``' ``ocr_done``); cleared when the file is stored again or removed."""

    def paper_metas(self) -> list[Mapping]:
        """Every paper's metadata as written so far: doc_id, source, idx, part_of_pack, the
        metadata columns and ``provenance`` (a dict)."""

    def set_paper_metas(self, metas: Mapping[str, Any]) -> None:
        """Replace the council, committee, date and provenance of these papers (doc_id ->
        a ``PaperMeta``): what their meetings share (``chunking.meetings``)."""

    def put_ocr_pages(self, source: str, sha256: str, pages: int, reason: str) -> None:
        """After ``put_file``: record that some of the file's pages are scanned and need OCR,
        without removing the file."""

    def discard(self) -> None: ...
    def commit(self) -> Any: ...
    def abort(self) -> None: ...
