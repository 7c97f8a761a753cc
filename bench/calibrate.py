"""Calibrate the relevance floor (``search.confidence``) on development questions, and check
chosen thresholds on held-out ones. Prints figures; asserts nothing.

    python bench/calibrate.py --index IDX FILE [FILE...]                         # calibrate
    python bench/calibrate.py --index IDX --check HELD_OUT... --thresholds A,B,C  # report only

FILEs are question files in the shared format (``../shared/eval/corpus_questions.jsonl``):
answerable rows carry ``expect`` ([{file, contains}], optional ``filters``), off-topic rows
``"offtopic": true``. Calibrate ONLY on development files (``../shared/eval/corpus_questions.jsonl``,
``../shared/eval/dev_questions.jsonl``, ``eval/corpus_offtopic_dev.jsonl``, optionally
``eval/qrels.jsonl``); the held-out ``eval/corpus_heldout.jsonl`` and ``eval/corpus_offtopic.jsonl``
go to ``--check`` alone, which reports them under the thresholds given and tunes nothing.

Each question runs through the library's ``cs_archive.search.search`` (k=10, highlights off, the
archive opened as the CLI's ``--queries`` batch opens it, filters read as the batch reads them).
``search.confidence`` is replaced by a recorder for the run: search calls it once per kept hit,
in rank order (``marks = {i: confidence(...) for i in kept}``), so the i-th call of a search is
hit i's (cosine, coverage, literal). The recorder returns the original's answer, so the hits are
unchanged; each search's record is checked against its hits' ``confident`` marks.

The measures are ``../shared/eval/score_dev.py``'s, with its matching rule (a hit is right when
its file's name starts with an ``expect`` row's ``file`` and the row's ``contains``, normalised,
is in its text):

- off-topic confident rate: the share of off-topic questions with any confident hit (of the 10);
- answerable confident-right-in-top-5: the share of answerable questions whose first right hit is
  in the top 5 and is confident.

The grid varies CONFIDENT_COSINE (A), LEXICAL_COSINE (B <= A) and LEXICAL_COVERAGE (C); the
literal rule (a quoted phrase or figure found verbatim) is kept as it is. The pick: the
candidate with the highest answerable rate among those with off-topic rate <= --max-offtopic,
then the lowest off-topic rate, then the nearest to the current thresholds; with none such,
the trade-off frontier is printed. Ranking does not depend on the thresholds, so one search
per question serves the whole grid. ``--features FILE`` saves the recorded features (JSON) and
``--load FILE`` reuses them without searching.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
K = 10
TOP = 5
HELD_OUT = {"corpus_heldout.jsonl", "corpus_offtopic.jsonl"}  # eval/'s held-out set: --check only


# --- score_dev.py's matching rules (../shared/eval/score_dev.py), copied so as not to import it

def norm(s):
    s = re.sub(r"<[^>]+>", " ", s or "")
    s = s.lower().replace("\u2019", "'").replace("\u2018", "'")
    return " ".join(re.sub(r"[^a-z0-9]+", " ", s).split())


def right(hit, expects):
    name = os.path.basename(hit.get("source") or "")
    text = norm(hit.get("text"))
    return next((e for e in expects if name.startswith(e["file"]) and norm(e["contains"]) in text), None)


# --- running the questions

def load_questions(paths: list[str]) -> list[dict]:
    rows = []
    for p in paths:
        for n, line in enumerate(Path(p).read_text(encoding="utf-8").splitlines(), 1):
            if line.strip():
                q = json.loads(line)
                q["_file"] = os.path.basename(p)
                q.setdefault("id", f"{q['_file']}:{n}")
                rows.append(q)
    return rows


def _filters(q: dict):
    """The filters of a question, read as the CLI's ``--queries`` batch reads a line (score_dev.py
    passes ``filters`` as top-level keys of the line)."""
    from cs_archive import cli

    return cli._filters(dict(q.get("filters") or {}))


def record(index: str, questions: list[dict]) -> list[dict]:
    """Per question: each hit's features (cosine, coverage, literal) in rank order, whether it is
    right (answerable questions) and the rank of the first right hit."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from cs_archive import search as S
    from cs_archive.embed import get_embedder
    from cs_archive.index import open_archive

    archive = open_archive(index, exempt=True)  # as the CLI's --queries batch (score_dev.py) opens it
    embedder = get_embedder()
    original = S.confidence
    calls: list[tuple[float, float, bool, bool, float]] = []

    def recorder(cosine, coverage, literal, unknown=0.0):
        out = original(cosine, coverage, literal, unknown)
        calls.append((float(cosine), float(coverage), bool(literal), bool(out), float(unknown)))
        return out

    S.confidence = recorder
    out = []
    try:
        for n, q in enumerate(questions, 1):
            calls.clear()
            try:
                hits = [h.to_json() for h in S.search(archive, embedder, q["query"], k=K, filters=_filters(q),
                                                       highlights=False)]
            except ValueError as e:  # QueryTooLong, a bad filter
                print(f"  {q['id']}: {e}", file=sys.stderr)
                hits = []
            usable = len(calls) == len(hits) and all(c[3] == h["confident"] for c, h in zip(calls, hits))
            if not usable:
                print(f"  {q['id']}: {len(calls)} confidence calls for {len(hits)} hits (or marks differ): "
                      "the call site has changed; question left out", file=sys.stderr)
            row = {"id": q["id"], "file": q["_file"], "query": q["query"], "offtopic": bool(q.get("offtopic")),
                   "usable": usable, "features": [list(c[:3]) for c in calls] if usable else [],
                   "unknown": calls[0][4] if usable and calls else 0.0,
                   "confident_now": [c[3] for c in calls] if usable else []}
            if not row["offtopic"]:
                ok = [bool(right(h, q["expect"])) for h in hits[:K]]
                row["right"] = ok
                row["rank"] = next((i + 1 for i, r in enumerate(ok) if r), None)
            out.append(row)
            if n % 25 == 0:
                print(f"  {n}/{len(questions)} searched", file=sys.stderr)
    finally:
        S.confidence = original
    return out


