"""Stage 6: a question -> cited hits.

Two arms over the same chunks, each restricted by the filters before ranking:

- dense: FAISS, cosine of the query and passage embeddings (finds the user's own words);
- lexical: BM25 (Tantivy, or PostgreSQL's full text) over Snowball-stemmed tokens, figures and acronyms kept whole,
  with the children's-services vocabulary of ``synonyms.py`` (finds exact names and figures).

Fusion is a convex combination, measured against reciprocal rank fusion on ``eval/qrels.jsonl``
and the shared dev questions (README, *Retrieval quality*): each arm is min-max normalised
over the candidates, and the lexical score is scaled by the passage's *coverage*, the
IDF-weighted share of the query's terms it contains, so a passage matching one common query
word cannot ride on BM25's relative scale when the query is a paraphrase. A question that asks
for a kind of answer ("when…", "who…", "how many…", "how quickly…") nudges up the passages
that hold one (a date, a named person, a figure, a duration): ``nudge``. A council the question
names and the meeting dates its time words point at (``scope``) nudge up the papers that fit:
``place_and_time``.

A quoted phrase must occur in the passage. Near-duplicates (a decision page repeating its
minutes) collapse into one hit that lists the others in ``also_in``. ``confident`` marks
hits that clear the calibrated relevance floor (``confidence``); weak ones are still
returned, marked, never padded as good. Highlights embed the sentences of the top few hits
in one batch and pick the two nearest the query; without highlights none of that runs.
"""
from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass

import numpy as np

from .answer_kinds import answer_types, answers
from .config import settings
from .index.base import ArchiveReader, match_subterms, nothing_allowed
from .lexical import STOPWORDS, Phrase, normalise, query_variants, tokens
from .explore import hit_of
from .models import Hit
from .scope import Scope, read_scope

POOL = 50  # candidates each arm contributes before fusion
DENSE_WEIGHT = 0.5  # of the fused score; the lexical arm has the rest
DUPLICATE_COSINE = 0.95
HIGHLIGHT_HITS = 3  # hits whose sentences are embedded for highlights; later ones use shared words
HIGHLIGHT_WORDS = 40  # of each sentence, embedded to score it

# The relevance floor, calibrated on eval/qrels.jsonl (README, *Retrieval quality*).
CONFIDENT_COSINE = 0.44  # dense similarity that alone makes a hit confident
LEXICAL_COSINE = 0.30  # ... or this, when the passage also covers the query's terms:
LEXICAL_COVERAGE = 0.45  # IDF-weighted share of the query's terms the passage contains
# No hit is confident (unless it holds the literal asked for) when at least this share of the
# query's informative terms (IDF-weighted, its best variant) is a name the archive never
# prints: a question about a place, council or body it has never heard of ("library opening
# hours in Maidstone") cannot be answered by it, however near its hits are in meaning. Only
# names count (words the query capitalises, not at a sentence's start): a councillor's own
# words for what the papers say ("youngsters", "weed") are not in the papers either.
UNKNOWN_SHARE = 0.4  # calibrated: README, *Retrieval quality*, "The confident mark"
_NAME = re.compile(r"(?<![.?!:]\s)(?<!^)\b[A-Z][\w'’&-]+")

# The most a query may hold (a question, or a few phrases to look up, fits well inside these):
# beyond them search refuses it with ``QueryTooLong`` rather than grind or fail on it.
MAX_QUERY_CHARS = 1000
MAX_QUERY_WORDS = 100
MAX_QUERY_PHRASES = 20  # each one quoted is a condition in the filter's SQL


@dataclass(frozen=True)
class Filters:
    since: str | None = None
    until: str | None = None
    committee: str | None = None
    council: str | None = None
    topic: str | None = None
    doc_type: str | None = None
    include_exempt: bool = False


class QueryTooLong(ValueError):
    """A query beyond the size limits; the message is one sentence to show the user."""


_PHRASE = re.compile(r'"([^"]+)"|“([^”]+)”')


def check_query(query: str, long_query: bool = False) -> None:
    """Raise ``QueryTooLong`` for a query beyond MAX_QUERY_CHARS, _WORDS or _PHRASES (a
    ``long_query`` only beyond MAX_QUERY_PHRASES)."""
    query = query.strip()
    if len(query) > MAX_QUERY_CHARS and not long_query:
        said = f"is {len(query):,} characters long (at most {MAX_QUERY_CHARS:,})"
    elif len(query.split()) > MAX_QUERY_WORDS and not long_query:
        said = f"has {len(query.split()):,} words (at most {MAX_QUERY_WORDS:,})"
    elif len(_PHRASE.findall(query)) > MAX_QUERY_PHRASES:
        said = f"has {len(_PHRASE.findall(query)):,} quoted phrases (at most {MAX_QUERY_PHRASES:,})"
    else:
        return
    raise QueryTooLong(f"the query {said}. Shorten it to the words that matter, and quote only the phrases "
                       "that must appear exactly.")


