#!/usr/bin/env python3
"""Retrieval benchmark: our hybrid search against the usual approaches, same model, same run.

    .venv/bin/cs-archive ingest seeds --index index
    .venv/bin/python bench/retrieval.py --index index

Systems, all with the archive's model (all-MiniLM-L6-v2) and judged by the same rule
(``cs_archive.evaluate``: file prefix + the paragraph's text; section where given):

- hybrid (ours): ``search()`` as the CLI runs it;
- hybrid without the vocabulary: the same, no synonym/abbreviation variants (ablation);
- hybrid, RRF: the two arms fused by reciprocal rank (k=60) instead (ablation);
- BM25 only: the lexical arm alone (FTS5 bm25, no vocabulary);
- dense only: the FAISS arm alone;
- naive RAG: the raw files cut into fixed 1,000-character windows with 200 overlap, embedded,
  FAISS flat, no metadata (so no sections and no filters: it cannot apply them).

Prints one Markdown table a question set: our qrels (``eval/qrels.jsonl``) and the shared dev
questions; with ``--corpus``, on an archive of the seeds plus ``../shared/corpus/docs``, also
the shared corpus questions and our held-out ones (``eval/corpus_heldout.jsonl`` with the
off-topic ``eval/corpus_offtopic.jsonl``), the naive baseline then reading the PDFs' text too:

    .venv/bin/cs-archive ingest seeds ../shared/corpus/docs --index /tmp/real
    .venv/bin/python bench/retrieval.py --index /tmp/real --corpus
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from cs_archive.evaluate import Judged, Question, as_judged, evaluate, load_qrels  # noqa: E402

NAIVE_SIZE, NAIVE_OVERLAP = 1000, 200
NAIVE_CONFIDENT = 0.40  # the floor the archive used before calibration (dense cosine)
RRF_K = 60


def shared_dev(name: str = "eval/dev_questions.jsonl") -> Path | None:
    for base in (os.environ.get("CS_ARCHIVE_SHARED"), ROOT.parent / "shared", "/work/shared"):
        if base and (Path(base) / name).exists():
            return Path(base) / name
    return None


def _filters(q: Question):
    from cs_archive.search import Filters

    f = q.filters
    return Filters(since=f.get("since"), until=f.get("until"), committee=f.get("committee"),
                   council=f.get("council"), topic=f.get("topic"), doc_type=f.get("type"))


def ours(archive, embedder, **options):
    from cs_archive.search import search

    def run(q: Question, k: int) -> list[Judged]:
        return [as_judged(h) for h in search(archive, embedder, q.query, k=k, filters=_filters(q),
                                             highlights=False, **options)]
    return run


def rrf(archive, embedder, pool: int = 50):
    """Reciprocal rank fusion of the two single-arm rankings (the usual hybrid)."""
    from cs_archive.search import search

    def run(q: Question, k: int) -> list[Judged]:
        lists = [search(archive, embedder, q.query, k=pool, filters=_filters(q), highlights=False, arms=(arm,),
                        expand=False) for arm in ("dense", "lexical")]
        score, hit = {}, {}
        for hits in lists:
            for r, h in enumerate(hits):
                score[h.chunk_id] = score.get(h.chunk_id, 0.0) + 1.0 / (RRF_K + r + 1)
                hit.setdefault(h.chunk_id, h)
        order = sorted(score, key=lambda c: (-score[c], c))[:k]
        return [as_judged(hit[c]) for c in order]
    return run


def naive_rag(embedder, papers: list[Path]):
    """Fixed windows over the raw text of every file, FAISS flat, no metadata at all."""
    import faiss
    import numpy as np

    windows: list[tuple[str, str]] = []
    for path in sorted(p for folder in papers for p in folder.rglob("*")):
        if path.suffix.lower() == ".pdf":
            import pypdf

            text = "\n".join(page.extract_text() or "" for page in pypdf.PdfReader(path).pages)
        elif path.suffix.lower() in (".txt", ".md", ".html", ".htm"):
            text = path.read_text(encoding="utf-8", errors="replace")
        else:
            continue
        step = NAIVE_SIZE - NAIVE_OVERLAP
        for start in range(0, max(1, len(text) - NAIVE_OVERLAP), step):
            windows.append((str(path), text[start:start + NAIVE_SIZE]))
    vecs = embedder.embed([w for _, w in windows])
    index = faiss.IndexFlatIP(vecs.shape[1])
    index.add(vecs)

    def run(q: Question, k: int) -> list[Judged]:
        scores, ids = index.search(np.ascontiguousarray(embedder.embed_query(q.query).reshape(1, -1)), k)
        return [Judged(source=windows[i][0], text=windows[i][1], section=None, confident=float(s) >= NAIVE_CONFIDENT)
                for s, i in zip(scores[0], ids[0]) if i >= 0]
    return run, len(windows)


def row(name: str, metrics: dict) -> str:
    f = lambda x: "–" if x is None else f"{x:.3f}"  # noqa: E731
    pct = lambda x: "–" if x is None else f"{100 * x:.0f}%"  # noqa: E731
    return (f"| {name} | {f(metrics['recall@1'])} | {f(metrics['recall@5'])} | {f(metrics['recall@10'])} | "
            f"{f(metrics['mrr@10'])} | {f(metrics['ndcg@10'])} | {f(metrics['section_accuracy'])} | "
            f"{pct(metrics['offtopic_confident_rate'])} | {pct(metrics['answerable_lost_rate'])} |")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--index", default="index", help="the seed archive (cs-archive ingest seeds --index DIR)")
    ap.add_argument("--qrels", default=str(ROOT / "eval" / "qrels.jsonl"))
    ap.add_argument("--dev", default=None, help="shared dev questions (default: ../shared/eval/dev_questions.jsonl)")
    ap.add_argument("--papers", nargs="+", default=None,
                    help="the raw files, for the naive RAG baseline (default: seeds, and with --corpus the corpus too)")
    ap.add_argument("--corpus", action="store_true",
                    help="also the shared corpus questions and our held-out ones (archive: seeds + shared corpus)")
    ap.add_argument("-k", type=int, default=10)
    a = ap.parse_args(argv)

    from cs_archive.config import model_name
    from cs_archive.embed import get_embedder
    from cs_archive.index.store import Archive

    archive = Archive(a.index)
    archive.check_model(model_name())
    embedder = get_embedder()
    sets = [("qrels", load_qrels(a.qrels))]
    dev = Path(a.dev) if a.dev else shared_dev()
    if dev:
        sets.append(("dev", load_qrels(dev)))
    papers = [ROOT / "seeds"]
    if a.corpus:
        corpus = shared_dev("eval/corpus_questions.jsonl")
        if corpus is None:
            ap.error("--corpus: ../shared/eval/corpus_questions.jsonl not found (set CS_ARCHIVE_SHARED)")
        sets.append(("corpus questions", load_qrels(corpus)))
        sets.append(("held out", load_qrels(ROOT / "eval" / "corpus_heldout.jsonl")
                     + load_qrels(ROOT / "eval" / "corpus_offtopic.jsonl")))
        papers.append(corpus.parents[1] / "corpus" / "docs")
    naive, n_windows = naive_rag(embedder, [Path(p) for p in a.papers] if a.papers else papers)
    systems = [
        ("hybrid (ours)", ours(archive, embedder)),
        ("hybrid, no vocabulary", ours(archive, embedder, expand=False)),
        ("hybrid, RRF k=60", rrf(archive, embedder)),
        ("BM25 only", ours(archive, embedder, arms=("lexical",), expand=False)),
        ("dense only", ours(archive, embedder, arms=("dense",))),
        (f"naive RAG ({n_windows} windows of 1,000 chars)", naive),
    ]
    print(f"model {embedder.name}; archive {a.index}; k={a.k}")
    for set_name, questions in sets:
        n = sum(not q.offtopic for q in questions)
        off = sum(q.offtopic for q in questions)
        print(f"\n{set_name}: {n} answerable" + (f", {off} off-topic" if off else "") + "\n")
        print("| system | R@1 | R@5 | R@10 | MRR@10 | nDCG@10 | section | off-topic confident | right answer not confident |")
        print("|---|---|---|---|---|---|---|---|---|")
        for name, run in systems:
            print(row(name, evaluate(questions, run, k=a.k).metrics()), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
