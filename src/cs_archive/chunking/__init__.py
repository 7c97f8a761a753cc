"""Papers in, citation units out: load -> split pack -> metadata -> split sections -> parts.

``read_file`` is the one entry point: a path (with its manifest.csv / .meta.json beside it)
becomes papers and their chunks. Every function it calls is pure and can be run alone.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Iterator

from ..models import Chunk, LoadedText, Paper, PaperMeta
from .filenames import hints
from .load import load
from .meetings import inherit
from .metadata import read_meta
from .overrides import apply_overrides, corrected_fields, read_overrides
from .packs import split_pack
from .sections import CHUNKER_VERSION, split_units, subsections_of
from .sentences import sentence_spans
from .tables import header_above
from .topics import tag_topics

__all__ = ["CHUNKER_VERSION", "ReadFile", "read_file", "papers_of", "chunks_of", "iter_chunks", "MAX_PIECES"]

# all-MiniLM-L6-v2 reads 256 word pieces; leave room for the heading path and title.
MAX_PIECES = 200
WINDOW = 50_000  # characters of a very long unit split into parts at a time (see _parts)
_PIECE = re.compile(r"[A-Za-z]+|\d+|[^\sA-Za-z\d]")


@dataclass(frozen=True)
class ReadFile:
    source: str
    sha256: str
    loaded: LoadedText
    papers: tuple[Paper, ...]
    chunks: tuple[Chunk, ...]


def read_file(path: str | Path, data_hash: str | None = None, chunk: bool = True,
              ocr: dict[int, str] | None = None, overrides: dict | None = None) -> ReadFile:
    """``chunk=False`` leaves ``chunks`` empty, for a caller that takes them one at a time
    from ``iter_chunks(rf.papers, rf.loaded)`` (ingest: a paper of thousands of pages).
    ``ocr``: text read by OCR for scanned pages (page -> text, ``chunking.ocr``);
    ``overrides``: what people supplied beside the file, when the caller has read it already."""
    path = Path(path)
    digest = data_hash or hashlib.sha256(path.read_bytes()).hexdigest()
    loaded = load(path, ocr)
    supplied = read_overrides(path) if overrides is None else overrides
    papers = papers_of(loaded, str(path), digest, supplied, corrected_fields(path))
    chunks = tuple(iter_chunks(papers, loaded)) if chunk else ()
    return ReadFile(str(path), digest, loaded, tuple(papers), chunks)


def iter_chunks(papers, loaded: LoadedText) -> Iterator[Chunk]:
    """The chunks of each paper in turn, cut as they are asked for."""
    for paper in papers:
        yield from _cut(paper, loaded)


def papers_of(loaded: LoadedText, source: str, digest: str, overrides: dict | None = None,
              corrected: frozenset[str] = frozenset()) -> list[Paper]:
    """The file's papers with their metadata: what each prints, then (for what it leaves
    unknown) what the file's name and folder say, then what the pack's cover says; what
    people supplied beside the file wins over all of these."""
    overrides = overrides or {}
    comps = split_pack(loaded.text)
    whole = len(comps) == 1
    papers: list[Paper] = []
    pack: PaperMeta | None = None
    for n, comp in enumerate(comps):
        meta = read_meta(loaded.text[comp.start:comp.end], comp.kind, loaded.fields if n == 0 else (), in_pack=not whole)
        if pack is None:
            meta = from_names(meta, source, whole)
            pack = apply_overrides(meta, overrides, whole_file=True) if not whole else meta
        else:
            meta = inherit(meta, pack)
        meta = apply_overrides(meta, overrides, whole_file=whole, corrected=corrected)
        pages = None
        if loaded.page_starts is not None:
            first, last = loaded.page_at(comp.start), loaded.page_at(max(comp.start, comp.end - 1))
            pages = last - first + 1
        doc_id = digest[:16] if whole else f"{digest[:16]}-{n + 1}"
        papers.append(Paper(doc_id, source, comp.start, comp.end, meta.known(), pages or loaded.page_count, not whole))
    return papers


DATES_DISAGREE = 120  # days


def _days_apart(a: str, b: str) -> int:
    from datetime import date

    return abs((date.fromisoformat(a) - date.fromisoformat(b)).days)


def from_names(meta: PaperMeta, source: str, whole: bool) -> PaperMeta:
    """Fields the paper leaves unknown, from its file's name, then its folder's. A date in
    an appendix's name is when it was drafted, not the meeting's; a pack's name describes
    the pack, so its type is for a file that is one paper. When the paper and its file's
    name give dates months apart (a template's old date left in the paper, a file named for
    another meeting), neither is trusted."""
    name, folder = hints(source)
    if meta.doc_type == "other" and name.doc_type and (whole or name.doc_type == "agenda_pack"):
        meta = meta.given("filename", doc_type=name.doc_type)
    name_date = None if meta.doc_type == "appendix" or name.doc_type == "appendix" else name.date
    if meta.date and name_date and _days_apart(meta.date, name_date) > DATES_DISAGREE:
        return replace(meta, date=None).known()
    meta = meta.given("filename", committee=None if meta.committee else name.committee,
                      date=None if meta.date else name_date)
    return meta.given("folder", committee=None if meta.committee else folder.committee,
                      date=None if meta.date else folder.date)


def chunks_of(paper: Paper, loaded: LoadedText) -> list[Chunk]:
    return list(_cut(paper, loaded))


def _cut(paper: Paper, loaded: LoadedText) -> Iterator[Chunk]:
    text = loaded.text[paper.start:paper.end]
    seq = 0
    # An agenda's numbers are its items in a web page (modern.gov), but often table rows in a PDF.
    for unit in split_units(text, numbered=paper.meta.doc_type != "agenda" or loaded.kind == "html"):
        heading = " > ".join(h.rstrip(":").strip() for h in unit.heading)
        pieces = _parts(text, unit.start, unit.end)
        spans = [_trim(text, a, b) for a, b in pieces]
        # A later part of a long unit is cited to the sub-item it starts in ("3.4 ii").
        later = [a - unit.start for k, (a, b) in enumerate(spans) if k and a < b]
        subs = iter(subsections_of(text, later, unit.start, unit.end) if later else [])
        for k, (a, b) in enumerate(spans):
            if a >= b:
                continue
            body = text[a:b]
            abs_a, abs_b = paper.start + a, paper.start + b
            # A later part that starts among a table's rows is headed by the table's columns.
            columns = header_above(text, a, unit.start) if k else None
            yield Chunk(
                chunk_id=f"{paper.doc_id}:{seq:04d}",
                doc_id=paper.doc_id,
                seq=seq,
                section=unit.section,
                subsection=next(subs) if k else None,
                part=(k + 1) if len(pieces) > 1 else None,
                heading=" > ".join(x for x in (heading, columns) if x),
                start=abs_a,
                end=abs_b,
                text=body,
                page=loaded.page_at(abs_a),
                page_end=loaded.page_at(abs_b - 1),
                topics=tag_topics(f"{heading}\n{body}"),
                ocr=_read_by_ocr(loaded, abs_a, abs_b),
            )
            seq += 1


def _read_by_ocr(loaded: LoadedText, a: int, b: int) -> bool:
    if not loaded.ocr_done:
        return False
    return any(loaded.page_at(a) <= p <= loaded.page_at(max(a, b - 1)) for p in loaded.ocr_done)


def pieces(s: str) -> int:
    """A cheap estimate of the model's word-piece count."""
    return int(len(_PIECE.findall(s)) * 1.15)