# The columns search reads of every candidate (fusion, collapse); the rest of a row (paper
# metadata, topics) is read for the hits returned only, and the stems and text for the few
# candidates whose words or text search looks at (phrases, answer types, near-duplicates).
_VECTOR = ("id", "vector")
_WORDS = ("id", "stems", "heading", "text")
_TEXT = ("id", "text")
ARMS = ("dense", "lexical")


def search(archive: ArchiveReader, embedder, query: str, k: int = 10, filters: Filters = Filters(),
           highlights: bool = True, *, arms: tuple[str, ...] = ARMS, expand: bool = True,
           long_query: bool = False, within=None) -> list[Hit]:
    """Up to k hits, best first; ``QueryTooLong`` for a query beyond the size limits
    (``check_query``). ``arms`` and ``expand`` exist for the benchmark's baselines (one arm
    alone; no vocabulary expansion). ``long_query=True`` is for a query the program wrote
    from a passage (a commitment's follow-up search), which may run past the length limits.
    ``within``: chunk ids the search is confined to (a saved search's new passages)."""
    check_query(query, long_query)
    query = query.strip()
    if not query or k <= 0:
        return []
    phrases = [normalise(a or b) for a, b in _PHRASE.findall(query)]
    phrases = [p for p in phrases if p]
    store = archive
    allowed = store.filtered_ids(filters, phrases)
    if within is not None:
        within = np.unique(np.asarray(list(within), dtype="int64"))
        allowed = within if allowed is None else np.intersect1d(within, np.fromiter(map(int, allowed), "int64"))
    if nothing_allowed(allowed):
        return []
    qvec = embedder.embed_query(_PHRASE.sub(lambda m: m.group(1) or m.group(2), query))
    pool = max(POOL, 3 * k)
    # The arms run side by side: the dense one on a helper thread (FAISS, or the database, lets
    # go of the interpreter while it searches); here the lexical one, then its candidates' rows
    # and coverage, which do not wait for the dense arm's.
    # Every candidate is read for its vector only (the dense arm's come with its answer where the
    # vector index holds them: ``dense_held``); its stems and text where search looks at them
    # (``fill``), and the hits returned get their whole rows (paper metadata, topics) afterwards.
    dense = _arm_thread().submit(store.dense_held, qvec, pool, allowed) if "dense" in arms else None
    # The councils and meeting dates the question names (``scope``) nudge up their papers after
    # fusion; their words are left out of the lexical arm's ranking, where they would favour the
    # passages that print them (a report's cover, a meeting's opening lines) over the one that
    # answers. Coverage (fusion's weight on BM25, and the confident mark) reads the whole question.
    scope = read_scope(query, store.distinct("council")) if tuple(arms) == ARMS else Scope()
    variants = query_variants(query, expand)
    asked = query_variants(scope.rest(query), expand) if scope.spans else variants
    stats = _TermStats(store, variants) if "lexical" in arms else None
    bm25 = _lexical(store, asked or variants, pool, allowed, stats) if stats else {}
    rows = store.candidate_rows(bm25, _VECTOR) if bm25 else {}

    def fill(some, columns=_WORDS) -> None:
        missing = [i for i in some if i in rows and any(c not in rows[i] for c in columns)]
        if missing:
            for i, r in store.candidate_rows(missing, columns).items():
                rows[i].update(r)
    # Coverage matters where BM25 found the passage (fusion) and for the hits shown (confidence):
    # the dense-only candidates add nothing lexical whatever their coverage, so they are not read.
    weights = _coverage_weights(variants, stats) if stats else None
    cover = _coverage(store, variants, {i: rows[i] for i in bm25 if i in rows}, stats, weights, fill) if stats else {}
    # Whether each candidate holds the kind of answer the question asks for (``nudge``) is read
    # from its text: the lexical arm's candidates' here, while the dense arm runs, the others' once
    # it has answered.
    wants = answer_types(query) if tuple(arms) == ARMS else ()
    if wants:
        fill(list(bm25), _TEXT)
    cand: dict[int, None] = {}
    if dense is not None:
        found = dense.result()
        dids = np.asarray(found[1]).tolist()
        cand.update((i, None) for i in dids)
        if found[2] is not None:  # the vectors of the dense arm's candidates
            rows.update((i, {"id": i, "vector": v}) for i, v in zip(dids, found[2]) if i not in rows)
    cand.update((i, None) for i in bm25)
    more = [i for i in cand if i not in rows and i not in bm25]
    if more:
        rows.update(store.candidate_rows(more, _VECTOR))
    ids = [i for i in cand if i in rows]
    if not ids:
        return []
    m = _matrix([rows[i]["vector"] for i in ids])
    cos = dict(zip(ids, (m @ qvec).tolist()))  # one matrix-vector product (single-threaded at this size)
    fused = fuse(ids, cos, bm25, cover, arms)
    if wants:
        fill(list(fused), _TEXT)
        fused = nudge(fused, {i: rows[i]["text"] for i in fused}, query)
    if scope:
        fused = place_and_time(fused, store.chunk_rows(list(fused)), scope)
    order = sorted(fused, key=lambda i: (-fused[i], i))
    head = order[: 4 * k + 20]
    fill(head, _TEXT)  # the same text under two names folds whatever its vectors (its papers' titles differ)
    kept, dupes = _collapse(head, m, {i: j for j, i in enumerate(ids)}, _Texts(rows, fill), keep=k)
    shown = kept + [d for i in kept for d in dupes.get(i, [])]
    rows = {**rows, **archive.chunk_rows(shown)}
    if stats:
        cover.update(_coverage(store, variants, {i: rows[i] for i in kept if i not in cover}, stats, weights))
    lit = _literals(query, phrases)
    unknown = unknown_share(variants, stats, named_terms(query)) if stats else 0.0
    marks = {i: confidence(cos[i], cover.get(i, 0.0), _has_literal(rows[i]["norm"], lit), unknown) for i in kept}
    lights = _highlights(embedder, qvec, query, [rows[i]["text"] for i in kept]) if highlights else [()] * len(kept)
    hits = []
    for rank, (i, light) in enumerate(zip(kept, lights), 1):
        r = rows[i]
        also = [{"chunk_id": rows[d]["chunk_id"], "source": rows[d]["source"], "date": rows[d]["date"],
                 "section": rows[d]["section"]} for d in dupes.get(i, []) if d in rows]
        hits.append(hit_of(r, rank=rank, score=round(fused[i], 6), confident=marks[i], highlights=tuple(light),
                           also_in=tuple(also)))
    return hits


