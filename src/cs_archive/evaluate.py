"""Retrieval quality on a question set (qrels): pure functions over ranked hits.

A question's answers are paragraphs, named by file-name prefix + a piece of their text (+ the
paragraph label the paper prints), never by chunk id, so a set stays valid when the chunker
changes. The rules are those of the team's shared ``eval/README.md``:

- a hit is *right* when its file name starts with an answer's ``file`` and its text contains
  the answer's ``contains``, both normalised (lower case, HTML tags gone, every run of other
  than a-z/0-9 one space);
- a question is found at rank r when the r-th hit is the first right one (Recall@k, MRR@k);
- section accuracy: the first right hit carries the answer's ``section``, where one is given;
- an off-topic question (``offtopic: true``) is wrong when any hit is ``confident``.

nDCG@k counts each expected answer once (binary gain; the ideal ranking has every answer on
top), so finding two of two acceptable paragraphs beats finding one. "Lost" counts answerable
questions whose first right hit is in the top k but is not marked confident: the relevance
floor's false negatives.
"""
from __future__ import annotations

import json
import math
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Sequence


@dataclass(frozen=True)
class Expect:
    file: str
    contains: str
    section: str | None = None


@dataclass(frozen=True)
class Question:
    id: str
    query: str
    expect: tuple[Expect, ...] = ()
    filters: dict = field(default_factory=dict)
    forbid_files: tuple[str, ...] = ()
    offtopic: bool = False
    user: str | None = None
    kind: str | None = None


@dataclass(frozen=True)
class Judged:
    """What the judge needs of a hit (a search ``Hit`` has all of it)."""

    source: str
    text: str
    section: str | None = None
    confident: bool = False


@dataclass(frozen=True)
class Outcome:
    question: Question
    rank: int | None  # of the first right hit within k, 1-based
    section_ok: bool | None  # None: no section expected, or not found
    confident_right: bool | None  # the first right hit is confident (None: not found)
    any_confident: bool
    leaked: bool  # a hit from a forbidden file
    gains: tuple[int, ...]  # per rank: 1 where a not-yet-seen expected answer turns up
    top: Judged | None


class QrelsError(ValueError):
    """A qrels file that cannot be read; the message says which line and why."""


def norm(text: str | None) -> str:
    text = re.sub(r"<[^>]+>", " ", text or "")
    text = text.lower().replace("\u2019", "'").replace("\u2018", "'")
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


def load_qrels(path: str | os.PathLike) -> list[Question]:
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError as e:
        raise QrelsError(f"cannot read {path}: {e.strerror}") from None
    out = []
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            d = json.loads(line)
            offtopic = bool(d.get("offtopic"))
            expect = tuple(Expect(str(e["file"]), str(e["contains"]), e.get("section")) for e in d.get("expect", []))
            if not isinstance(d.get("query"), str) or (not expect and not offtopic):
                raise ValueError('needs a "query" and an "expect" list (or "offtopic": true)')
            out.append(Question(id=str(d.get("id", n)), query=d["query"], expect=expect,
                                filters=dict(d.get("filters") or {}), forbid_files=tuple(d.get("forbid_files") or ()),
                                offtopic=offtopic, user=d.get("user"), kind=d.get("kind")))
        except (ValueError, KeyError, TypeError, AttributeError) as e:
            raise QrelsError(f"{path}, line {n}: {e}; see eval/README.md for the format") from None
    return out


def _name(source: str) -> str:
    return os.path.basename(source or "")


def judge(question: Question, hits: Sequence[Judged], k: int = 10) -> Outcome:
    hits = list(hits[:k])
    rank = expect = None
    seen: set[Expect] = set()
    gains = []
    for r, h in enumerate(hits, 1):
        matched = [e for e in question.expect if _name(h.source).startswith(e.file) and norm(e.contains) in norm(h.text)]
        new = [e for e in matched if e not in seen]
        gains.append(1 if new else 0)
        seen.update(matched)
        if matched and rank is None:
            rank, expect = r, matched[0]
    section_ok = None
    if rank is not None and expect.section:
        section_ok = str(hits[rank - 1].section or "").strip().rstrip(".") == expect.section
    forbidden = tuple(question.forbid_files)
    return Outcome(
        question=question, rank=rank, section_ok=section_ok,
        confident_right=None if rank is None else hits[rank - 1].confident,
        any_confident=any(h.confident for h in hits),
        leaked=bool(forbidden) and any(_name(h.source).startswith(forbidden) for h in hits),
        gains=tuple(gains), top=hits[0] if hits else None)


# -- metrics: pure functions over ranks and gains ---------------------------------------------

def recall_at(ranks: Sequence[int | None], k: int) -> float:
    return sum(1 for r in ranks if r is not None and r <= k) / len(ranks) if ranks else 0.0


def mrr_at(ranks: Sequence[int | None], k: int = 10) -> float:
    return sum(1.0 / r for r in ranks if r is not None and r <= k) / len(ranks) if ranks else 0.0


def dcg(gains: Sequence[int]) -> float:
    return sum(g / math.log2(i + 2) for i, g in enumerate(gains))


