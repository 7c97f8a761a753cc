"""Follow-ups of a commitment: later papers of the same council that take it up. What the
register (``register.py``) and the stored register (``store.py``) share."""
from __future__ import annotations

import re
from dataclasses import dataclass

from ..index.base import ArchiveReader
from ..lexical import normalise
from ..models import Chunk, PaperMeta
from ..search import Filters, search
from .extract import Commitment

# Chosen against tests/commitments/follow_ups.jsonl on the seed archive (all-MiniLM-L6-v2,
# the commitment's own words as the query): the five labelled follow-ups score 0.505-0.657,
# the best later passage for the three commitments never followed up 0.384-0.451. The midpoint
# is 0.48. Adding the surrounding lines to the query blurred the two (negatives up to 0.57).
FOLLOW_UP_COSINE = 0.48
MAX_FOLLOW_UPS = 3

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
    return [_Paper(r["doc_id"], r["source"], r["idx"], meta_of(r)) for r in rows]


def meta_of(row) -> PaperMeta:
    """A paper row's metadata."""
    return PaperMeta(row["council"], row["committee"], row["date"], row["title"], row["doc_type"], row["url"])


def chunks_of(archive: ArchiveReader, doc_id: str) -> list[Chunk]:
    """A paper's chunks as extraction reads them (stored rows keep no character offsets, and
    extraction, reading the chunks in order, needs none)."""
    return [Chunk(r["chunk_id"], r["doc_id"], r["seq"], r["section"], r["subsection"], r["part"], r["heading"],
                  0, 0, r["text"], r["page"], r["page_end"]) for r in archive.paper_chunks(doc_id)]


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
