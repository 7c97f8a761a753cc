"""Stage 5: the archive on disk — a folder with a manifest, written atomically.

    index/
      manifest.json          model, dimension, chunker version, counts, current generation
      gen-000007/
        archive.sqlite       files, papers, chunks (text, stems, metadata, vector), chunk_topics
        vectors.faiss        the same vectors in FAISS, keyed by chunks.id
        fulltext/            the chunks' stems in Tantivy, keyed by chunks.id (index/fulltext.py)

A writer copies the current generation into a new one, changes that, and makes it current by
replacing manifest.json in one rename. A crash at any moment leaves the old generation
current and whole; readers never see a half-written archive. One writer at a time: a second
one is refused at once (``ArchiveBusy``); the lock is an flock on ``.lock``, which the kernel
drops when its holder dies, so a lock file left by a killed writer is harmless. Generations
that a killed writer left half-made are swept by the next writer. Readers need no lock: one
that finds its generation gone (a writer committed and removed it between reading the
manifest and opening the files) reads the manifest again.

Besides papers and chunks, the store records files that need OCR before they can be read
(``needs_ocr``: whole scans, and stored files with some scanned pages), files whose scanned
pages were read by OCR at ingest (``ocr_done``: how many pages), papers marked exempt
from publication (``exempt_papers``), which search leaves out unless asked, and where each
paper's metadata came from (``paper_provenance``: JSON ``{field: origin}``, for ``cs-archive
papers``), and the passages whose text was read by OCR (``ocr_chunks``), which hits mark so
that a clerk checks the original.

``Archive`` is the one reader (the interface of ``index/base.py``); papers marked exempt are
withheld by it, once. An archive of an older format is refused with the command that rebuilds it.
"""
from __future__ import annotations

import fcntl
import json
import os
import shutil
import sqlite3
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from ..chunking import CHUNKER_VERSION
from ..lexical import normalise, passage_index_text
from ..models import Chunk, Paper
from . import fulltext
from .shared import (ArchiveBusy, ArchiveError, ArchiveMissing, FilterValues, SqlReader, SqlWriter,
                     and_spelt, now, paper_rows, provenance_rows, stats)
from .vectors import FaissIndex

FORMAT = 2  # 2: the lexical arm in Tantivy (fulltext/), topics in chunk_topics; 1 had FTS5 and numpy arrays
MANIFEST = "manifest.json"
DB = "archive.sqlite"

SCHEMA = """
CREATE TABLE IF NOT EXISTS files (
    source TEXT PRIMARY KEY, sha256 TEXT NOT NULL, meta_hash TEXT NOT NULL,
    chunker TEXT NOT NULL, pages INTEGER, dropped TEXT, ingested_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS papers (
    doc_id TEXT PRIMARY KEY, source TEXT NOT NULL REFERENCES files(source), idx INTEGER NOT NULL,
    council TEXT, committee TEXT, date TEXT, title TEXT, doc_type TEXT NOT NULL, url TEXT,
    page_count INTEGER, start INTEGER NOT NULL, "end" INTEGER NOT NULL, part_of_pack INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS chunks (
    id INTEGER PRIMARY KEY, chunk_id TEXT UNIQUE NOT NULL, doc_id TEXT NOT NULL REFERENCES papers(doc_id),
    seq INTEGER NOT NULL, section TEXT, subsection TEXT, part INTEGER, heading TEXT NOT NULL,
    text TEXT NOT NULL, norm TEXT NOT NULL, page INTEGER, page_end INTEGER, topics TEXT NOT NULL,
    content_hash TEXT NOT NULL, vector BLOB NOT NULL, stems TEXT
);
CREATE INDEX IF NOT EXISTS chunks_doc ON chunks(doc_id, seq);
CREATE INDEX IF NOT EXISTS chunks_hash ON chunks(content_hash);
CREATE INDEX IF NOT EXISTS papers_source ON papers(source);
CREATE INDEX IF NOT EXISTS papers_committee ON papers(committee);
CREATE INDEX IF NOT EXISTS papers_council ON papers(council);
CREATE TABLE IF NOT EXISTS chunk_topics (topic TEXT NOT NULL, id INTEGER NOT NULL REFERENCES chunks(id),
    PRIMARY KEY (topic, id)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS chunk_topics_id ON chunk_topics(id);
""" + "".join(f"CREATE TABLE IF NOT EXISTS {ddl};\n" for ddl in (
    "needs_ocr (source TEXT PRIMARY KEY, sha256 TEXT NOT NULL, pages INTEGER, reason TEXT NOT NULL, "
    "recorded_at TEXT NOT NULL)",
    "ocr_done (source TEXT PRIMARY KEY, sha256 TEXT NOT NULL, pages INTEGER NOT NULL)",
    "exempt_papers (doc_id TEXT PRIMARY KEY REFERENCES papers(doc_id), reason TEXT NOT NULL)",
    "paper_provenance (doc_id TEXT PRIMARY KEY REFERENCES papers(doc_id), provenance TEXT NOT NULL)",
    "ocr_chunks (chunk_id TEXT PRIMARY KEY REFERENCES chunks(chunk_id))",
    "file_paths (source TEXT PRIMARY KEY REFERENCES files(source), path TEXT NOT NULL)",
))