def _trim(text: str, a: int, b: int) -> tuple[int, int]:
    while a < b and text[a].isspace():
        a += 1
    while b > a and text[b - 1].isspace():
        b -= 1
    return a, b


def _parts(text: str, a: int, b: int) -> list[tuple[int, int]]:
    """Split a long unit at sentence (or line) boundaries into parts the model reads whole.

    A unit longer than ``WINDOW`` characters (pages with no numbering at all) is cut into
    windows at paragraph or line breaks first, and each window is split on its own: the
    work (tokens, sentences) is held for one window at a time, never for the whole unit; a
    loop, not recursion, so a unit of any length goes through."""
    out = []
    while b - a > WINDOW:
        cut = _window_end(text, a, b)
        out += _window_parts(text, a, cut)
        a = cut
    return out + _window_parts(text, a, b)


def _window_parts(text: str, a: int, b: int) -> list[tuple[int, int]]:
    """One window of a long unit (or a whole shorter one) split into parts of MAX_PIECES or fewer."""
    total = pieces(text[a:b])
    if total <= MAX_PIECES:
        return [(a, b)]
    n_parts = -(-total // MAX_PIECES)
    target = total / n_parts
    spans = [(a + x, a + y) for x, y in sentence_spans(text[a:b])] or [(a, b)]
    spans = [s for span in spans for s in _split_long(text, *span)]
    cuts = [a]
    size = 0
    for s, e in spans:
        n = pieces(text[s:e])
        if size and size + n > MAX_PIECES or size >= target and len(cuts) < n_parts:
            cuts.append(s)
            size = 0
        size += n
    cuts.append(b)
    return [(cuts[i], cuts[i + 1]) for i in range(len(cuts) - 1)]


def _window_end(text: str, a: int, b: int) -> int:
    """Where a window of a very long unit beginning at ``a`` ends: after the last paragraph
    break (else line break, else space) in its second half."""
    end = a + WINDOW
    for sep in ("\n\n", "\n", " "):
        at = text.rfind(sep, a + WINDOW // 2, end)
        if at >= 0:
            return at + len(sep)
    return end


def _split_long(text: str, s: int, e: int) -> list[tuple[int, int]]:
    """A 'sentence' longer than the budget (a table row, a run-on) is cut between words."""
    if pieces(text[s:e]) <= MAX_PIECES:
        return [(s, e)]
    out, start, size = [], s, 0
    for m in re.finditer(r"\S+\s*", text[s:e]):
        n = pieces(m.group())
        if size + n > MAX_PIECES * 0.8 and size:
            out.append((start, s + m.start()))
            start, size = s + m.start(), 0
        size += n
    out.append((start, e))
    return out
