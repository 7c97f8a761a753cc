"""Files and folders in, archive updated: read, chunk, embed what is new, store — atomically.

Unchanged files (same bytes, same supplied metadata, same chunker) are skipped; a changed
file replaces its chunks; a bad file is reported in one line and the rest go on. The whole
run is one generation of the archive: it lands complete, or not at all. A run in which every
file fails changes nothing, and makes no archive where there was none.

Scanned pages are read by OCR first (``chunking.ocr``, before the archive's write lock is
taken), and the file is then read with that text in place: ``stats`` lists it as OCR'd. Pages
OCR leaves unread (off, not installed, nothing found) are said, with why, and recorded as
needing OCR; a whole scan is never indexed empty. A paper marked exempt from publication
(``chunking.exempt``) is stored, flagged, and left out of search unless it is asked for.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
import unicodedata
from collections import Counter
from dataclasses import dataclass, field, fields
from itertools import islice, tee
from pathlib import Path
from typing import Callable, Iterator

import numpy as np

from .config import settings
from .chunking import CHUNKER_VERSION, iter_chunks, read_file
from .chunking.load import NeedsOCR, supported_suffix
from .chunking.ocr import Scan, read_scans
from .chunking.ocr import sha256_of as file_sha256  # the file's SHA-256, read in blocks
from .chunking.exempt import EXEMPT_VERSION, exempt_marking, hand_exemption
from .chunking.metadata import METADATA_VERSION
from .chunking.overrides import supplied
from .embed import Embedder
from .lexical import WORDS_VERSION
from .index import writing  # a folder, faiss:///PATH or postgresql://…
from .models import Chunk, LoadError

SIDE_FILES = {"manifest.csv", "readme.md", "readme.txt", "readme"}
# What a file was read with: a file read by an older chunker or exemption check, or indexed
# with other words for the lexical arm (``lexical.WORDS_VERSION``), is read again.
READER_VERSION = f"{CHUNKER_VERSION}+exempt{EXEMPT_VERSION}+meta{METADATA_VERSION}+words{WORDS_VERSION}"
UPLOADS = "uploads"


@dataclass
class IngestReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (path, one-line message)
    notes: list[tuple[str, str]] = field(default_factory=list)  # (path, one line): ingested, with a caveat
    exempt: list[tuple[str, str, str]] = field(default_factory=list)  # (source, doc_id, marking)
    chunks: int = 0
    embedded: int = 0  # chunks whose vectors were computed (the rest were reused)

    @property
    def all_failed(self) -> bool:
        return bool(self.failed) and not (self.added or self.updated or self.unchanged)


def expand(paths: list[str | Path], report: IngestReport) -> list[Path]:
    """Files named, and the papers inside folders named (recursively, in name order)."""
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            for f in sorted(p.rglob("*")):
                if f.is_file() and not _is_side_file(f) and not any(part.startswith(".") for part in f.relative_to(p).parts):
                    try:
                        supported_suffix(f)
                        out.append(f)
                    except LoadError as e:
                        report.failed.append((str(f), e.line(f)))
        elif p.is_file():
            out.append(p)
        else:
            report.failed.append((str(p), f"{p}: no such file or folder. Check the path."))
    return list(dict.fromkeys(out))


def _is_side_file(f: Path) -> bool:
    return f.name.lower() in SIDE_FILES or f.name.endswith(".meta.json")


def content_hash(model: str, text: str) -> str:
    return hashlib.sha256(f"{model}\n{text}".encode()).hexdigest()[:32]


def embed_text(chunk, title: str | None) -> str:
    """What the model reads: the paper's title and heading path help find the paragraph."""
    head = " > ".join(x for x in (title, chunk.heading) if x)
    return f"{head}\n{chunk.text}" if head else chunk.text


# settings().embed_pool: texts waiting to be embedded before the files holding them are
# written. Embedding in pools of many files' chunks, sorted by length, keeps the model's batches
# full and evenly long: embedding file by file (a small report is 20 chunks) made ingest 1.85×
# the model's own time.
# settings().spool_chunks: a file's chunks are kept in memory up to this many; a larger file's
# go to a temporary file, and its texts are embedded a pool at a time as it is written: however
# long the paper, its chunks and vectors are never all in memory at once.


_CHUNK_FIELDS = [f.name for f in fields(Chunk)]


