"""The register: every commitment in the archive, with its status as of a date.

Extraction and the search for follow-ups happen at ingest (``store.after_ingest``) and are
stored beside the archive, so listing the register reads the store and applies the selection;
a missing or stale store (another generation of the archive, another extractor) is recomputed
on first use and saved. Looking for follow-ups is one hybrid search per commitment
(``search.search``: dense + BM25), restricted to the same council's papers dated after the
commitment's meeting (or later parts of the same pack). A hit is a follow-up when the passage's
cosine similarity to the commitment's words reaches ``FOLLOW_UP_COSINE``, and it is not the
same words printed again.

Status as of a date: ``followed_up`` (a follow-up dated on or before it), else ``overdue``
(due date before it), ``open`` (due date not reached) or ``undated`` (no due date).
Procedural items (minutes approved, apologies, declarations, the next meeting) are left out
unless the selection asks for them.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from ..index.base import ArchiveReader, FilterValues
from ..lexical import normalise
from ..models import Chunk, PaperMeta
from ..search import Filters, search
from .extract import KINDS, Commitment, extract

# Chosen against tests/commitments/follow_ups.jsonl on the seed archive (all-MiniLM-L6-v2,
# the commitment's own words as the query): the five labelled follow-ups score 0.505-0.657,
# the best later passage for the three commitments never followed up 0.384-0.451. The midpoint
# is 0.48. Adding the surrounding lines to the query blurred the two (negatives up to 0.57).
FOLLOW_UP_COSINE = 0.48
MAX_FOLLOW_UPS = 3
STATUSES = ("followed_up", "open", "overdue", "undated")


@dataclass(frozen=True)
class Record:
    id: str
    kind: str
    text: str
    owner: str | None
    due: str | None
    due_text: str | None
    status: str
    follow_ups: tuple[dict, ...]
    date: str | None
    committee: str | None
    council: str | None
    source: str
    section: str | None
    page: int | None
    chunk_id: str
    procedural: bool = False
    decision_number: str | None = None
    decision_maker: str | None = None
    report: str | None = None

    def to_json(self) -> dict:
        d = {k: getattr(self, k) for k in self.__dataclass_fields__}
        d["follow_ups"] = list(self.follow_ups)
        return d


@dataclass(frozen=True)
class Selection:
    """What to list. ``filters`` carries since/until/committee/council (as in search)."""

    kind: str | None = None
    owner: str | None = None
    status: str | None = None
    filters: Filters = field(default_factory=Filters)
    as_of: str | None = None  # ISO date; today when None
    procedural: bool = False  # include procedural items

    def check(self) -> None:
        if self.kind and self.kind not in KINDS:
            raise ValueError(f"unknown kind {self.kind!r}: use one of {', '.join(KINDS)}")
        if self.status and self.status not in STATUSES:
            raise ValueError(f"unknown status {self.status!r}: use one of {', '.join(STATUSES)}")
        for name in ("since", "until"):
            _iso(getattr(self.filters, name), f"--{name}")
        _iso(self.as_of, "--as-of")


def _iso(value: str | None, what: str) -> None:
    if value:
        try:
            date.fromisoformat(value)
        except ValueError:
            raise ValueError(f"{what} {value!r} is not a date: write it as YYYY-MM-DD") from None


@dataclass(frozen=True)
class _Paper:
    doc_id: str
    source: str
    idx: int
    meta: PaperMeta


def _papers(archive: ArchiveReader, filters: Filters = Filters()) -> list[_Paper]:
    # Papers marked exempt from publication (Schedule 12A) make no public commitments.
    rows = archive.papers(filters=Filters(since=filters.since, until=filters.until, committee=filters.committee,
                                          council=filters.council), order="meeting")
    return [_Paper(r["doc_id"], r["source"], r["idx"],
                   PaperMeta(r["council"], r["committee"], r["date"], r["title"], r["doc_type"], r["url"]))
            for r in rows]


def _chunks(archive: ArchiveReader, doc_id: str) -> list[Chunk]:
    # Stored rows keep no character offsets; extraction reads chunks in order and needs none.
    return [Chunk(r["chunk_id"], r["doc_id"], r["seq"], r["section"], r["subsection"], r["part"], r["heading"],
                  0, 0, r["text"], r["page"], r["page_end"]) for r in archive.paper_chunks(doc_id)]


def commitments_in(archive: ArchiveReader, filters: Filters = Filters()) -> list[tuple[Commitment, _Paper]]:
    """Every commitment of the papers the filters let through, paper by paper."""
    return [(c, p) for p in _papers(archive, filters) for c in extract(p.meta, _chunks(archive, p.doc_id))]


class _Remembering:
    """The embedder, remembering the last query's vector so the follow-up score is the same
    cosine the dense arm ranked by, without embedding twice."""

    def __init__(self, embedder):
        self.inner, self.name, self.dim = embedder, embedder.name, embedder.dim
        self.vectors: dict[str, object] = {}

    def remember(self, texts: list[str]) -> None:
        """Embed many queries in one batch (much faster than one at a time)."""
        todo = [t for t in dict.fromkeys(texts) if t not in self.vectors]
        if todo:
            for t, v in zip(todo, self.inner.embed(todo)):
                self.vectors[t] = v

    def embed_query(self, text: str):
        v = self.vectors.get(text)
        if v is None:
            v = self.vectors[text] = self.inner.embed_query(text)
        return v

    def embed(self, texts, batch_size: int = 32):
        return self.inner.embed(texts, batch_size)


def follow_up_query(c: Commitment) -> str:
    text = " ".join(x for x in (c.lead or "", c.text) if x)
    return re.sub(r"[\"“”]", "", text)  # quotes would make search demand the exact phrase


def find_follow_ups(archive: ArchiveReader, embedder, c: Commitment, paper: _Paper, papers: dict[str, _Paper],
                    as_of: str, threshold: float = FOLLOW_UP_COSINE) -> list[dict]:
    if not paper.meta.council:
        return []
    query = follow_up_query(c)
    filters = Filters(since=paper.meta.date, until=as_of, council=paper.meta.council)
    hits = search(archive, embedder, query, k=12, filters=filters, highlights=False, long_query=True)
    qvec = embedder.embed_query(query)
    own = normalise(c.text)
    out = []
    for h in hits:
        other = papers.get(h.doc_id)
        if other is None or other.doc_id == paper.doc_id or (h.council or "").lower() != paper.meta.council.lower():
            continue
        # A later meeting; for a paper of unknown date, a later part of its own pack. Papers
        # for the same meeting (a report and the strategy it attaches) are not follow-ups.
        later = (paper.meta.date and h.date and h.date > paper.meta.date) or \
            (not paper.meta.date and h.source == paper.source and other.idx > paper.idx)
        if not later or own in normalise(h.text):
            continue  # an earlier or same-day paper, or the same words printed again
        row = archive.chunk_by_id(h.chunk_id)
        vec = archive.vectors_of([row["id"]]).get(row["id"])
        score = float(vec @ qvec) if vec is not None else 0.0
        if score >= threshold:
            out.append({"chunk_id": h.chunk_id, "source": h.source, "date": h.date, "section": h.section,
                        "score": round(score, 3)})
    out.sort(key=lambda f: -f["score"])
    return out[:MAX_FOLLOW_UPS]


def status_of(due: str | None, follow_ups: list, as_of: str) -> str:
    if follow_ups:
        return "followed_up"
    if due:
        return "overdue" if due < as_of else "open"
    return "undated"


def register(archive: ArchiveReader, embedder, selection: Selection = Selection()) -> list[Record]:
    """The commitments the selection asks for, each with its status as of ``selection.as_of``.
    ``embedder``: an embedder, or a function returning one (called only when the stored
    register must be recomputed)."""
    from . import store

    selection.check()
    as_of = selection.as_of or date.today().isoformat()
    f = selection.filters
    allowed = {p.doc_id: p for p in _papers(archive, f)} if FilterValues.of(f).restricts_papers else None
    papers = allowed if allowed is not None else {p.doc_id: p for p in _papers(archive)}
    out = []
    for e in store.entries(archive, embedder):
        paper = papers.get(e["doc_id"])
        if paper is None:
            continue  # filtered out, or withheld (exempt) since the store was written
        if (selection.kind and e["kind"] != selection.kind) or (e["procedural"] and not selection.procedural) \
                or (selection.owner and selection.owner.lower() not in (e["owner"] or "").lower()) \
                or (paper.meta.date and paper.meta.date > as_of):  # not yet made on the as-of date
            continue
        found = [x for x in e["follow_ups"] if not x["date"] or x["date"] <= as_of]
        status = status_of(e["due"], found, as_of)
        if selection.status and status != selection.status:
            continue
        out.append(Record(
            id=e["id"], kind=e["kind"], text=e["text"], owner=e["owner"], due=e["due"], due_text=e["due_text"],
            status=status, follow_ups=tuple(found), date=paper.meta.date, committee=paper.meta.committee,
            council=paper.meta.council, source=paper.source, section=e["section"], page=e["page"],
            chunk_id=e["chunk_id"], procedural=e["procedural"], decision_number=e["decision_number"],
            decision_maker=e["decision_maker"], report=e["report"]))
    return out