@functools.lru_cache(maxsize=None)
def _arm_thread():
    """The threads the dense arm runs on (one per search running at once, up to four)."""
    from concurrent.futures import ThreadPoolExecutor

    return ThreadPoolExecutor(max_workers=4, thread_name_prefix="cs-archive-dense")


def fuse(ids: list[int], cos: dict[int, float], bm25: dict[int, float], cover: dict[int, float],
         arms: tuple[str, ...] = ARMS) -> dict[int, float]:
    """The fused score of each candidate (higher is better; comparable within one query)."""
    if tuple(arms) == ("dense",):
        return {i: cos[i] for i in ids}
    if tuple(arms) == ("lexical",):
        return {i: bm25.get(i, 0.0) for i in ids}
    dense = _minmax(np.fromiter((cos[i] for i in ids), "float64", len(ids)))
    lexical = _minmax(np.fromiter((bm25.get(i, 0.0) for i in ids), "float64", len(ids)))
    covered = np.fromiter((cover.get(i, 0.0) for i in ids), "float64", len(ids))
    return dict(zip(ids, (DENSE_WEIGHT * dense + (1 - DENSE_WEIGHT) * lexical * covered).tolist()))


ANSWER_BONUS = 0.12  # of the fused score (0-1); measured in README, *Retrieval quality*


def nudge(fused: dict[int, float], texts: dict[int, str], query: str) -> dict[int, float]:
    """The fused scores with ``ANSWER_BONUS`` added to passages that hold the kind of answer
    the question asks for (``answer_types``); unchanged when it asks for no particular kind."""
    wants = answer_types(query)
    if not wants:
        return fused
    return {i: f + ANSWER_BONUS * answers(wants, texts[i]) for i, f in fused.items()}


# Of the fused score (0-1), for a passage of a council the question names and of a meeting its
# time words point at (``scope``); measured in README, *Retrieval quality*.
PLACE_BONUS = 0.20
TIME_BONUS = 0.20