class ChunkSpool:
    """A file's chunks, in the order they were cut, to be read back when the file is written:
    in memory while there are few, in an unnamed temporary file (gone when closed, or when the
    process dies) once there are more than ``limit``, so that a paper of thousands of pages
    costs no memory for its chunks. Read it one pass at a time."""

    def __init__(self, limit: int | None = None):
        self.limit = settings().spool_chunks if limit is None else limit
        self._kept: list[Chunk] = []
        self._file = None
        self.count = 0

    def add(self, chunk: Chunk) -> None:
        self.count += 1
        if self._file is None and len(self._kept) < self.limit:
            self._kept.append(chunk)
            return
        if self._file is None:
            self._file = tempfile.TemporaryFile("w+", encoding="utf-8", prefix="cs-archive-chunks-")
            for kept in self._kept:
                self._write(kept)
            self._kept = []
        self._write(chunk)

    def _write(self, c: Chunk) -> None:
        self._file.write(json.dumps([getattr(c, f.name) for f in fields(Chunk)]) + "\n")

    def __len__(self) -> int:
        return self.count

    @property
    def spilled(self) -> bool:
        """Too many to keep in memory: they are in a temporary file."""
        return self._file is not None

    def __iter__(self) -> Iterator[Chunk]:
        if self._file is None:
            yield from self._kept
            return
        self._file.seek(0)
        for line in self._file:
            values = dict(zip(_CHUNK_FIELDS, json.loads(line)))
            values["topics"] = tuple(values["topics"])
            yield Chunk(**values)
        self._file.seek(0, os.SEEK_END)

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
        self._kept, self._file = [], None


@dataclass
class _Pending:
    """A file read and chunked, waiting for its missing vectors before it is written. Its text
    is not kept: only what is written (papers, chunks) and what the report needs."""
    n: int
    source: str
    sha: str
    meta_hash: str
    updated: bool
    pages: int | None
    dropped: dict
    ocr_pages: tuple[int, ...]  # pages still needing OCR (scanned, unread)
    ocr_done: tuple[int, ...]  # pages read by OCR
    unread: dict[int, str]  # page -> why OCR read nothing on it
    papers: tuple
    chunks: ChunkSpool
    hashes: list[str]
    todo: list[int]  # indexes of the chunks with no vector in the archive yet
    known: dict[str, np.ndarray]  # vectors the archive has for the other chunks
    exempt: dict[str, str]
    path: str = ""  # where the file is, absolute (the source is the name it was given or is stored under)

    @property
    def titles(self) -> dict[str, str | None]:
        return {p.doc_id: p.meta.title for p in self.papers}


def ingest(paths: list[str | Path], folder: Path, embedder: Embedder, rebuild: bool = False,
           progress: Callable[[str], None] = lambda s: None, stored_as: dict[Path, str] | None = None) -> IngestReport:
    """Read the files and folders into the archive at ``folder``. A file's source is the path as
    given (``stored_as`` names the source a file is already stored under, when it is read again
    from elsewhere: a correction made in the app); where it is, absolute, is recorded beside it,
    so the app finds it whatever folder it was started from."""
    report = IngestReport()
    files = expand(paths, report)
    scans = read_scans(files, progress)  # OCR, before the lock: it may take minutes
    pending: list[_Pending] = []
    pool = settings().embed_pool
    try:
        with writing(folder, embedder.name, embedder.dim, rebuild=rebuild) as w:
            waiting = 0  # texts pending files still need embedded
            for n, path in enumerate(files, 1):
                job = _read(w, report, embedder, n, path, pending, scans.get(path), (stored_as or {}).get(path))
                if job is None:
                    continue
                pending.append(job)
                waiting += len(job.todo)
                if waiting >= pool:
                    _flush(w, report, embedder, pending, len(files), progress)
                    pending, waiting = [], 0
            _flush(w, report, embedder, pending, len(files), progress)
            if w.changed:
                share_meetings(w)
            if report.all_failed and w.old is None:
                w.discard()  # a new archive (or a rebuild) with nothing in it is no archive at all
    finally:
        for job in pending:
            job.chunks.close()
    # After the commit, what is derived from the papers this run added or changed: the
    # commitments register, and what is new for each saved search.
    from .commitments import store as commitments
    from .follow import watch

    commitments.after_ingest(folder, report, embedder)
    watch.after_ingest(folder, report, embedder)
    return report


