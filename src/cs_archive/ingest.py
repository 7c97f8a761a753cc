"""Files and folders in, archive updated: read, chunk, embed what is new, store — atomically.

Unchanged files (same bytes, same supplied metadata, same chunker) are skipped; a changed
file replaces its chunks; a bad file is reported in one line and the rest go on. The whole
run is one generation of the archive: it lands complete, or not at all.
"""
from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from .chunking import CHUNKER_VERSION, read_file
from .chunking.load import is_supported
from .chunking.metadata import read_overrides
from .embed import Embedder
from .index.store import writing
from .models import LoadError

SIDE_FILES = {"manifest.csv", "readme.md", "readme.txt", "readme"}


@dataclass
class IngestReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (path, one-line message)
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
                    if is_supported(f):
                        out.append(f)
                    else:
                        report.failed.append((str(f), _unsupported(f)))
        elif p.is_file():
            out.append(p)
        else:
            report.failed.append((str(p), f"{p}: no such file or folder. Check the path."))
    return list(dict.fromkeys(out))


def _is_side_file(f: Path) -> bool:
    return f.name.lower() in SIDE_FILES or f.name.endswith(".meta.json")


def _unsupported(f: Path) -> str:
    return LoadError(f"unsupported file type '{f.suffix or 'none'}'",
                     "Convert it to PDF, HTML or text (supported: .pdf .html .htm .txt .md).").line(f)


def content_hash(model: str, text: str) -> str:
    return hashlib.sha256(f"{model}\n{text}".encode()).hexdigest()[:32]


def embed_text(chunk, title: str | None) -> str:
    """What the model reads: the paper's title and heading path help find the paragraph."""
    head = " > ".join(x for x in (title, chunk.heading) if x)
    return f"{head}\n{chunk.text}" if head else chunk.text


def ingest(paths: list[str | Path], folder: Path, embedder: Embedder, rebuild: bool = False,
           progress: Callable[[str], None] = lambda s: None) -> IngestReport:
    report = IngestReport()
    files = expand(paths, report)
    with writing(folder, embedder.name, embedder.dim, rebuild=rebuild) as w:
        for n, path in enumerate(files, 1):
            source = os.path.normpath(str(path))
            try:
                data = path.read_bytes()
                sha = hashlib.sha256(data).hexdigest()
                overrides = read_overrides(path)
            except (OSError, ValueError) as e:
                report.failed.append((source, f"{source}: cannot read it ({e}). Check the file and its metadata files."))
                continue
            meta_hash = hashlib.sha256(json.dumps(overrides, sort_keys=True).encode()).hexdigest()[:16]
            state = w.file_state(source)
            if state and state["sha256"] == sha and state["meta_hash"] == meta_hash and state["chunker"] == CHUNKER_VERSION:
                report.unchanged.append(source)
                continue
            try:
                rf = read_file(path, data_hash=sha)
            except LoadError as e:
                report.failed.append((source, e.line(source)))
                continue
            other = w.source_of_doc(rf.papers[0].doc_id) if rf.papers else None
            if other and other != source:
                if Path(other).exists():
                    report.failed.append((source, f"{source}: the same file is already in the archive as {other}. "
                                                  "Nothing to do (remove one copy, or `cs-archive remove` the other)."))
                    continue
                w.remove_file(other)  # the file moved: its old path is gone
            titles = {p.doc_id: p.meta.title for p in rf.papers}
            texts = [embed_text(c, titles.get(c.doc_id)) for c in rf.chunks]
            hashes = [content_hash(embedder.name, t) for t in texts]
            known = w.known_vectors(hashes)
            todo = [i for i, h in enumerate(hashes) if h not in known]
            vectors = np.zeros((len(texts), embedder.dim), dtype="float32")
            for i, h in enumerate(hashes):
                if h in known:
                    vectors[i] = known[h]
            if todo:
                vectors[todo] = embedder.embed([texts[i] for i in todo])
            (report.updated if state else report.added).append(source)
            w.put_file(source, sha, meta_hash, rf.loaded.page_count, rf.loaded.dropped,
                       list(rf.papers), list(rf.chunks), hashes, vectors)
            report.chunks += len(rf.chunks)
            report.embedded += len(todo)
            progress(f"[{n}/{len(files)}] {source}: {len(rf.papers)} paper(s), {len(rf.chunks)} chunks")
    return report


def remove(paths: list[str], folder: Path, model: str, dim: int) -> list[str]:
    """Drop papers by their source path; returns the sources removed."""
    gone = []
    with writing(folder, model, dim) as w:
        for p in paths:
            source = os.path.normpath(p)
            if w.remove_file(source):
                gone.append(source)
    return gone