def place_and_time(fused: dict[int, float], rows: dict, scope: Scope) -> dict[int, float]:
    """The fused scores with ``PLACE_BONUS`` and ``TIME_BONUS`` added to the passages whose paper
    is of a council the question names, or of a meeting its time words point at (``read_scope``).
    ``rows``: each passage's paper council and date."""
    out = dict(fused)
    for i, f in fused.items():
        if i in rows:
            place, time = scope.fits(rows[i]["council"], rows[i]["date"])
            out[i] = f + PLACE_BONUS * place + TIME_BONUS * time
    return out


def _minmax(xs: np.ndarray) -> np.ndarray:
    if not len(xs):
        return xs
    lo, hi = xs.min(), xs.max()
    return (xs - lo) / (hi - lo) if hi > lo else np.zeros_like(xs)


def confidence(cosine: float, coverage: float, literal: bool, unknown: float = 0.0) -> bool:
    """The calibrated relevance floor: the passage contains the figure or quoted phrase the
    user asked for, exactly; or the archive knows the query's terms (``unknown``, the share of
    their weight no passage holds, is below ``UNKNOWN_SHARE``) and the passage is near the
    query in meaning, or holds most of its informative terms and is not far from it in meaning."""
    if literal:
        return True
    return unknown < UNKNOWN_SHARE and (
        cosine >= CONFIDENT_COSINE or (coverage >= LEXICAL_COVERAGE and cosine >= LEXICAL_COSINE))


def named_terms(query: str) -> set[str]:
    """The index terms of the names a query prints: words it capitalises, not at its start or a
    sentence's ("Maidstone", "Leeds City Council"; acronyms too)."""
    return {t for m in _NAME.finditer(query.strip()) for t in tokens(m.group(0))}


def unknown_share(variants: list[list[Phrase]], stats: "_TermStats", names: set[str] | None = None) -> float:
    """The IDF-weighted share of the query's informative terms that no passage of the archive
    holds (a phrase: any of its words but stopwords), at the query's best variant (a synonym the
    archive knows counts as known); 0 for a query of stopwords only. With ``names``, only terms
    among them count as unknown (``named_terms``)."""
    best = None
    for v in variants:
        terms = [(p, stats.idf(p)) for p in v if not (len(p) == 1 and p[0] in STOPWORDS)]
        total = sum(x for _, x in terms)
        if total <= 0:
            continue
        unseen = sum(x for p, x in terms if any(stats.df.get(w, 0) == 0 for t in p if t not in STOPWORDS
                                                and (names is None or t in names) for w in match_subterms(t)))
        best = unseen / total if best is None else min(best, unseen / total)
    return best or 0.0


_FIGURE = re.compile(r"£\s?\d[\d,]*(?:\.\d+)?\s?(?:m|bn|k|million|billion)?\b|\d[\d,]*\.?\d*\s?%|\d{1,3}(?:,\d{3})+(?:\.\d+)?")


def _literals(query: str, phrases: list[str]) -> list[str]:
    """What the query asks for verbatim: quoted phrases, money, percentages, figures with
    thousands separators (not bare numbers, which are often years or counts)."""
    figures = [normalise(m.group(0)) for m in _FIGURE.finditer(query)]
    return [x for x in phrases + figures if x]


def _has_literal(norm: str, literals: list[str]) -> bool:
    return bool(literals) and any(re.search(rf"(?<![\w.,]){re.escape(x)}(?![0-9])", norm) for x in literals)


# The lexical arm's archive-wide ranking reads at most this many postings (chunks containing a
# query word, summed over its words) per query variant: PostgreSQL's full text scores every
# chunk a query finds, so a common word ("children", in most chunks of a children's-services
# archive) costs time in proportion to the archive. (Tantivy prunes; the budget applies to both
# backends alike so that they rank alike.) The rarest terms go first; words beyond the budget still
# count through coverage, never through BM25. A query whose words occur in at most that many
# chunks in all (every query on a small archive) ranks exactly as without the budget (README,
# *Retrieval quality*, "At scale").


