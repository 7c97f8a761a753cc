"""Stage 6: a question -> cited hits.

Two arms over the same chunks, each restricted by the filters before ranking:

- dense: FAISS, cosine of the query and passage embeddings (finds the user's own words);
- lexical: SQLite FTS5 BM25 over Snowball-stemmed tokens, figures and acronyms kept whole,
  with the children's-services vocabulary of ``synonyms.py`` (finds exact names and figures).

Fusion is a convex combination, measured against reciprocal rank fusion on ``eval/qrels.jsonl``
and the shared dev questions (README, *Retrieval quality*): each arm is min-max normalised
over the candidates, and the lexical score is scaled by the passage's *coverage*, the
IDF-weighted share of the query's terms it contains, so a passage matching one common query
word cannot ride on BM25's relative scale when the query is a paraphrase.

A quoted phrase must occur in the passage. Near-duplicates (a decision page repeating its
minutes) collapse into one hit that lists the others in ``also_in``. ``confident`` marks
hits that clear the calibrated relevance floor (``confidence``); weak ones are still
returned, marked, never padded as good. Highlights embed the sentences of the top few hits
in one batch and pick the two nearest the query; without highlights none of that runs.
"""
from __future__ import annotations

import functools
import json
import math
import re
from dataclasses import dataclass

import numpy as np

from .index.base import match_subterms, nothing_allowed
from .index.store import Archive
from .lexical import STOPWORDS, Phrase, normalise, query_variants, tokens
from .models import Hit

POOL = 50  # candidates each arm contributes before fusion
DENSE_WEIGHT = 0.5  # of the fused score; the lexical arm has the rest
DUPLICATE_COSINE = 0.95
HIGHLIGHT_HITS = 3  # hits whose sentences are embedded for highlights; later ones use shared words
HIGHLIGHT_WORDS = 40  # of each sentence, embedded to score it

# The relevance floor, calibrated on eval/qrels.jsonl (README, *Retrieval quality*).
CONFIDENT_COSINE = 0.44  # dense similarity that alone makes a hit confident
LEXICAL_COSINE = 0.30  # ... or this, when the passage also covers the query's terms:
LEXICAL_COVERAGE = 0.45  # IDF-weighted share of the query's terms the passage contains


@dataclass(frozen=True)
class Filters:
    since: str | None = None
    until: str | None = None
    committee: str | None = None
    council: str | None = None
    topic: str | None = None
    doc_type: str | None = None
    include_exempt: bool = False


_PHRASE = re.compile(r'"([^"]+)"|“([^”]+)”')
ARMS = ("dense", "lexical")


def search(archive: Archive, embedder, query: str, k: int = 10, filters: Filters = Filters(),
           highlights: bool = True, *, arms: tuple[str, ...] = ARMS, expand: bool = True) -> list[Hit]:
    """Up to k hits, best first. ``arms`` and ``expand`` exist for the benchmark's baselines
    (one arm alone; no vocabulary expansion)."""
    query = query.strip()
    if not query or k <= 0:
        return []
    phrases = [normalise(a or b) for a, b in _PHRASE.findall(query)]
    phrases = [p for p in phrases if p]
    store = _primitives(archive)
    allowed = store.filtered_ids(filters, phrases)
    if nothing_allowed(allowed):
        return []
    qvec = embedder.embed_query(_PHRASE.sub(lambda m: m.group(1) or m.group(2), query))
    pool = max(POOL, 3 * k)
    cand: dict[int, None] = {}
    if "dense" in arms:
        _, dids = store.dense(qvec, pool, allowed)
        cand.update((int(i), None) for i in dids)
    variants = query_variants(query, expand)
    bm25 = _lexical(store, variants, pool, allowed) if "lexical" in arms else {}
    cand.update((i, None) for i in bm25)
    if not cand:
        return []
    rows = archive.chunk_rows(cand)
    vecs = {i: np.frombuffer(r["vector"], dtype="float32") for i, r in rows.items()}
    cos = {i: float(v @ qvec) for i, v in vecs.items()}
    cover = _coverage(store, variants, rows) if bm25 else {}
    fused = fuse([i for i in cand if i in rows], cos, bm25, cover, arms)
    order = sorted(fused, key=lambda i: (-fused[i], i))
    kept, dupes = _collapse(order[: 4 * k + 20], vecs, {i: r["text"] for i, r in rows.items()})
    kept = kept[:k]
    extra = archive.chunk_rows([d for i in kept for d in dupes.get(i, []) if d not in rows])
    rows = {**rows, **extra}
    lit = _literals(query, phrases)
    marks = {i: confidence(cos[i], cover.get(i, 0.0), _has_literal(rows[i]["norm"], lit)) for i in kept}
    lights = _highlights(embedder, qvec, query, [rows[i]["text"] for i in kept]) if highlights else [()] * len(kept)
    hits = []
    for rank, (i, light) in enumerate(zip(kept, lights), 1):
        r = rows[i]
        also = [{"chunk_id": rows[d]["chunk_id"], "source": rows[d]["source"], "date": rows[d]["date"],
                 "section": rows[d]["section"]} for d in dupes.get(i, []) if d in rows]
        hits.append(Hit(
            rank=rank, score=round(fused[i], 6), confident=marks[i],
            chunk_id=r["chunk_id"], doc_id=r["doc_id"], source=r["source"], url=r["url"],
            council=r["council"], committee=r["committee"], date=r["date"], doc_type=r["doc_type"],
            title=r["title"], section=r["section"], subsection=r["subsection"], part=r["part"],
            heading=r["heading"], page=r["page"], page_end=r["page_end"], text=r["text"],
            highlights=tuple(light), topics=tuple(json.loads(r["topics"])), also_in=tuple(also),
        ))
    return hits