# --- the measures, over a grid of thresholds

class Features:
    """The recorded features as arrays, for evaluating many thresholds at once."""

    def __init__(self, rows: list[dict]):
        rows = [r for r in rows if r["usable"]]
        self.off = [r for r in rows if r["offtopic"]]
        self.ans = [r for r in rows if not r["offtopic"]]
        # Off-topic: every hit (of the K), flattened with the question it belongs to.
        pts = [(j, *f) for j, r in enumerate(self.off) for f in r["features"][:K]]
        a = np.array(pts, dtype="float64").reshape(-1, 4)
        self.off_q, self.off_cos, self.off_cov, self.off_lit = a[:, 0].astype(int), a[:, 1], a[:, 2], a[:, 3] > 0
        # The share of each question's terms the archive has never seen (search.unknown_share).
        self.off_unknown = np.array([r.get("unknown", 0.0) for r in self.off], dtype="float64")[self.off_q]
        self.ans_unknown = np.array([r.get("unknown", 0.0) for r in self.ans], dtype="float64")
        self.d = 2.0  # the UNKNOWN_SHARE evaluated (2: the rule off); see ``gate``
        # Answerable: only the first right hit counts, and only when it is in the top 5.
        first = [r["features"][r["rank"] - 1] if r["rank"] and r["rank"] <= TOP else None for r in self.ans]
        self.in_top = np.array([f is not None for f in first], dtype=bool)
        f = np.array([x if x is not None else (-9.0, -9.0, 0.0) for x in first], dtype="float64").reshape(-1, 3)
        self.ans_cos, self.ans_cov, self.ans_lit = f[:, 0], f[:, 1], f[:, 2] > 0
        self.ans_files = np.array([r["file"] for r in self.ans])
        self.off_files = np.array([r["file"] for r in self.off])

    def gate(self, d: float) -> "Features":
        """Evaluate with UNKNOWN_SHARE = d: a question whose unknown share reaches d has no
        confident hit but a literal one."""
        self.d = d
        return self

    def rates(self, a: float, b: float, c: float, files=None) -> tuple[float, float, int, int]:
        """(off-topic confident rate, answerable confident-right-in-top-5 rate, n off, n answerable)."""
        og, ag = self.off_unknown < self.d, self.ans_unknown < self.d
        conf = (((self.off_cos >= a) | ((self.off_cov >= c) & (self.off_cos >= b))) & og) | self.off_lit
        anyconf = np.zeros(len(self.off), dtype=bool)
        np.logical_or.at(anyconf, self.off_q, conf)
        keep = (((self.ans_cos >= a) | ((self.ans_cov >= c) & (self.ans_cos >= b))) & ag) | self.ans_lit
        keep &= self.in_top
        om = np.ones(len(self.off), bool) if files is None else np.isin(self.off_files, files)
        am = np.ones(len(self.ans), bool) if files is None else np.isin(self.ans_files, files)
        return (anyconf[om].mean() if om.any() else float("nan"), keep[am].mean() if am.any() else float("nan"),
                int(om.sum()), int(am.sum()))

    def grid(self, As, Bs, Cs) -> np.ndarray:
        """Rows (a, b, c, off-topic rate, answerable rate) for every a in As, b in Bs (b <= a), c in Cs."""
        Cs = np.asarray(Cs, dtype="float64")
        rows = []
        # Per question and hit, the lowest coverage that makes the lexical rule fire is the hit's
        # own coverage: conf(c) = cos >= a or lit or (cos >= b and cov >= c), vectorised over c.
        og, ag = self.off_unknown < self.d, self.ans_unknown < self.d
        for a in As:
            off_dense = ((self.off_cos >= a) & og) | self.off_lit
            ans_dense = (((self.ans_cos >= a) & ag) | self.ans_lit) & self.in_top
            for b in Bs:
                if b > a + 1e-9:
                    continue
                off_lex = ((self.off_cos >= b) & og)[:, None] & (self.off_cov[:, None] >= Cs[None, :])
                conf = off_dense[:, None] | off_lex
                anyconf = np.zeros((len(self.off), len(Cs)), dtype=bool)
                np.logical_or.at(anyconf, self.off_q, conf)
                ans_lex = ((self.ans_cos >= b) & ag & self.in_top)[:, None] & (self.ans_cov[:, None] >= Cs[None, :])
                keep = ans_dense[:, None] | ans_lex
                off_rate = anyconf.mean(axis=0) if len(self.off) else np.zeros(len(Cs))
                ans_rate = keep.mean(axis=0) if len(self.ans) else np.zeros(len(Cs))
                for j, c in enumerate(Cs):
                    rows.append((a, b, c, off_rate[j], ans_rate[j]))
        return np.array(rows)