class _TermStats:
    """Corpus statistics of one query's words, read once: chunk count and document frequencies."""

    def __init__(self, store, variants: list[list[Phrase]]):
        words = [w for v in variants for p in v for t in p for w in match_subterms(t)]
        self.n = store.chunk_count()
        self.df = store.doc_freqs(list(dict.fromkeys(words))) if words else {}
        self._cost: dict[Phrase, int] = {}  # asked again for each variant holding the term

    def postings(self, phrase: Phrase) -> int:
        if phrase not in self._cost:
            self._cost[phrase] = sum(self.df.get(w, 0) for t in phrase for w in match_subterms(t))
        return self._cost[phrase]

    def idf(self, phrase: Phrase) -> float:
        """BM25's IDF of a term (a phrase: of its rarest word)."""
        words = [w for t in phrase for w in match_subterms(t)]
        if not words:
            return 0.0
        return max(math.log((self.n - self.df.get(w, 0) + 0.5) / (self.df.get(w, 0) + 0.5) + 1.0) for w in words)


def affordable(variant: list[Phrase], stats: _TermStats, budget: int | None = None) -> list[Phrase]:
    """The variant's terms the archive-wide BM25 ranking uses: rarest first, within the budget."""
    budget = settings().lexical_postings if budget is None else budget
    kept, spent = [], 0
    for p in sorted(variant, key=stats.postings):
        cost = stats.postings(p)
        if spent + cost > budget:
            break
        kept.append(p)
        spent += cost
    return [p for p in variant if p in kept]


def _lexical(store, variants: list[list[Phrase]], n: int, allowed: np.ndarray | None,
             stats: _TermStats | None = None) -> dict[int, float]:
    """BM25 (higher is better) of the best-matching passages, each at its best over the variants;
    filtered searches rank among the allowed chunks only, so k hits come back when k exist."""
    stats = stats or _TermStats(store, variants)
    best: dict[int, float] = {}
    for v in variants:
        terms = affordable(v, stats)
        if not terms:
            continue
        for i, score in store.lexical_scores([" ".join(p) for p in terms], n, allowed).items():
            best[i] = max(best.get(i, float("-inf")), score)
    return dict(sorted(best.items(), key=lambda kv: -kv[1])[:n])


def _coverage_weights(variants: list[list[Phrase]], stats: _TermStats) -> list[tuple[list[tuple[str, float]], float]]:
    """Per variant, its informative terms as match streams (``_subterm_stream``) with their IDF,
    and the IDF total; variants with none are left out."""
    weights = [[(p, stats.idf(p)) for p in v if not (len(p) == 1 and p[0] in STOPWORDS)] for v in variants]
    weights = [([(_subterm_stream(p), x) for p, x in w], sum(x for _, x in w)) for w in weights]
    return [(w, total) for w, total in weights if w and total > 0]


def _coverage(store, variants: list[list[Phrase]], rows: dict, stats: _TermStats | None = None,
              weights=None, fill=None) -> dict[int, float]:
    """Per passage, the IDF-weighted share of the query's terms it contains (best variant).
    ``fill(ids)`` completes the rows whose stems are read (rows read with their vector only)."""
    if weights is None:
        weights = _coverage_weights(variants, stats or _TermStats(store, variants))
    ids = list(rows)
    if not weights:
        return dict.fromkeys(ids, 0.0)
    if fill is not None:
        fill(ids)
    # What each passage's stream (``_subterm_stream``) is made from: its stems, lower-cased.
    texts = [rows[i]["stems"].lower() for i in ids]
    present = {}  # per term stream, a mask of the passages that hold it
    for p in dict.fromkeys(p for w, _ in weights for p, _ in w):
        found = _in_stream(p).search
        present[p] = np.fromiter((found(t) is not None for t in texts), dtype=bool, count=len(ids))
    # Per variant, the IDF of its terms summed in the terms' order where present (adding 0.0
    # elsewhere changes no float), over its total; a passage's coverage is its best variant's.
    out = np.zeros(len(ids))
    for w, total in weights:
        hits = np.zeros(len(ids))
        for p, x in w:
            np.add(hits, x, out=hits, where=present[p])
        np.maximum(out, hits / total, out=out)
    return dict(zip(ids, out.tolist()))


class _Texts:
    """The candidates' texts, each read when first asked for (``fill``): collapse compares the
    figures of near-duplicate pairs only, which are few."""

    def __init__(self, rows: dict, fill):
        self.rows, self.fill = rows, fill

    def get(self, i: int, default: str = "") -> str:
        if i not in self.rows:
            return default
        self.fill([i], _TEXT)
        return self.rows[i].get("text", default)


def _subterm_stream(terms) -> str:
    """Terms as the full-text index matches them (``match_subterms``: "£434964.18" is "434964 18"),
    spaced so that a phrase is present exactly when its stream is a substring of the passage's,
    the way the lexical arm matched it."""
    return " " + " ".join(match_subterms(" ".join(terms))) + " "