@dataclass(frozen=True)
class Manifest:
    format: int
    generation: str
    model: str
    dim: int
    chunker_version: str
    counts: dict
    updated: str

    @classmethod
    def read(cls, folder: Path) -> "Manifest":
        path = folder / MANIFEST
        if not path.exists():
            raise ArchiveMissing(f"no archive at {folder}: build one with `cs-archive ingest PATH --index {folder}`")
        try:
            data = json.loads(path.read_text())
            return cls(**{k: data[k] for k in cls.__dataclass_fields__})
        except (ValueError, KeyError, TypeError) as e:
            raise ArchiveError(f"{path} is damaged ({e}); rebuild the archive with `cs-archive ingest`") from None

    def to_json(self) -> dict:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}

    def check_format(self, folder: Path) -> None:
        if self.format != FORMAT:
            raise ArchiveError(f"the archive at {folder} was written by another version of cs-archive (format "
                               f"{self.format}, this one reads {FORMAT}): rebuild it with "
                               f"`cs-archive ingest PATH --index {folder} --rebuild`")


def _connect(path: Path, readonly: bool) -> sqlite3.Connection:
    if readonly:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
    else:
        con = sqlite3.connect(path, check_same_thread=False)
        con.execute("PRAGMA journal_mode=DELETE")
        con.execute("PRAGMA synchronous=FULL")
    con.row_factory = sqlite3.Row
    return con


CHUNK_COLUMNS = frozenset(("id", "chunk_id", "doc_id", "seq", "section", "subsection", "part", "heading", "text",
                           "norm", "page", "page_end", "topics", "content_hash", "vector", "stems"))
# SQL true of a chunk or paper (its doc_id column given) of a paper marked exempt.
EXEMPT_SQL = "{col} IN (SELECT doc_id FROM exempt_papers)"