def frontier(g: np.ndarray) -> np.ndarray:
    """The Pareto front: for each off-topic rate, the best answerable rate, dropping dominated ones."""
    best = {}
    for row in g:
        off = round(row[3], 6)
        if off not in best or row[4] > best[off][4]:
            best[off] = row
    front, top = [], -1.0
    for off in sorted(best):
        if best[off][4] > top + 1e-12:
            front.append(best[off])
            top = best[off][4]
    return np.array(front)


def report(F: Features, label: str, th: tuple[float, float, float], files: list[str]) -> None:
    off, ans, no, na = F.rates(*th)
    print(f"{label:<34} A={th[0]:.2f} B={th[1]:.2f} C={th[2]:.2f}   off-topic confident {_pct(off)} (n={no})   "
          f"answerable confident-right@5 {_pct(ans)} (n={na})")
    if len(files) > 1:
        for f in files:
            o, a, n_o, n_a = F.rates(*th, files=[f])
            bits = ([f"off-topic {_pct(o)} (n={n_o})"] if n_o else []) + ([f"answerable {_pct(a)} (n={n_a})"] if n_a else [])
            print(f"    {f:<30} " + "   ".join(bits))


def _pct(x) -> str:
    return "  n/a" if x != x else f"{100 * x:5.1f}%"


def describe(F: Features) -> None:
    """Where the features of the two kinds of question lie: what a floor can separate at best."""
    ceiling = F.in_top.mean() if len(F.ans) else float("nan")
    print(f"answerable questions with a right hit in the top {TOP} at all (the ceiling of the answerable rate, "
          f"whatever the floor): {_pct(ceiling)} ({int(F.in_top.sum())}/{len(F.ans)})")
    if len(F.off):
        top_off = np.full(len(F.off), -1.0)
        np.maximum.at(top_off, F.off_q, F.off_cos)
        lit = np.zeros(len(F.off), bool)
        np.logical_or.at(lit, F.off_q, F.off_lit)
        q = np.percentile(top_off, [50, 90, 95, 100])
        print(f"off-topic questions: best hit cosine median {q[0]:.3f}, p90 {q[1]:.3f}, p95 {q[2]:.3f}, max {q[3]:.3f};"
              f" {int(lit.sum())} with a literal match (confident whatever the thresholds)")
    if F.in_top.any():
        cos = F.ans_cos[F.in_top]
        q = np.percentile(cos, [5, 10, 25, 50])
        print(f"answerable questions' first right hit (top {TOP}): cosine p5 {q[0]:.3f}, p10 {q[1]:.3f}, "
              f"p25 {q[2]:.3f}, median {q[3]:.3f}; coverage median {np.median(F.ans_cov[F.in_top]):.2f}")