@functools.lru_cache(maxsize=4096)
def _in_stream(stream: str) -> re.Pattern:
    """A pattern that finds a term's stream (``_subterm_stream``) in the lower-cased text a
    passage's stream is made from, exactly where the stream is a substring of the passage's: its
    words as whole runs of letters and digits, one after another, with only other characters
    between them. It saves making the passage's stream (45 us for 400 characters of stems,
    against 1 us): the search opens with the first word, as a literal the regex engine finds
    quickly, and only then looks behind it for a letter or digit that would make it part of a
    longer run."""
    if not stream.split():  # a term with no words is in a passage with none
        return re.compile(r"\A[\W_]*\Z")
    first, *rest = stream.split()
    w = re.escape(first)
    return re.compile(rf"{w}(?<![^\W_]{w})" + "".join(rf"[\W_]+{re.escape(x)}" for x in rest) + r"(?![^\W_])")


_NUMBER = re.compile(r"\d[\d,.]*\d|\d")


def _matrix(blobs: list) -> np.ndarray:
    """float32 vectors, one row each: as stored (bytes) or already read (arrays)."""
    if blobs and isinstance(blobs[0], np.ndarray):
        return np.stack(blobs)
    return np.frombuffer(b"".join(blobs), dtype="float32").reshape(len(blobs), -1)


def _dots(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a @ b.T without BLAS: for the few hundred products a search
    makes, OpenBLAS's thread team costs far more than the arithmetic (waking it, then spinning
    on the cores the query embedder needs next), and the library's callers set no thread limit."""
    return np.einsum("ij,kj->ik", a, b)


def _collapse(order: list[int], vectors: np.ndarray, at: dict[int, int], texts, keep: int
              ) -> tuple[list[int], dict[int, list[int]]]:
    """The first ``keep`` passages of ``order`` once duplicates are folded into the first of them,
    and what folded into each; ``vectors[at[i]]`` is passage i's vector, ``texts.get(i)`` its
    text. Duplicates: the same words (a report and its copy in an agenda pack: their vectors
    differ, as each is embedded with its own paper's title), or near in meaning (cosine >=
    DUPLICATE_COSINE: a decision page repeating its minutes). Passages that print different
    figures ("£900,000" / "£1,234,567") are never duplicates, however alike. Later passages are
    neither kept nor compared against."""
    figs: dict[int, frozenset] = {}
    words: dict[str, int] = {}  # a kept passage's words (``normalise``) -> the passage

    def figures(i: int) -> frozenset:  # read only for the rare near-duplicate pair
        if i not in figs:
            figs[i] = frozenset(_NUMBER.findall(texts.get(i, "")))
        return figs[i]

    have = [i for i in order if i in at]
    row = {i: r for r, i in enumerate(have)}
    m = vectors[[at[i] for i in have]] if have else None
    # A passage folds only into one kept before it, so only the kept passages' columns of the
    # similarity matrix are needed: the first few columns in one product (the kept ones are
    # nearly always among them), any later kept passage's column when it is kept.
    first = min(len(have), keep + 10)
    near = np.tril(_dots(m, m[:first]) >= DUPLICATE_COSINE, -1) if first else None  # row r, earlier column c
    columns: dict[int, np.ndarray] = {}

    def column(c: int) -> np.ndarray:  # which passages nearly repeat have[c]
        if c < first:
            return near[:, c]
        if c not in columns:
            columns[c] = _dots(m, m[c:c + 1])[:, 0] >= DUPLICATE_COSINE
        return columns[c]

    alike = near.any(axis=1).tolist() if first else []  # per passage: near any of the first before it?
    kept: list[int] = []
    homes: list[int] = []  # the kept passages with vectors (rows of m), in the order kept
    late = False  # whether a kept passage lies beyond the first columns
    dupes: dict[int, list[int]] = {}
    for i in order:
        if len(kept) >= keep and not homes:
            break
        r = row.get(i)
        said = normalise(texts.get(i, ""))
        home = words.get(said) if said else None
        if home is None and r is not None and (alike[r] or late):  # most passages repeat none of the earlier ones
            home = next((have[c] for c in homes if column(c)[r] and figures(have[c]) == figures(i)), None)
        if home is not None:
            dupes.setdefault(home, []).append(i)
        elif len(kept) < keep:
            kept.append(i)
            words.setdefault(said, i)
            if r is not None:
                homes.append(r)
                late = late or r >= first
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
