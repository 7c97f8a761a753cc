"""Interleaved before/after timing of warm library searches (highlights off), for search work.

    python bench/search_ab.py ARCHIVE [ARCHIVE...] --src A=/path/to/old/src --src B=src [--rounds 3]

Each line is a fresh process per (round, archive, source tree), alternating the trees so that
load on a shared machine falls on both alike. In each process: the model loaded, one warm-up
round of the bench's questions, then ``--reps`` rounds. Printed: search p50 / p95, the median
one-query embedding, their ratios (the issue's measure), and the searches' thread CPU time
beside the embedding (median / p95), which load disturbs less than wall time.
``--dump FILE`` instead writes every hit (all fields) of the questions and eval/qrels.jsonl,
unfiltered and filtered, for comparing two trees' results.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
QUESTIONS = (ROOT / "bench" / "questions.txt").read_text().splitlines()  # bench/run.py's


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def probe(archive: str, reps: int) -> dict:
    import time

    from cs_archive import search as S
    from cs_archive.embed import get_embedder
    from cs_archive.index.store import Archive

    emb, a = get_embedder(), Archive(archive)
    for q in QUESTIONS:
        S.search(a, emb, q, 10, S.Filters(), False)
    wall, embed, cpu = [], [], []
    for _ in range(reps):
        for q in QUESTIONS:
            t0, c0 = time.perf_counter(), time.thread_time()
            emb.embed_query(q)
            t1, c1 = time.perf_counter(), time.thread_time()
            S.search(a, emb, q, 10, S.Filters(), False)
            t2, c2 = time.perf_counter(), time.thread_time()
            embed.append(t1 - t0)
            wall.append(t2 - t1)
            cpu.append((c2 - c1) - (c1 - c0))
    e = statistics.median(embed)
    return {"p50": pct(wall, 50), "p95": pct(wall, 95), "embed": e, "r50": pct(wall, 50) / e,
            "r95": pct(wall, 95) / e, "cpu50": pct(cpu, 50), "cpu95": pct(cpu, 95)}


def dump(archives: list[str], out: str) -> None:
    from cs_archive import search as S
    from cs_archive.embed import get_embedder
    from cs_archive.index.store import Archive

    qs = QUESTIONS + [json.loads(line)["query"] for line in (ROOT / "eval" / "qrels.jsonl").open()]
    emb, got = get_embedder(), {}
    for folder in archives:
        a = Archive(folder)
        for q in qs:
            for f in (S.Filters(), S.Filters(committee="cabinet"), S.Filters(since="2020-01-01")):
                got[f"{folder}|{q}|{f}"] = [dataclasses.asdict(h) for h in S.search(a, emb, q, 10, f, False)]
    Path(out).write_text(json.dumps(got))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("archives", nargs="+")
    ap.add_argument("--src", action="append", default=[], help="NAME=path of a source tree (repeat)")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--reps", type=int, default=4)
    ap.add_argument("--probe", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--dump", help="write every hit to this JSON file (one tree: PYTHONPATH) and stop")
    args = ap.parse_args()
    if args.dump:
        return dump(args.archives, args.dump)
    if args.probe:
        print(json.dumps(probe(args.archives[0], args.reps)))
        return
    trees = [s.split("=", 1) for s in args.src] or [["here", str(ROOT / "src")]]
    print(f"{'tree':<8} {'archive':<40} {'p50 ms':>7} {'p95 ms':>7} {'embed':>6} {'p50/e':>6} {'p95/e':>6} {'cpu50':>6} {'cpu95':>6}")
    for _ in range(args.rounds):
        for archive in args.archives:
            for name, src in trees:
                env = {**os.environ, "PYTHONPATH": str(Path(src).resolve()), "HF_HUB_OFFLINE": "1"}
                r = subprocess.run([sys.executable, __file__, archive, "--probe", "--reps", str(args.reps)],
                                   env=env, capture_output=True, text=True)
                if r.returncode:
                    sys.exit(r.stderr)
                m = json.loads(r.stdout.splitlines()[-1])
                print(f"{name:<8} {archive[-40:]:<40} {1e3 * m['p50']:7.1f} {1e3 * m['p95']:7.1f} {1e3 * m['embed']:6.1f} "
                      f"{m['r50']:6.2f} {m['r95']:6.2f} {1e3 * m['cpu50']:6.2f} {1e3 * m['cpu95']:6.2f}", flush=True)


if __name__ == "__main__":
    main()
