"""The frozen records that pass between pipeline stages.

load (file -> LoadedText) -> packs (LoadedText -> Papers) -> sections (Paper -> Chunks)
-> embed -> store -> search (-> Hits).

Offsets are character offsets into ``LoadedText.text``; pages are 1-based.
"""
from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field, replace


class LoadError(Exception):
    """A file could not be read. ``reason`` and ``advice`` make one line for the user."""

    def __init__(self, reason: str, advice: str = ""):
        super().__init__(reason)
        self.reason = reason
        self.advice = advice

    def line(self, path) -> str:
        tail = f" {self.advice}" if self.advice else ""
        return f"{path}: {self.reason}.{tail}"


@dataclass(frozen=True)
class LoadedText:
    """A file's text as extracted, with the page on which every character stands.

    ``text`` is what the rest of the pipeline cuts up: markup is already gone, and
    boilerplate dropped on purpose (running headers, page numbers, logo text) is counted
    in ``dropped`` as characters per reason.
    """

    text: str
    page_starts: tuple[int, ...] | None = None  # offset where each page begins (PDF only)
    dropped: dict = field(default_factory=dict)
    kind: str = "text"  # text, pdf, html
    ocr_pages: tuple[int, ...] = ()  # PDF pages with no text but a picture: scanned, need OCR
    ocr_done: tuple[int, ...] = ()  # PDF pages whose text was read by OCR (chunking/ocr.py)
    # What the file's own structure says about the paper (a web page's title, breadcrumb and
    # meeting details): (field, value) pairs, read as printed in the paper.
    fields: tuple[tuple[str, str], ...] = ()

    @property
    def page_count(self) -> int | None:
        return len(self.page_starts) if self.page_starts is not None else None

    def page_at(self, offset: int) -> int | None:
        if self.page_starts is None:
            return None
        return max(1, bisect_right(self.page_starts, offset))


# Where a metadata value came from (``cs-archive papers``): printed in the paper, read from the
# file's name or its folder, shared with the other papers of its meeting or pack, supplied in
# manifest.csv / .meta.json, or corrected in the UI.
ORIGINS = ("paper", "filename", "folder", "meeting", "manifest", "correction")
META_FIELDS = ("council", "committee", "date", "doc_type", "title")
NOT_FOR_PUBLICATION = "Not for publication"  # the mark of a passage or paper marked exempt, wherever shown


@dataclass(frozen=True)
class PaperMeta:
    council: str | None = None
    committee: str | None = None
    date: str | None = None  # ISO date of the meeting the paper is for
    title: str | None = None
    doc_type: str = "other"  # report, minutes, agenda, agenda_pack, decision, appendix, questions, ...
    url: str | None = None
    # (field, origin) for each of META_FIELDS that has a value; origin is one of ORIGINS.
    provenance: tuple[tuple[str, str], ...] = ()

    def origin(self, name: str) -> str | None:
        return dict(self.provenance).get(name)

    def given(self, origin: str, **values) -> "PaperMeta":
        """These values set (None/empty ones ignored), each recorded as coming from ``origin``."""
        values = {k: v for k, v in values.items() if v}
        if not values:
            return self
        prov = dict(self.provenance)
        prov.update({k: origin for k in values if k in META_FIELDS})
        return replace(self, **values, provenance=_ordered(prov))

    def known(self) -> "PaperMeta":
        """The provenance trimmed to the fields that have a value (doc_type "other" is unknown)."""
        prov = {k: v for k, v in self.provenance if getattr(self, k) and not (k == "doc_type" and self.doc_type == "other")}
        return replace(self, provenance=_ordered(prov))


def _ordered(prov: dict) -> tuple[tuple[str, str], ...]:
    return tuple((k, prov[k]) for k in META_FIELDS if k in prov)


@dataclass(frozen=True)
class Paper:
    """One paper: a whole file, or one component of an agenda pack."""

    doc_id: str
    source: str
    start: int  # span of the paper in the file's LoadedText.text
    end: int
    meta: PaperMeta
    page_count: int | None = None
    part_of_pack: bool = False


@dataclass(frozen=True)
class Chunk:
    """One citation unit (or one part of a long one)."""

    chunk_id: str
    doc_id: str
    seq: int  # position in the paper, 0-based
    section: str | None
    subsection: str | None
    part: int | None
    heading: str  # heading path, outermost first, joined by " > "
    start: int
    end: int
    text: str  # the passage as printed
    page: int | None = None
    page_end: int | None = None
    topics: tuple[str, ...] = ()
    ocr: bool = False  # its text comes (partly) from a page read by OCR: check the original


@dataclass(frozen=True)
class Hit:
    rank: int
    score: float
    confident: bool
    chunk_id: str
    doc_id: str
    source: str
    url: str | None
    council: str | None
    committee: str | None
    date: str | None
    doc_type: str
    title: str | None
    section: str | None
    subsection: str | None
    part: int | None
    heading: str
    page: int | None
    page_end: int | None
    text: str
    highlights: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    also_in: tuple[dict, ...] = ()
    ocr: bool = False  # its text was read by OCR from a scanned page: check the original
    exempt: bool = False  # its paper is marked exempt from publication: shown to members and clerks only

    def to_json(self) -> dict:
        d = {k: getattr(self, k) for k in self.__dataclass_fields__}
        d["highlights"] = list(self.highlights)
        d["topics"] = list(self.topics)
        d["also_in"] = list(self.also_in)
        return d

    def citation(self) -> str:
        """A line a clerk can paste."""
        bits = [self.committee or "Unknown committee", long_date(self.date), self.title or "Untitled"]
        if self.section:
            label = f"para {self.section}"
            if self.subsection:
                label += f" ({self.subsection})"
            bits.append(label)
        elif self.heading:
            bits.append(self.heading.split(" > ")[-1])
        if self.page:
            bits.append(f"p. {self.page}" if self.page_end in (None, self.page) else f"pp. {self.page}–{self.page_end}")
        if self.exempt:
            bits.append(NOT_FOR_PUBLICATION)
        return " · ".join(bits)


def long_date(iso: str | None) -> str:
    if not iso:
        return "date unknown"
    from datetime import date

    d = date.fromisoformat(iso)
    return f"{d.day} {d:%B %Y}"