def share_meetings(w) -> int:
    """Fill what papers leave unknown from the other papers of their meeting (pack, same
    committee and date, one folder: ``chunking.meetings``), redone over the whole archive at
    every write so that inferences follow corrections and removals. Returns how many papers
    changed."""
    from .chunking.meetings import Filed, share
    from .models import META_FIELDS, PaperMeta

    filed = [Filed(r["doc_id"], r["source"], r["idx"], bool(r["part_of_pack"]),
                   PaperMeta(council=r["council"], committee=r["committee"], date=r["date"], title=r["title"],
                             doc_type=r["doc_type"], url=r["url"],
                             provenance=tuple((k, r["provenance"][k]) for k in META_FIELDS if k in r["provenance"])))
             for r in w.paper_metas()]
    changed = share(filed)
    w.set_paper_metas(changed)
    return len(changed)


def _read(w, report: IngestReport, embedder: Embedder, n: int, path: Path, pending: list[_Pending],
          scanned: Scan | None = None, stored_as: str | None = None) -> _Pending | None:
    """Read and chunk one file, note which chunks the archive has vectors for: a file to
    write, or None (unchanged, or failed: said in the report). ``scanned``: its pages that
    needed OCR, and what OCR made of them."""
    source = stored_as or os.path.normpath(str(path))
    try:
        sha = file_sha256(path)
        overrides, skipped = supplied(path)
    except (OSError, ValueError) as e:
        report.failed.append((source, f"{source}: cannot read it ({e}). Check the file and its metadata files."))
        return None
    said = {line for _, line in report.notes}
    report.notes.extend((source, line) for line in skipped if line not in said)  # a bad manifest: once a batch
    meta_hash = hashlib.sha256(json.dumps(overrides, sort_keys=True).encode()).hexdigest()[:16]
    state = w.file_state(source)
    scan = w.ocr_state(source)
    if scanned and scanned.sha256 != sha:
        scanned = None  # the file changed since its pages were read
    ocr_texts = scanned.texts if scanned else {}
    unread = scanned.unread if scanned else {}
    # Text read by OCR since the file was stored (OCR was off, or not installed, then): read it again.
    ocr_new = bool(ocr_texts) and not ((done := w.ocr_done_state(source)) and done["sha256"] == sha)
    if (state and state["sha256"] == sha and state["meta_hash"] == meta_hash and state["chunker"] == READER_VERSION
            and not ocr_new):
        report.unchanged.append(source)
        if scan and scan["sha256"] == sha:  # scanned pages recorded: still not searchable, say so
            report.notes.append((source, f"{source}: {scan['reason']}. {OCR_PAGES_ADVICE}"))
        return None
    if scan and scan["sha256"] == sha and not state and not ocr_texts:  # a whole scan recorded before: say so again
        report.failed.append((source, f"{source}: {scan['reason']}. {NeedsOCR(0).advice}"))
        return None
    spool = ChunkSpool()
    hashes: list[str] = []
    try:
        rf = read_file(path, data_hash=sha, chunk=False, ocr=ocr_texts, overrides=overrides)
        loaded, papers = rf.loaded, rf.papers
        titles = {p.doc_id: p.meta.title for p in papers}
        for c in iter_chunks(papers, loaded):
            spool.add(c)
            hashes.append(content_hash(embedder.name, embed_text(c, titles.get(c.doc_id))))
    except NeedsOCR as e:
        spool.close()
        reason = e.reason + (f"; OCR read nothing on {unread_said(unread)}" if unread else "")
        w.put_needs_ocr(source, sha, e.pages, reason)
        report.failed.append((source, f"{source}: {reason}. {e.advice}"))
        return None
    except LoadError as e:
        spool.close()
        report.failed.append((source, e.line(source)))
        return None
    except Exception as e:  # noqa: BLE001 — a bug on one odd file must not stop the batch
        spool.close()
        report.failed.append((source, f"{source}: could not be read ({type(e).__name__}: {_one_line(e)}). "
                                      "Please report this with the file; the rest of the batch goes on."))
        return None
    if papers:
        doc_id = papers[0].doc_id
        other = next((p.source for p in pending if p.papers and p.papers[0].doc_id == doc_id), None)
        other = other or w.source_of_doc(doc_id)
        if other and other != source:
            if Path(other).exists():
                spool.close()
                report.failed.append((source, f"{source}: the same file is already in the archive as {other}. "
                                              "Nothing to do (remove one copy, or `cs-archive remove` the other)."))
                return None
            w.remove_file(other)  # the file moved: its old path is gone
    known: dict[str, np.ndarray] = {}
    for a in range(0, len(hashes), 500):
        known.update(w.known_vectors(hashes[a:a + 500]))
    todo = [i for i, h in enumerate(hashes) if h not in known]
    found = {p.doc_id: mark for p in papers
             if (mark := exempt_marking(loaded.text[p.start:p.end], p.meta.doc_type))}
    exempt = hand_exemption(found, [p.doc_id for p in papers], overrides)
    # Pages OCR read nothing on stay in need of it, with those scanned pages the survey missed.
    unread = {p: why for p, why in unread.items() if p not in loaded.ocr_done}
    still = tuple(sorted(set(loaded.ocr_pages) | set(unread)))
    return _Pending(n, source, sha, meta_hash, bool(state), loaded.page_count, loaded.dropped, still,
                    loaded.ocr_done, unread, papers, spool, hashes, todo, known, exempt, os.path.abspath(path))


