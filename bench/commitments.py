"""How fast the commitments register answers (issue 24). Prints figures; asserts nothing.

    HF_HUB_OFFLINE=1 .venv/bin/cs-archive ingest seeds /work/shared/corpus/docs --index /tmp/cm/idx
    HF_HUB_OFFLINE=1 .venv/bin/python bench/commitments.py --index /tmp/cm/idx

Figures:
- store: computing the stored register from scratch (extraction + one follow-up search per
  commitment), what ingest does the first time or after an extractor change; skipped when the
  store is current unless ``--rebuild``.
- register: ``commitments.register`` for all councils, in process, the store current (best of 3).
- cli: ``cs-archive commitments --json`` as a user runs it (a fresh process, best of 3).
- page: the Commitments page's first open (``AppTest``, a fresh Streamlit cache).
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def page(folder: str) -> None:
    from cs_archive.ui.pages.commitments import render

    render(folder)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--index", required=True)
    ap.add_argument("--rebuild", action="store_true", help="recompute the stored register first, timed")
    args = ap.parse_args()

    from cs_archive.commitments import store
    from cs_archive.commitments.register import Selection, register
    from cs_archive.embed import get_embedder
    from cs_archive.index import open_archive

    archive = open_archive(args.index)
    path = store.store_path(archive)
    if args.rebuild and path is not None and path.exists():
        path.unlink()
        store._MEMO.clear()
    if store.load(archive) is None:
        t = time.perf_counter()
        embedder = get_embedder()
        loaded = time.perf_counter() - t
        t = time.perf_counter()
        n = len(store.entries(archive, embedder))
        print(f"store: {n} commitments computed in {time.perf_counter() - t:.1f} s (model load {loaded:.1f} s)")
    archive.close()

    best = float("inf")
    for _ in range(3):
        store._MEMO.clear()
        archive = open_archive(args.index)
        t = time.perf_counter()
        records = register(archive, get_embedder, Selection())
        best = min(best, time.perf_counter() - t)
        archive.close()
    print(f"register: {len(records)} records (all councils, procedural hidden) in {best:.3f} s")

    env = dict(os.environ, HF_HUB_OFFLINE="1")
    exe = ROOT / ".venv" / "bin" / "cs-archive"
    best = float("inf")
    for _ in range(3):
        t = time.perf_counter()
        done = subprocess.run([str(exe), "commitments", "--index", args.index, "--json"], env=env,
                              capture_output=True)
        best = min(best, time.perf_counter() - t)
    print(f"cli: `cs-archive commitments --json` exit {done.returncode} in {best:.2f} s (a fresh process)")

    from streamlit.testing.v1 import AppTest

    store._MEMO.clear()
    at = AppTest.from_function(page, args=(args.index,), default_timeout=300)
    t = time.perf_counter()
    at.run()
    first = time.perf_counter() - t
    rows = len(at.dataframe[0].value) if at.dataframe else 0
    print(f"page: first open in {first:.2f} s ({rows} rows{', error: ' + str(at.exception) if at.exception else ''})")


if __name__ == "__main__":
    sys.exit(main())