def ndcg_at(gains: Sequence[int], n_relevant: int, k: int = 10) -> float:
    """Binary-gain nDCG@k; the ideal ranking puts min(n_relevant, k) right answers first."""
    ideal = dcg([1] * min(n_relevant, k))
    return dcg(list(gains)[:k]) / ideal if ideal else 0.0


def share(flags: Iterable[bool]) -> float:
    flags = list(flags)
    return sum(flags) / len(flags) if flags else 0.0


@dataclass(frozen=True)
class Report:
    k: int
    outcomes: tuple[Outcome, ...]

    @property
    def answerable(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.question.offtopic]

    @property
    def offtopic(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.question.offtopic]

    def metrics(self) -> dict:
        ans, off = self.answerable, self.offtopic
        ranks = [o.rank for o in ans]
        sections = [o.section_ok for o in ans if o.section_ok is not None]
        return {
            "n": len(ans), "offtopic_n": len(off), "k": self.k,
            "recall@1": recall_at(ranks, 1), "recall@5": recall_at(ranks, 5), "recall@10": recall_at(ranks, 10),
            "mrr@10": mrr_at(ranks, 10),
            "ndcg@10": sum(ndcg_at(o.gains, len(o.question.expect), 10) for o in ans) / len(ans) if ans else 0.0,
            "section_accuracy": share(sections) if sections else None, "section_n": len(sections),
            "offtopic_confident_rate": share(o.any_confident for o in off) if off else None,
            "answerable_lost_rate": share(o.confident_right is False for o in ans) if ans else None,
            "filter_leaks": sum(o.leaked for o in self.outcomes),
        }

    def misses(self) -> list[Outcome]:
        """Answerable questions not found at rank 1, wrong sections, lost answers, off-topic errors."""
        return [o for o in self.outcomes if (o.question.offtopic and o.any_confident) or (
            not o.question.offtopic and (o.rank != 1 or o.section_ok is False or o.confident_right is False))
            or o.leaked]

    def to_json(self) -> dict:
        return {"metrics": self.metrics(), "misses": [_miss_json(o) for o in self.misses()]}

    def lines(self) -> list[str]:
        m = self.metrics()
        out = [f"answerable questions: {m['n']}   off-topic: {m['offtopic_n']}   k={m['k']}",
               f"Recall@1 {m['recall@1']:.3f}   Recall@5 {m['recall@5']:.3f}   Recall@10 {m['recall@10']:.3f}",
               f"MRR@10 {m['mrr@10']:.3f}   nDCG@10 {m['ndcg@10']:.3f}   section accuracy "
               + (f"{m['section_accuracy']:.3f} ({m['section_n']} with a section)" if m["section_n"] else "n/a"),
               "off-topic with a confident hit: " + _pct(m["offtopic_confident_rate"])
               + "   answerable losing their confident right answer: " + _pct(m["answerable_lost_rate"])
               + f"   filter leaks: {m['filter_leaks']}"]
        misses = self.misses()
        if misses:
            out.append("")
            out.append(f"misses ({len(misses)}):")
            out += ["  " + _miss_line(o) for o in misses]
        return out


def _pct(x: float | None) -> str:
    return "n/a" if x is None else f"{100 * x:.1f}%"


def _why(o: Outcome) -> list[str]:
    if o.question.offtopic:
        return ["off-topic, confident hit"] if o.any_confident else []
    why = []
    if o.rank is None:
        why.append("not found")
    elif o.rank > 1:
        why.append(f"rank {o.rank}")
    if o.section_ok is False:
        why.append("wrong section")
    if o.confident_right is False:
        why.append("right answer not confident")
    if o.leaked:
        why.append("filter leak")
    return why


def _miss_json(o: Outcome) -> dict:
    top = o.top
    return {"id": o.question.id, "query": o.question.query, "why": _why(o), "rank": o.rank,
            "top": None if top is None else {"file": _name(top.source), "section": top.section,
                                              "confident": top.confident}}


def _miss_line(o: Outcome) -> str:
    top = o.top
    where = "no hits" if top is None else f"top: {_name(top.source)[:3]} s={top.section}"
    return f"{o.question.id} [{', '.join(_why(o))}] {o.question.query!r} -> {where}"


def evaluate(questions: Sequence[Question], run: Callable[[Question, int], Sequence[Judged]], k: int = 10) -> Report:
    """``run(question, k)`` returns the ranked hits for one question (filters applied)."""
    return Report(k=k, outcomes=tuple(judge(q, run(q, k), k) for q in questions))


def as_judged(hit) -> Judged:
    return Judged(source=hit.source, text=hit.text, section=hit.section, confident=bool(hit.confident))


def search_runner(archive, embedder, highlights: bool = False) -> Callable[[Question, int], list[Judged]]:
    """The archive's own search as a ``run`` for ``evaluate``."""
    from .search import Filters, search

    def run(q: Question, k: int) -> list[Judged]:
        f = q.filters
        filters = Filters(since=f.get("since"), until=f.get("until"), committee=f.get("committee"),
                          council=f.get("council"), topic=f.get("topic"), doc_type=f.get("type"))
        return [as_judged(h) for h in search(archive, embedder, q.query, k=k, filters=filters, highlights=highlights)]

    return run