def _flush(w, report: IngestReport, embedder: Embedder, pending: list[_Pending], total: int,
           progress: Callable[[str], None]) -> None:
    """Embed the pending files' missing texts together (each distinct text once), then write
    the files in the order they were read. A large file (its chunks spooled to disk) is
    embedded a pool at a time while it is written."""
    made: dict[str, np.ndarray] = {}  # content hash -> vector, embedded in this flush
    pooled = [job for job in pending if not job.chunks.spilled]
    wanted: dict[str, str] = {}  # content hash -> text
    for job in pooled:
        todo, titles = set(job.todo), job.titles
        for i, c in enumerate(job.chunks):
            if i in todo:
                wanted.setdefault(job.hashes[i], embed_text(c, titles.get(c.doc_id)))
    if wanted:
        made.update(zip(wanted, embedder.embed(list(wanted.values()))))
    for job in pending:
        (report.updated if job.updated else report.added).append(job.source)
        # One pass over the spooled chunks gives each with its vector; put_file reads the two in step.
        with_chunks, with_vectors = tee(_vectors(job, embedder, made))
        w.put_file(job.source, job.sha, job.meta_hash, job.pages, job.dropped, list(job.papers),
                   (c for c, _ in with_chunks), job.hashes, (v for _, v in with_vectors), exempt=job.exempt,
                   chunker=READER_VERSION, path=job.path)
        job.chunks.close()
        if job.ocr_pages:
            _note_scanned_pages(w, report, job.source, job.sha, job.ocr_pages, job.unread)
        if job.ocr_done:
            w.put_ocr_done(job.source, job.sha, len(job.ocr_done))
        report.chunks += len(job.chunks)
        report.embedded += len(job.todo)
        report.exempt.extend((job.source, doc_id, mark) for doc_id, mark in job.exempt.items())
        withheld = f"; {len(job.exempt)} marked exempt, withheld from search" if job.exempt else ""
        by_ocr = f"; {page_list(job.ocr_done)} read by OCR" if job.ocr_done else ""
        progress(f"[{job.n}/{total}] {job.source}: {len(job.papers)} paper(s), {len(job.chunks)} chunks"
                 f"{by_ocr}{withheld}")


def _vectors(job: _Pending, embedder: Embedder, made: dict[str, np.ndarray]) -> Iterator[tuple[Chunk, np.ndarray]]:
    """Each of the job's chunks with its vector, in order. Texts not yet in ``made`` (a large
    file's) are embedded ``settings().embed_pool`` chunks at a time, each distinct text once; a vector
    embedded here is kept only while a later chunk of the file still needs it."""
    todo = set(job.todo)
    later = Counter(job.hashes[i] for i in job.todo)  # uses still to come, of each new text
    own: set[str] = set()
    titles = job.titles
    numbered = enumerate(job.chunks)
    pool = settings().embed_pool
    while batch := list(islice(numbered, pool)):
        need: dict[str, str] = {}
        for i, c in batch:
            h = job.hashes[i]
            if i in todo and h not in made:
                need.setdefault(h, embed_text(c, titles.get(c.doc_id)))
        if need:
            made.update(zip(need, embedder.embed(list(need.values()))))
            own.update(need)
        for i, c in batch:
            h = job.hashes[i]
            if i not in todo:
                yield c, job.known[h]
                continue
            yield c, made[h]
            later[h] -= 1
            if not later[h] and h in own:
                del made[h]