def current() -> tuple[float, float, float]:
    from cs_archive import search as S

    return (S.CONFIDENT_COSINE, S.LEXICAL_COSINE, S.LEXICAL_COVERAGE)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("files", nargs="*", help="development question files (calibrated on)")
    ap.add_argument("--index", help="the archive (folder, faiss:///PATH or postgresql://...)")
    ap.add_argument("--check", nargs="+", metavar="FILE", help="held-out files: report only, with --thresholds")
    ap.add_argument("--thresholds", help="A,B,C: CONFIDENT_COSINE, LEXICAL_COSINE, LEXICAL_COVERAGE to report")
    ap.add_argument("--max-offtopic", type=float, default=0.05, help="target off-topic confident rate (0.05)")
    ap.add_argument("--min-answerable", type=float, default=0.95, help="target answerable rate (0.95), reported")
    ap.add_argument("--features", metavar="FILE", help="save the recorded features here (JSON)")
    ap.add_argument("--load", metavar="FILE", help="reuse features saved by --features instead of searching")
    ap.add_argument("--show", type=int, default=10, help="candidates to print (10)")
    ap.add_argument("--unknown-share", type=float, help="UNKNOWN_SHARE to evaluate (default: search's own; "
                                                         "2 turns the rule off); swept for the current thresholds")
    a = ap.parse_args()

    files = a.check or a.files
    if not files and not a.load:
        ap.error("give development question files, or --check held-out files")
    if a.check and a.files:
        ap.error("--check reports held-out files only: give the development files in a separate run")
    if not a.check and HELD_OUT & {os.path.basename(f) for f in a.files}:
        ap.error(f"{', '.join(sorted(HELD_OUT))} are held out: report them with --check, never calibrate on them")
    if a.load:
        rows = json.loads(Path(a.load).read_text())
    else:
        if not a.index:
            ap.error("--index is needed to search")
        qs = load_questions(files)
        print(f"searching {len(qs)} questions from {', '.join(os.path.basename(f) for f in files)} "
              f"in {a.index} (k={K})", file=sys.stderr)
        rows = record(a.index, qs)
        if a.features:
            Path(a.features).write_text(json.dumps(rows))
    names = list(dict.fromkeys(r["file"] for r in rows))
    if not a.check and HELD_OUT & set(names):
        ap.error(f"the features hold held-out questions ({', '.join(sorted(HELD_OUT & set(names)))}): use --check")
    F = Features(rows)
    left = sum(not r["usable"] for r in rows)
    now = current()
    from cs_archive import search as S

    F.gate(S.UNKNOWN_SHARE if a.unknown_share is None else a.unknown_share)
    print(f"UNKNOWN_SHARE evaluated: {F.d:g}")
    for d in (2.0, 0.5, 0.4, 0.3, 0.25, 0.2, 0.15, 0.1, 0.05):
        o, s_, _, _ = Features(rows).gate(d).rates(*now)
        print(f"    current A,B,C with UNKNOWN_SHARE {d:<4g}: off-topic confident {_pct(o)}   answerable {_pct(s_)}")
    print(f"questions: {len(F.ans)} answerable, {len(F.off)} off-topic" + (f" ({left} left out)" if left else ""))
    describe(F)
    print()

    if a.check:
        print("HELD-OUT CHECK (reported, never tuned on)")
        report(F, "current thresholds", now, names)
        if a.thresholds:
            th = tuple(float(x) for x in a.thresholds.split(","))
            report(F, "given thresholds", th, names)
        return 0

    print("DEVELOPMENT (calibration) set")
    report(F, "current thresholds", now, names)
    if a.thresholds:
        report(F, "given thresholds", tuple(float(x) for x in a.thresholds.split(",")), names)
    As = np.round(np.arange(0.30, 0.801, 0.01), 2)
    Bs = np.round(np.arange(0.10, 0.801, 0.01), 2)
    Cs = np.round(np.arange(0.0, 1.001, 0.05), 2)
    g = F.grid(As, Bs, Cs)
    print(f"\ngrid: {len(g):,} candidates (A {As[0]}-{As[-1]}, B {Bs[0]}-A, C {Cs[0]}-{Cs[-1]})")
    ok = g[g[:, 3] <= a.max_offtopic + 1e-12]
    if len(ok):
        dist = np.abs(ok[:, 0] - now[0]) + np.abs(ok[:, 1] - now[1]) + np.abs(ok[:, 2] - now[2])
        order = np.lexsort((dist, ok[:, 3], -ok[:, 4]))
        print(f"best candidates with off-topic rate <= {a.max_offtopic:.0%} (highest answerable rate first):")
        for row in ok[order[: a.show]]:
            print(f"    A={row[0]:.2f} B={row[1]:.2f} C={row[2]:.2f}   off-topic {_pct(row[3])}   answerable {_pct(row[4])}")
        pick = tuple(float(x) for x in ok[order[0], :3])
        print()
        report(F, "suggested thresholds", pick, names)
        met = ok[order[0], 4] >= a.min_answerable
        print(f"targets (off-topic <= {a.max_offtopic:.0%}, answerable >= {a.min_answerable:.0%}): "
              + ("both met on the development set" if met else "the answerable target is NOT met"))
        print(f"check held-out with: --check FILES --thresholds {pick[0]:.2f},{pick[1]:.2f},{pick[2]:.2f}")
    else:
        print(f"no candidate keeps the off-topic rate <= {a.max_offtopic:.0%}")
    front = frontier(g)
    print("\ntrade-off frontier (for each off-topic rate, the best answerable rate):")
    for row in front:
        print(f"    off-topic {_pct(row[3])}   answerable {_pct(row[4])}   A={row[0]:.2f} B={row[1]:.2f} C={row[2]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