def fuse(ids: list[int], cos: dict[int, float], bm25: dict[int, float], cover: dict[int, float],
         arms: tuple[str, ...] = ARMS) -> dict[int, float]:
    """The fused score of each candidate (higher is better; comparable within one query)."""
    if tuple(arms) == ("dense",):
        return {i: cos[i] for i in ids}
    if tuple(arms) == ("lexical",):
        return {i: bm25.get(i, 0.0) for i in ids}
    dense = _minmax([cos[i] for i in ids])
    lexical = _minmax([bm25.get(i, 0.0) for i in ids])
    return {i: DENSE_WEIGHT * d + (1 - DENSE_WEIGHT) * lex * cover.get(i, 0.0)
            for i, d, lex in zip(ids, dense, lexical)}


def _minmax(xs: list[float]) -> list[float]:
    lo, hi = min(xs), max(xs)
    return [(x - lo) / (hi - lo) if hi > lo else 0.0 for x in xs]


def confidence(cosine: float, coverage: float, literal: bool) -> bool:
    """The calibrated relevance floor: the passage is near the query in meaning, or it holds
    most of the query's informative terms and is not far from it in meaning, or it contains
    the figure or quoted phrase the user asked for, exactly."""
    return (cosine >= CONFIDENT_COSINE or (coverage >= LEXICAL_COVERAGE and cosine >= LEXICAL_COSINE)
            or literal)


_FIGURE = re.compile(r"£\s?\d[\d,]*(?:\.\d+)?\s?(?:m|bn|k|million|billion)?\b|\d[\d,]*\.?\d*\s?%|\d{1,3}(?:,\d{3})+(?:\.\d+)?")


def _literals(query: str, phrases: list[str]) -> list[str]:
    """What the query asks for verbatim: quoted phrases, money, percentages, figures with
    thousands separators (not bare numbers, which are often years or counts)."""
    figures = [normalise(m.group(0)) for m in _FIGURE.finditer(query)]
    return [x for x in phrases + figures if x]


def _has_literal(norm: str, literals: list[str]) -> bool:
    return bool(literals) and any(re.search(rf"(?<![\w.,]){re.escape(x)}(?![0-9])", norm) for x in literals)


class _SqliteStore:
    """The search primitives of the embedded store (index/sqlite_primitives.py) bound to an
    Archive; a PostgreSQL archive (index/pg.py) has the same ones as methods."""

    def __init__(self, archive):
        from .index import sqlite_primitives

        self._archive, self._impl = archive, sqlite_primitives

    def __getattr__(self, name):
        return functools.partial(getattr(self._impl, name), self._archive)


def _primitives(archive):
    return archive if hasattr(archive, "lexical_scores") else _SqliteStore(archive)