def _note_scanned_pages(w, report: IngestReport, source: str, sha: str, pages: tuple[int, ...],
                        unread: dict[int, str]) -> None:
    """A PDF with scanned pages among its text pages: its text pages are indexed; the scanned
    ones OCR did not read are said (one line, with why) and recorded as needing OCR, so that
    ``stats`` lists them."""
    why = f"; OCR read nothing on {unread_said(unread)}" if unread else ""
    reason = f"no text layer on {page_list(pages)} (scanned){why}; its other pages are indexed"
    report.notes.append((source, f"{source}: {reason}. {OCR_PAGES_ADVICE}"))
    w.put_ocr_pages(source, sha, len(pages), reason)


OCR_PAGES_ADVICE = "Run OCR on it (e.g. ocrmypdf) and ingest the result to index those pages too."


def unread_said(unread: dict[int, str]) -> str:
    """ "page 1: no words found (…)", pages with the same problem together."""
    by_problem: dict[str, list[int]] = {}
    for page, problem in sorted(unread.items()):
        by_problem.setdefault(problem, []).append(page)
    return "; ".join(f"{page_list(pages)}: {problem}" for problem, pages in by_problem.items())


def page_list(pages) -> str:
    """ "page 3", "pages 3, 7", "pages 3, 7, 10-14": runs of three or more as ranges."""
    runs: list[list[int]] = []
    for p in sorted(pages):
        if runs and p == runs[-1][-1] + 1:
            runs[-1].append(p)
        else:
            runs.append([p])
    parts = [f"{r[0]}-{r[-1]}" if len(r) >= 3 else ", ".join(map(str, r)) for r in runs]
    return ("page " if len(pages) == 1 else "pages ") + ", ".join(parts)


def _one_line(e: Exception) -> str:
    return " ".join(str(e).split())[:120]


def remove(paths: list[str], folder: Path, model: str, dim: int) -> list[str]:
    """Drop papers by their source path; returns the sources removed."""
    gone = []
    with writing(folder, model, dim) as w:
        for p in paths:
            source = os.path.normpath(p)
            if w.remove_file(source):
                gone.append(source)
        if gone:
            share_meetings(w)
    return gone


def safe_upload_name(name: str) -> str:
    """A file name that is safe to create in one folder: the last path component only, in
    plain ASCII letters, digits, "-" and "_", no leading dots, of modest length, keeping its
    suffix (lower-cased)."""
    name = unicodedata.normalize("NFKC", str(name)).replace("\\", "/").split("/")[-1]
    name = "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c))
    stem, dot, suffix = name.rpartition(".")
    if not dot:
        stem, suffix = name, ""

    def plain(s: str) -> str:
        s = "".join(c if c.isascii() and (c.isalnum() or c in "-_") else "_" for c in s)
        return re.sub(r"_+", "_", s).strip("_-")

    stem, suffix = plain(stem)[:100].strip("_-") or "upload", plain(suffix)[:10].lower()
    return f"{stem}.{suffix}" if suffix else stem


def save_upload(folder: Path, name: str, data: bytes) -> Path:
    """Save an uploaded paper into the archive's ``uploads/`` folder and return its path.

    The name a browser sends is not trusted: only a cleaned last component is used, the
    result must lie inside ``uploads/`` (no ``..``, no absolute paths, no symlinks out), an
    unsupported type is refused with LoadError, and an existing different file of the same
    name is never overwritten (a numbered name is used instead; the same bytes again return
    the existing path). The write is atomic: a crash leaves no half file."""
    clean = safe_upload_name(name)
    suffix = supported_suffix(clean)
    if not data:
        raise LoadError("empty file (0 bytes)", "Upload the paper again.")
    root = Path(folder).resolve()
    uploads = root / UPLOADS
    uploads.mkdir(parents=True, exist_ok=True)
    if uploads.is_symlink() or uploads.resolve().parent != root:
        raise LoadError(f"{uploads} is not a plain folder inside the archive", "Remove it and try again.")
    stem = Path(clean).stem
    for n in range(1, 1000):
        target = uploads / (clean if n == 1 else f"{stem}-{n}{suffix}")
        if target.exists() or target.is_symlink():
            if target.is_file() and not target.is_symlink() and target.read_bytes() == data:
                return target
            continue
        if target.resolve().parent != uploads.resolve():
            raise LoadError("unsafe file name", "Rename the file and upload it again.")
        tmp = uploads / f".{target.name}.{os.getpid()}.part"
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        try:
            os.link(tmp, target)  # fails if the name was taken meanwhile: never overwrites
        except FileExistsError:
            continue
        finally:
            tmp.unlink(missing_ok=True)
        return target
    raise LoadError("too many uploads with this name", "Rename the file and upload it again.")
