#!/usr/bin/env python3
"""Search latency with and without highlights, in one warm process (model loaded once).

    .venv/bin/python bench/search_speed.py --index index

Runs every question of eval/qrels.jsonl twice (highlights off, then on) and prints the
median and 90th percentile per search. A script, not a test: timings depend on the machine.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--index", default="index")
    ap.add_argument("--qrels", default=str(ROOT / "eval" / "qrels.jsonl"))
    ap.add_argument("-k", type=int, default=10)
    a = ap.parse_args(argv)

    from cs_archive.embed import get_embedder
    from cs_archive.evaluate import load_qrels
    from cs_archive.index.store import Archive
    from cs_archive.search import search

    archive, embedder = Archive(a.index), get_embedder()
    queries = [q.query for q in load_qrels(a.qrels)]
    search(archive, embedder, "warm up", k=a.k)  # load the model and the NLTK data once
    for highlights in (False, True):
        took = []
        for q in queries:
            t = time.perf_counter()
            search(archive, embedder, q, k=a.k, highlights=highlights)
            took.append(time.perf_counter() - t)
        took.sort()
        p90 = took[int(0.9 * (len(took) - 1))]
        print(f"highlights {'on ' if highlights else 'off'}: {len(took)} searches, median "
              f"{1000 * statistics.median(took):.0f} ms, p90 {1000 * p90:.0f} ms, max {1000 * took[-1]:.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