class Archive(SqlReader):
    """A read-only view of the current generation. Cheap to keep open; never changes under you.

    Papers marked exempt from publication are withheld by every read (rows, neighbours,
    papers, counts, names, dates) unless the reader was opened with ``exempt=True`` (a
    member's or clerk's view): the access rule is enforced here, once (``access.py``)."""

    MARKS, BYTEWISE, OPTION = "?", "", "--index"
    TOPICS = ("j.value", "chunks c, json_each(c.topics) j")
    # A paper row: its columns, chunk count, provenance (JSON, read into a dict), where its file
    # is (absolute; the source where none was recorded) and exemption.
    paper_sql = ("SELECT p.*, (SELECT count(*) FROM chunks c WHERE c.doc_id = p.doc_id) AS n, "
                 "(SELECT v.provenance FROM paper_provenance v WHERE v.doc_id = p.doc_id) AS provenance, "
                 "coalesce((SELECT f.path FROM file_paths f WHERE f.source = p.source), p.source) AS path, "
                 "EXISTS (SELECT 1 FROM exempt_papers e WHERE e.doc_id = p.doc_id) AS exempt FROM papers p")

    def __init__(self, folder: str | os.PathLike, exempt: bool = False):
        self.folder = Path(folder)
        self.exempt = bool(exempt)
        for _ in range(10):
            self.manifest = Manifest.read(self.folder)
            self.manifest.check_format(self.folder)
            try:
                self.db, self.vectors, self.words = _open_generation(self.folder / self.manifest.generation, self.manifest.dim)
                break
            except ArchiveError:
                # A writer may have committed and removed this generation since we read the
                # manifest: then the manifest names a newer one. Otherwise the archive is damaged.
                if Manifest.read(self.folder).generation == self.manifest.generation:
                    raise
        else:
            raise ArchiveError(f"the archive at {self.folder} keeps changing under this reader; try again")
        self.exempt_count = self.db.execute("SELECT count(*) FROM exempt_papers").fetchone()[0]
        self._known_names: dict[str, list[str]] = {}

    @property
    def withholds(self) -> bool:
        """Whether reads leave papers out: some are marked exempt and this reader may not see them."""
        return not self.exempt and self.exempt_count > 0

    def visible(self, col: str = "p.doc_id") -> str:
        """SQL true of the rows this reader may return (``col``: their doc_id column)."""
        return f"NOT {EXEMPT_SQL.format(col=col)}" if self.withholds else "1"

    def close(self) -> None:
        self.db.close()
        self.words = None

    def _rows(self, sql: str, args: Sequence = ()) -> list[sqlite3.Row]:
        return self.db.execute(sql, list(args)).fetchall()

    # -- reading -----------------------------------------------------------------------
    def chunk_rows(self, ids) -> dict[int, sqlite3.Row]:
        ids = [int(i) for i in ids]
        if not ids:
            return {}
        is_exempt, visible = EXEMPT_SQL.format(col="c.doc_id"), self.visible("c.doc_id")
        q = ("SELECT c.*, p.source, p.council, p.committee, p.date, p.title, p.doc_type, p.url, "
             "EXISTS (SELECT 1 FROM ocr_chunks o WHERE o.chunk_id = c.chunk_id) AS ocr, "
             f"{is_exempt} AS exempt "
             f"FROM chunks c JOIN papers p USING(doc_id) WHERE {visible} AND c.id IN (%s)"
             % ",".join("?" * len(ids)))
        return {r["id"]: r for r in self.db.execute(q, ids)}

    def vectors_of(self, ids) -> dict[int, np.ndarray]:
        ids = [int(i) for i in ids]
        if not ids:
            return {}
        q = "SELECT id, vector FROM chunks WHERE id IN (%s)" % ",".join("?" * len(ids))
        return {r["id"]: np.frombuffer(r["vector"], dtype="float32") for r in self.db.execute(q, ids)}

    def stats(self) -> dict:
        """Counts of what this reader may see (``shared.stats``)."""
        visible = self.visible()
        files = (f"SELECT count(DISTINCT source) AS n FROM papers p WHERE {visible}" if self.withholds
                 else "SELECT count(*) AS n FROM files")
        return stats(self, lambda sql: self.db.execute(sql).fetchall(), files)

    # -- search primitives (index/base.py) ----------------------------------------------
    def filtered_ids(self, filters: Any, phrases: Sequence[str] = ()) -> np.ndarray | None:
        """Ids of the chunks that pass the filters and contain every phrase, in order; None when
        nothing restricts."""
        f = FilterValues.of(filters)
        phrases = [p for p in phrases if p]
        exempt = self._withheld(f)
        if not f.restricts_papers and not phrases and not exempt:
            return None
        on_papers, args = self._paper_conditions(f)
        # Paper-level conditions select papers first: SQLite then walks only their chunks.
        where = ["c.doc_id IN (SELECT p.doc_id FROM papers p WHERE " + " AND ".join(on_papers) + ")"] if on_papers else []
        if f.topic:
            where.append("c.id IN (SELECT id FROM chunk_topics WHERE topic = ?)")
            args.append(f.topic)
        for p in phrases:
            where.append("instr(c.norm, ?) > 0")
            args.append(p)
        cur = self.db.cursor()
        cur.row_factory = None
        got = cur.execute("SELECT c.id FROM chunks c WHERE " + " AND ".join(where) + " ORDER BY c.id", args).fetchall()
        return np.fromiter((r[0] for r in got), dtype="int64", count=len(got))

    def _withheld(self, f: FilterValues) -> bool:
        """Whether papers marked exempt are left out: the archive has some, and the reader was not
        opened for them or the filters do not ask for them (a filter narrows, never widens)."""
        return not (f.include_exempt and self.exempt) and self.exempt_count > 0

    def dense(self, qvec: np.ndarray, n: int, allowed: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        return self.vectors.search(np.asarray(qvec, dtype="float32"), n, allowed)

    def dense_held(self, qvec: np.ndarray, n: int, allowed: np.ndarray | None = None
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """``dense``, and the hits' vectors from the vector index (``FaissIndex.held``); None in
        their place where it holds codes only."""
        return self.vectors.search_held(np.asarray(qvec, dtype="float32"), n, allowed)

    def lexical_scores(self, match_terms: Sequence[str], n: int, allowed: np.ndarray | None = None) -> dict[int, float]:
        """Up to n chunk ids with their BM25 score (Tantivy's; higher is better), best first."""
        return self.words.scores(match_terms, n, allowed)

    def doc_freqs(self, words: Sequence[str]) -> dict[str, int]:
        """How many chunks contain each word (a word as the index holds it: ``base.match_subterms``)."""
        return self.words.doc_freqs(words)

    def chunk_count(self) -> int:
        """The generation's chunk count, as its manifest records it (``check`` verifies the two agree)."""
        return int(self.manifest.counts["chunks"])

    def candidate_rows(self, ids, columns: Sequence[str] = ("id", "vector")) -> dict[int, dict]:
        """The given columns (the first one ``id``) for each id found, in one query without the
        join; a chunk's vector from the vector index where it holds them (flat: as stored;
        "pq": its fp16 copy), with no row read."""
        ids = [int(i) for i in ids]
        if not ids:
            return {}
        if tuple(columns) == ("id", "vector"):
            held = self.vectors.held(ids)
            if held is not None:
                return {i: {"id": i, "vector": v} for i, v in zip(ids, held)}
        if not set(columns) <= CHUNK_COLUMNS:
            raise ValueError(f"not columns of chunks: {sorted(set(columns) - CHUNK_COLUMNS)}")
        cur = self.db.cursor()
        cur.row_factory = None  # plain tuples: cheaper than sqlite3.Row for a hundred rows per search
        marks = ",".join("?" * len(ids))
        return {r[0]: dict(zip(columns, r)) for r in cur.execute(
            f"SELECT {', '.join(columns)} FROM chunks WHERE id IN ({marks})", ids)}

    def _paper_conditions(self, f: FilterValues) -> tuple[list[str], list]:
        """The paper-level filters (dates, committee, council, type, exempt papers left out:
        ``_withheld``) as SQL over ``papers p``. A committee or council is matched against the
        few distinct names in Python ("&" spelt "and"), then looked up by its index."""
        on_papers, args = f.dates_and_type("?")
        for col, val in (("committee", f.committee), ("council", f.council)):
            if val:
                names = [n for n in self._names(col) if val in and_spelt(n)]
                marks = ",".join("?" * len(names))
                on_papers.append(f"p.{col} IN ({marks})" if names else "0")
                args += names
        if self._withheld(f):
            on_papers.append(f"NOT {EXEMPT_SQL.format(col='p.doc_id')}")
        return on_papers, args

    def _names(self, col: str) -> list[str]:
        """The distinct committee or council names of the papers (read once: a reader's
        generation never changes)."""
        if col not in self._known_names:
            self._known_names[col] = [r[0] for r in self.db.execute(
                f"SELECT DISTINCT {col} FROM papers WHERE {col} IS NOT NULL")]
        return self._known_names[col]

    def generation(self) -> str:
        """The archive's current generation (moves on every commit; this reader keeps its own)."""
        return Manifest.read(self.folder).generation


def _open_generation(gen: Path, dim: int):
    """The SQLite store and vectors of one generation, or ArchiveError saying what is missing."""
    rebuild = f"rebuild it with `cs-archive ingest PATH --index {gen.parent} --rebuild`"
    for name in (DB, FaissIndex.filename, fulltext.FOLDER):
        if not (gen / name).exists():
            raise ArchiveError(f"the archive at {gen.parent} is damaged: {gen.name}/{name} is missing; {rebuild}")
    db = None
    try:
        db = _connect(gen / DB, readonly=True)
        db.execute("SELECT count(*) FROM chunks").fetchone()
        vectors = FaissIndex.load(gen / FaissIndex.filename, dim)
        words = fulltext.Reader(gen)
    except (sqlite3.Error, RuntimeError, ValueError, OSError) as e:
        if db is not None:
            db.close()
        detail = " ".join(str(e).split())[:120]
        raise ArchiveError(f"the archive at {gen.parent} is damaged: cannot read {gen.name} ({detail}); {rebuild}") from None
    return db, vectors, words


class Writer(SqlWriter):
    """Changes to a new generation; ``commit`` makes them current in one rename."""

    MARKS, BYTEWISE = "?", ""

    def __init__(self, folder: Path, model: str, dim: int, rebuild: bool = False):
        self.folder = folder
        self.model, self.dim = model, dim
        self.made_folder = not folder.exists()
        folder.mkdir(parents=True, exist_ok=True)
        self._lock = open(folder / ".lock", "w")
        try:
            fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._lock.close()
            raise ArchiveBusy(f"another ingest is writing to {folder}; wait for it to finish and run this again") from None
        try:
            existing = Manifest.read(folder) if (folder / MANIFEST).exists() else None
        except ArchiveError:
            existing = None
        old = None if rebuild else existing
        if old and old.format != FORMAT:
            self._lock.close()
            old.check_format(folder)
        if old and (old.model != model or old.dim != dim):
            self._lock.close()
            raise ArchiveError(
                f"the archive at {folder} was built with model {old.model!r}; {model!r} is configured. "
                f"Rebuild it with --rebuild, or set CS_ARCHIVE_MODEL={old.model}")
        self.old = old
        self.live = existing  # the generation readers see until commit, rebuild or not
        self._sweep()
        n = int(existing.generation.split("-")[1]) + 1 if existing else 1
        self.generation = f"gen-{n:06d}"
        self.gen = folder / self.generation
        shutil.rmtree(self.gen, ignore_errors=True)
        self.gen.mkdir()
        self.db = _connect(self.gen / DB, readonly=False)
        if old:
            src = _connect(folder / old.generation / DB, readonly=True)
            src.backup(self.db)
            src.close()
            self.vectors = FaissIndex.load(folder / old.generation / FaissIndex.filename, dim)
        else:
            self.vectors = FaissIndex(dim)
        self.words = fulltext.Writer(fulltext.create(self.gen, folder / old.generation if old else None))
        self.db.executescript(SCHEMA)
        self.db.execute("BEGIN")
        self.changed = False

    def _sweep(self) -> None:
        """Remove generations a crashed writer left behind (never the current one)."""
        keep = self.live.generation if self.live else None
        for p in self.folder.glob("gen-*"):
            if p.name != keep:
                shutil.rmtree(p, ignore_errors=True)

    # -- what the ingest asks ----------------------------------------------------------
    def _rows(self, sql: str, args: Sequence = ()) -> list[sqlite3.Row]:
        return self.db.execute(sql, list(args)).fetchall()

    def known_vectors(self, hashes: list[str]) -> dict[str, np.ndarray]:
        out: dict[str, np.ndarray] = {}
        for i in range(0, len(hashes), 500):
            part = hashes[i:i + 500]
            q = "SELECT content_hash, vector FROM chunks WHERE content_hash IN (%s)" % ",".join("?" * len(part))
            for r in self.db.execute(q, part):
                out[r["content_hash"]] = np.frombuffer(r["vector"], dtype="float32")
        return out

    def set_paper_metas(self, metas: dict) -> None:
        if not metas:
            return
        self.db.executemany("UPDATE papers SET council = ?, committee = ?, date = ? WHERE doc_id = ?",
                            [(m.council, m.committee, m.date, doc_id) for doc_id, m in metas.items()])
        self.db.executemany("INSERT OR REPLACE INTO paper_provenance VALUES (?, ?)", provenance_rows(metas))
        self.changed = True

    # -- changes -----------------------------------------------------------------------
    def remove_file(self, source: str) -> int:
        n_ocr = self.db.execute("DELETE FROM needs_ocr WHERE source = ?", (source,)).rowcount
        n_ocr += self.db.execute("DELETE FROM ocr_done WHERE source = ?", (source,)).rowcount
        for t in ("exempt_papers", "paper_provenance"):
            self.db.execute(f"DELETE FROM {t} WHERE doc_id IN (SELECT doc_id FROM papers WHERE source = ?)",
                            (source,))
        self.db.execute("DELETE FROM file_paths WHERE source = ?", (source,))
        self.db.execute("DELETE FROM ocr_chunks WHERE chunk_id IN (SELECT c.chunk_id FROM chunks c "
                        "JOIN papers p USING(doc_id) WHERE p.source = ?)", (source,))
        ids = [r[0] for r in self.db.execute(
            "SELECT c.id FROM chunks c JOIN papers p USING(doc_id) WHERE p.source = ?", (source,))]
        for i in range(0, len(ids), 500):
            marks = ",".join("?" * len(ids[i:i + 500]))
            self.db.execute(f"DELETE FROM chunk_topics WHERE id IN ({marks})", ids[i:i + 500])
            self.db.execute(f"DELETE FROM chunks WHERE id IN ({marks})", ids[i:i + 500])
        self.words.delete(ids)
        self.vectors.remove(np.array(ids, dtype="int64"))
        self.db.execute("DELETE FROM papers WHERE source = ?", (source,))
        n = self.db.execute("DELETE FROM files WHERE source = ?", (source,)).rowcount
        self.changed |= bool(n or n_ocr)
        return n + n_ocr

    def put_needs_ocr(self, source: str, sha256: str, pages: int | None, reason: str) -> None:
        """Record a file that has no text to read (a scan), in place of whatever it was before."""
        self.remove_file(source)
        self.put_ocr_pages(source, sha256, pages, reason)

    def put_ocr_pages(self, source: str, sha256: str, pages: int, reason: str) -> None:
        """Record that ``pages`` pages of a file just stored need OCR (scanned pages among text
        pages): listed by ``stats`` beside whole scans, cleared when the file is next stored."""
        self.db.execute("INSERT OR REPLACE INTO needs_ocr VALUES (?,?,?,?,?)", (source, sha256, pages, reason, now()))
        self.changed = True

    def put_ocr_done(self, source: str, sha256: str, pages: int) -> None:
        """Record that ``pages`` pages of a file just stored were read by OCR: listed by
        ``stats`` as OCR'd, cleared when the file is next stored or removed."""
        self.db.execute("INSERT OR REPLACE INTO ocr_done VALUES (?,?,?)", (source, sha256, pages))
        self.changed = True

    def put_file(self, source: str, sha256: str, meta_hash: str, pages: int | None, dropped: dict,
                 papers: list[Paper], chunks: list[Chunk], hashes: list[str], vectors: np.ndarray,
                 exempt: dict[str, str] | None = None, chunker: str = CHUNKER_VERSION,
                 path: str | None = None) -> None:
        """Store one file's papers and chunks in place of its old ones. ``exempt`` maps the
        doc_id of each paper marked exempt from publication to the marking found; ``path`` is
        where the file is, absolute (default: ``source`` from the current folder).

        ``chunks``, ``hashes`` and ``vectors`` (rows of one array, or any iterable of vectors)
        are read in step, once, as they are written: a large file's may be produced as it goes."""
        self.remove_file(source)
        self.db.execute("INSERT INTO files VALUES (?,?,?,?,?,?,?)",
                        (source, sha256, meta_hash, chunker, pages, json.dumps(dropped),
                         now()))
        self.db.execute("INSERT INTO file_paths VALUES (?, ?)", (source, path or os.path.abspath(source)))
        self.db.executemany("INSERT INTO exempt_papers VALUES (?, ?)", sorted((exempt or {}).items()))
        self.db.executemany("INSERT INTO papers VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)", paper_rows(source, papers))
        self.db.executemany("INSERT INTO paper_provenance VALUES (?, ?)",
                            provenance_rows({p.doc_id: p.meta for p in papers}))
        ids: list[int] = []
        batch: list[np.ndarray] = []
        ocr: list[tuple[str]] = []
        titles = {p.doc_id: p.meta.title for p in papers}
        for c, h, v in zip(chunks, hashes, vectors):
            v = np.asarray(v, dtype="float32").reshape(self.dim)
            stems = passage_index_text(titles.get(c.doc_id), c.heading, c.text)
            cur = self.db.execute(
                "INSERT INTO chunks(chunk_id, doc_id, seq, section, subsection, part, heading, text, norm, page, "
                "page_end, topics, content_hash, vector, stems) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (c.chunk_id, c.doc_id, c.seq, c.section, c.subsection, c.part, c.heading, c.text,
                 normalise(f"{c.heading} {c.text}"), c.page, c.page_end, json.dumps(list(c.topics)), h,
                 v.tobytes(), stems))
            ids.append(cur.lastrowid)
            batch.append(v)
            if c.ocr:
                ocr.append((c.chunk_id,))
            self.db.executemany("INSERT OR IGNORE INTO chunk_topics VALUES (?, ?)",
                                [(t.lower(), cur.lastrowid) for t in c.topics])
            self.words.add(cur.lastrowid, stems)
            if len(ids) == 1024:
                self.vectors.add(np.array(ids, dtype="int64"), np.stack(batch))
                ids, batch = [], []
        if ids:
            self.vectors.add(np.array(ids, dtype="int64"), np.stack(batch))
        self.db.executemany("INSERT INTO ocr_chunks VALUES (?)", ocr)
        self.changed = True

    # -- finishing ---------------------------------------------------------------------
    def commit(self) -> Manifest:
        self.db.commit()
        counts = {t: self.db.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("files", "papers", "chunks")}
        counts["vectors"] = len(self.vectors)
        if counts["chunks"] != counts["vectors"]:
            raise ArchiveError(f"internal error: {counts['chunks']} chunks but {counts['vectors']} vectors; nothing was changed")
        self.words.commit()
        self.vectors.fit(stored=self._stored_vectors)  # flat again from the exact vectors, if it shrank
        self.db.close()
        self.vectors.save(self.gen / FaissIndex.filename)
        _fsync_file(self.gen / FaissIndex.filename)
        _fsync_dir(self.gen)
        manifest = Manifest(FORMAT, self.generation, self.model, self.dim, CHUNKER_VERSION, counts,
                            now())
        tmp = self.folder / (MANIFEST + ".tmp")
        with open(tmp, "w") as f:
            json.dump(manifest.to_json(), f, indent=2)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self.folder / MANIFEST)
        _fsync_dir(self.folder)
        if self.live:
            shutil.rmtree(self.folder / self.live.generation, ignore_errors=True)
        self._release()
        return manifest

    def _stored_vectors(self) -> tuple[np.ndarray, np.ndarray]:
        rows = self.db.execute("SELECT id, vector FROM chunks ORDER BY id").fetchall()
        ids = np.fromiter((r[0] for r in rows), dtype="int64", count=len(rows))
        return ids, np.frombuffer(b"".join(r[1] for r in rows), dtype="float32").reshape(len(rows), self.dim)

    def abort(self) -> None:
        self.words.abort()
        try:
            self.db.close()
        except sqlite3.Error:
            pass
        shutil.rmtree(self.gen, ignore_errors=True)
        if self.made_folder and not (self.folder / MANIFEST).exists():
            # Nothing was ever committed here: leave no empty archive behind.
            for leftover in (".lock", MANIFEST + ".tmp"):
                (self.folder / leftover).unlink(missing_ok=True)
            self._release()
            try:
                self.folder.rmdir()
            except OSError:
                pass
        self._release()

    def _release(self) -> None:
        if not self._lock.closed:
            fcntl.flock(self._lock, fcntl.LOCK_UN)
            self._lock.close()