def _lexical(store, variants: list[list[Phrase]], n: int, allowed: np.ndarray | None) -> dict[int, float]:
    """BM25 (higher is better) of the best-matching passages, each at its best over the variants;
    filtered searches rank among the allowed chunks only, so k hits come back when k exist."""
    best: dict[int, float] = {}
    for v in variants:
        for i, score in store.lexical_scores([" ".join(p) for p in v], n, allowed).items():
            best[i] = max(best.get(i, float("-inf")), score)
    return dict(sorted(best.items(), key=lambda kv: -kv[1])[:n])


def _coverage(archive: Archive, variants: list[list[Phrase]], rows: dict) -> dict[int, float]:
    """Per passage, the IDF-weighted share of the query's terms it contains (best variant)."""
    weights = [[(p, _idf(archive, p)) for p in v if not (len(p) == 1 and p[0] in STOPWORDS)] for v in variants]
    weights = [w for w in weights if w and sum(x for _, x in w) > 0]
    out = {}
    for i, r in rows.items():
        have = set(tokens(f"{r['heading']}\n{r['text']}", drop_stopwords=False))
        out[i] = max((sum(x for p, x in w if all(t in have for t in p)) / sum(x for _, x in w) for w in weights),
                     default=0.0)
    return out


def _idf(store, phrase: Phrase) -> float:
    """BM25's IDF of a term (a phrase: of its rarest word), from the store's own vocabulary."""
    words = [w for t in phrase for w in match_subterms(t)]
    if not words:
        return 0.0
    n, df = store.chunk_count(), store.doc_freqs(words)
    return max(math.log((n - df[w] + 0.5) / (df[w] + 0.5) + 1.0) for w in words)


_NUMBER = re.compile(r"\d[\d,.]*\d|\d")


def _collapse(order: list[int], vecs: dict[int, np.ndarray],
              texts: dict[int, str] | None = None) -> tuple[list[int], dict[int, list[int]]]:
    """Fold near-duplicates (cosine >= DUPLICATE_COSINE) into the first of them. Passages that
    print different figures ("£900,000" / "£1,234,567") are never duplicates, however alike."""
    figures = {i: frozenset(_NUMBER.findall(t)) for i, t in (texts or {}).items()}
    kept: list[int] = []
    dupes: dict[int, list[int]] = {}
    for i in order:
        v = vecs.get(i)
        home = next((j for j in kept if v is not None and float(vecs[j] @ v) >= DUPLICATE_COSINE
                     and figures.get(j) == figures.get(i)), None)
        if home is None:
            kept.append(i)
        else:
            dupes.setdefault(home, []).append(i)
    return kept, dupes


def _highlights(embedder, qvec: np.ndarray, query: str, texts: list[str]) -> list[tuple[str, ...]]:
    """Up to two sentences per hit that best answer the query: by embedding similarity for the
    first ``HIGHLIGHT_HITS`` hits (their sentences embedded in one batch), by shared terms after."""
    from .chunking.sentences import sentence_spans

    sents = []
    for text in texts:
        ss = [text[a:b].strip() for a, b in sentence_spans(text)]
        sents.append([x for x in ss if len(x.split()) >= 3] or [x for x in ss if x])
    top = [x for group in sents[:HIGHLIGHT_HITS] for x in group]
    # The opening words carry a sentence's topic; truncating keeps the batch short and cheap.
    vecs = embedder.embed([" ".join(x.split()[:HIGHLIGHT_WORDS]) for x in top]) if top else np.zeros((0, 1), dtype="float32")
    out, at = [], 0
    terms = set(tokens(query))
    for n, group in enumerate(sents):
        if n < HIGHLIGHT_HITS:
            scores = [float(v @ qvec) for v in vecs[at: at + len(group)]]
            at += len(group)
            out.append(tuple(_pick(group, scores)))
        else:
            out.append(tuple(best_sentences(texts[n], terms)))
    return out


def _pick(sents: list[str], scores: list[float], n: int = 2, margin: float = 0.10) -> list[str]:
    """The best sentence and, when nearly as good, the next; in text order."""
    if not sents:
        return []
    ranked = sorted(range(len(sents)), key=lambda j: -scores[j])[:n]
    chosen = [j for j in ranked if scores[j] >= scores[ranked[0]] - margin]
    return [sents[j] for j in sorted(chosen)]


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
