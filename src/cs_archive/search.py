"""Stage 6: a question -> cited hits.

Two arms over the same chunks — dense (FAISS, cosine) and lexical (SQLite FTS5 BM25 over
stemmed tokens) — each restricted by the filters before ranking, fused by reciprocal rank.
A quoted phrase must occur in the passage. Near-duplicates (a decision page repeating its
minutes) collapse into one hit that lists the others in ``also_in``. ``confident`` marks hits
that clear the relevance floor; weak ones are still returned, marked, never padded as good.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass

import numpy as np

from .index.store import Archive
from .lexical import fts_query, normalise, tokens
from .models import Hit

RRF_K = 60
POOL = 50  # candidates each arm contributes before fusion
CONFIDENT_COSINE = 0.40  # the dense similarity a confident hit must reach
DUPLICATE_COSINE = 0.95


@dataclass(frozen=True)
class Filters:
    since: str | None = None
    until: str | None = None
    committee: str | None = None
    council: str | None = None
    topic: str | None = None
    doc_type: str | None = None
    include_exempt: bool = False

    def sql(self) -> tuple[str, list]:
        where, args = [], []
        if self.since:
            where.append("p.date IS NOT NULL AND p.date >= ?")
            args.append(self.since)
        if self.until:
            where.append("p.date IS NOT NULL AND p.date <= ?")
            args.append(self.until)
        for col, val in (("committee", self.committee), ("council", self.council)):
            if val:
                where.append(f"replace(lower(p.{col}), ' & ', ' and ') LIKE ?")
                args.append(f"%{_and(val)}%")
        if self.doc_type:
            where.append("lower(p.doc_type) = ?")
            args.append(self.doc_type.lower())
        if self.topic:
            where.append("EXISTS (SELECT 1 FROM json_each(c.topics) WHERE lower(json_each.value) = ?)")
            args.append(self.topic.lower())
        if not self.include_exempt:  # papers marked exempt from publication (Schedule 12A)
            where.append("c.doc_id NOT IN (SELECT doc_id FROM exempt_papers)")
        return " AND ".join(where), args

    @property
    def active(self) -> bool:
        return any((self.since, self.until, self.committee, self.council, self.topic, self.doc_type))


def _and(s: str) -> str:
    return re.sub(r"\s*&\s*", " and ", s.lower()).strip()


_PHRASE = re.compile(r'"([^"]+)"|“([^”]+)”')


def search(archive: Archive, embedder, query: str, k: int = 10, filters: Filters = Filters(),
           highlights: bool = True) -> list[Hit]:
    query = query.strip()
    if not query or k <= 0:
        return []
    phrases = [normalise(a or b) for a, b in _PHRASE.findall(query)]
    phrases = [p for p in phrases if p]
    allowed = _allowed_ids(archive, filters, phrases)
    if allowed is not None and len(allowed) == 0:
        return []
    qvec = embedder.embed_query(_PHRASE.sub(lambda m: m.group(1) or m.group(2), query))
    pool = max(POOL, 3 * k)
    dscores, dids = archive.vectors.search(qvec, pool, allowed)
    dense_rank = {int(i): r for r, i in enumerate(dids)}
    lex_ids = _lexical(archive, query, pool, allowed)
    lex_rank = {i: r for r, i in enumerate(lex_ids)}
    fused: dict[int, float] = {}
    for ranks in (dense_rank, lex_rank):
        for i, r in ranks.items():
            fused[i] = fused.get(i, 0.0) + 1.0 / (RRF_K + r + 1)
    order = sorted(fused, key=lambda i: (-fused[i], i))
    vecs = archive.vectors_of(order[: 4 * k + 20])
    cos = {i: float(v @ qvec) for i, v in vecs.items()}
    kept, dupes = _collapse(order[: 4 * k + 20], vecs)
    kept = kept[:k]
    rows = archive.chunk_rows(kept + [d for i in kept for d in dupes.get(i, [])])
    terms = set(tokens(query))
    hits = []
    for rank, i in enumerate(kept, 1):
        r = rows[i]
        also = [{"chunk_id": rows[d]["chunk_id"], "source": rows[d]["source"], "date": rows[d]["date"],
                 "section": rows[d]["section"]} for d in dupes.get(i, []) if d in rows]
        hits.append(Hit(
            rank=rank, score=round(fused[i], 6), confident=cos.get(i, 0.0) >= CONFIDENT_COSINE,
            chunk_id=r["chunk_id"], doc_id=r["doc_id"], source=r["source"], url=r["url"],
            council=r["council"], committee=r["committee"], date=r["date"], doc_type=r["doc_type"],
            title=r["title"], section=r["section"], subsection=r["subsection"], part=r["part"],
            heading=r["heading"], page=r["page"], page_end=r["page_end"], text=r["text"],
            highlights=tuple(best_sentences(r["text"], terms)) if highlights else (),
            topics=tuple(json.loads(r["topics"])), also_in=tuple(also),
        ))
    return hits


def _allowed_ids(archive: Archive, filters: Filters, phrases: list[str]) -> np.ndarray | None:
    if not filters.active and not phrases and (filters.include_exempt or not archive.exempt_count):
        return None
    where, args = filters.sql()
    clauses = [where] if where else []
    for p in phrases:
        clauses.append("instr(c.norm, ?) > 0")
        args.append(p)
    q = "SELECT c.id FROM chunks c JOIN papers p USING(doc_id) WHERE " + " AND ".join(clauses)
    return np.array([r[0] for r in archive.db.execute(q, args)], dtype="int64")


def _lexical(archive: Archive, query: str, n: int, allowed: np.ndarray | None) -> list[int]:
    match = fts_query(query)
    if not match:
        return []
    q = "SELECT rowid FROM chunks_fts WHERE chunks_fts MATCH ? ORDER BY bm25(chunks_fts) LIMIT ?"
    if allowed is None:
        return [r[0] for r in archive.db.execute(q, (match, n))]
    # Filtered: rank among the allowed chunks only, so k hits come back when k exist.
    archive.db.execute("CREATE TEMP TABLE IF NOT EXISTS allowed_ids(id INTEGER PRIMARY KEY)")
    archive.db.execute("DELETE FROM allowed_ids")
    archive.db.executemany("INSERT INTO allowed_ids VALUES (?)", ((int(i),) for i in allowed))
    q = ("SELECT rowid FROM chunks_fts WHERE chunks_fts MATCH ? AND rowid IN (SELECT id FROM allowed_ids) "
         "ORDER BY bm25(chunks_fts) LIMIT ?")
    return [r[0] for r in archive.db.execute(q, (match, n))]


def _collapse(order: list[int], vecs: dict[int, np.ndarray]) -> tuple[list[int], dict[int, list[int]]]:
    kept: list[int] = []
    dupes: dict[int, list[int]] = {}
    for i in order:
        v = vecs.get(i)
        home = next((j for j in kept if v is not None and float(vecs[j] @ v) >= DUPLICATE_COSINE), None)
        if home is None:
            kept.append(i)
        else:
            dupes.setdefault(home, []).append(i)
    return kept, dupes


def best_sentences(text: str, terms: set[str], n: int = 2) -> list[str]:
    """Up to n sentences of the passage that share most of the query's terms, in text order."""
    from .chunking.sentences import sentence_spans

    sents = [text[a:b].strip() for a, b in sentence_spans(text)]
    sents = [s for s in sents if len(s.split()) >= 3] or sents
    if not sents:
        return []
    scored = [(len(terms & set(tokens(s))), -i, s) for i, s in enumerate(sents)]
    best = sorted(scored, reverse=True)[:n]
    best = [b for b in best if b[0] > 0] or best[:1]
    return [s for _, _, s in sorted(best, key=lambda b: -b[1])]