def _fsync_file(path: Path) -> None:
    with open(path, "rb") as f:
        os.fsync(f.fileno())


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextmanager
def writing(folder: Path, model: str, dim: int, rebuild: bool = False):
    """Commit when the block ends normally and something changed; otherwise leave the archive
    exactly as it was (and make none where there was none)."""
    w = Writer(folder, model, dim, rebuild)
    try:
        yield w
    except BaseException:
        w.abort()
        raise
    if w.changed:
        w.commit()
    else:
        w.abort()


def generation_of(folder: Path) -> str:
    """The archive's current generation, read from its manifest (for caches)."""
    return Manifest.read(folder).generation


def check(folder: Path) -> list[str]:
    """What is wrong with the archive, if anything (an empty list when healthy)."""
    problems: list[str] = []
    try:
        a = Archive(folder)
    except Exception as e:  # noqa: BLE001 — report any failure to open as damage
        return [str(e)]
    try:
        m = a.manifest
        n_chunks = a.db.execute("SELECT count(*) FROM chunks").fetchone()[0]
        if n_chunks != len(a.vectors):
            problems.append(f"{n_chunks} chunks stored but {len(a.vectors)} vectors in FAISS")
        if n_chunks != len(a.words):
            problems.append(f"{n_chunks} chunks stored but {len(a.words)} in the full-text index")
        if m.counts.get("chunks") != n_chunks:
            problems.append(f"manifest counts {m.counts.get('chunks')} chunks, the store has {n_chunks}")
        for table, col, parent, what in (("chunks", "doc_id", "papers", "chunks belong to no paper"),
                                         ("papers", "source", "files", "papers belong to no file"),
                                         ("exempt_papers", "doc_id", "papers", "exemption records belong to no paper"),
                                         ("paper_provenance", "doc_id", "papers", "provenance records belong to no paper")):
            bad = a.db.execute(f"SELECT count(*) FROM {table} WHERE {col} NOT IN (SELECT {col} FROM {parent})").fetchone()[0]
            if bad:
                problems.append(f"{bad} {what}")
        # A date that is no real day ("2024-02-30") breaks every search ranking that paper by date.
        bad = [(r[0], r[1]) for r in a.db.execute("SELECT source, date FROM papers WHERE coalesce(date, '') != ''")
               if not _real_iso(r[1])]
        if bad:
            problems.append(f"{len(bad)} papers have a date that is no real day ({bad[0][0]}: {bad[0][1]}): "
                            "correct it beside the file and re-run ingest on it")
        if a.db.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            problems.append("SQLite integrity check failed")
        if m.chunker_version != CHUNKER_VERSION:
            problems.append(f"built by chunker {m.chunker_version}, this is {CHUNKER_VERSION}: re-run ingest to update")
    finally:
        a.close()
    return problems


def _real_iso(value: str) -> bool:
    from datetime import date

    try:
        return date.fromisoformat(value).isoformat() == value
    except (TypeError, ValueError):
        return False
