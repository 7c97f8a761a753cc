"""Peak memory of ingesting one very large PDF, at several sizes: is it bounded?

    PYTHONPATH=src .venv/bin/python bench/bigpdf.py [PAGES ...]   (default: 500 2000 5000)

Each size runs in a fresh process (so peak RSS is that run's own): a PDF of PAGES text pages
(40 lines each, made by tests/fixtures/bad/make_bad.py) is ingested into a new archive with
the fast HashEmbedder (CS_ARCHIVE_MODEL=hash: the model's own memory is not what is measured).
Prints pages, file size, extracted characters, chunks, seconds and peak RSS; the RSS growth per
1,000 pages, against the text's own size, shows whether memory follows the text (bounded by
it) or more.
"""
from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "fixtures" / "bad"))


def one(pages: int) -> dict:
    from make_bad import write_big_pdf

    from cs_archive.embed import HashEmbedder
    from cs_archive.index.store import Archive
    from cs_archive.ingest import ingest

    with tempfile.TemporaryDirectory() as tmp:
        pdf = write_big_pdf(Path(tmp) / "big.pdf", pages)
        base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        t0 = time.perf_counter()
        report = ingest([pdf], Path(tmp) / "index", HashEmbedder())
        seconds = time.perf_counter() - t0
        assert report.added and not report.failed, report.failed
        a = Archive(Path(tmp) / "index")
        chars = a.db.execute("SELECT sum(length(text)) FROM chunks").fetchone()[0]
        a.close()
        return {"pages": pages, "mb_file": round(pdf.stat().st_size / 2**20, 1), "chars": chars,
                "chunks": report.chunks, "seconds": round(seconds, 1),
                "rss_before_mb": round(base / 1024), "peak_rss_mb": round(resource.getrusage(
                    resource.RUSAGE_SELF).ru_maxrss / 1024)}


def main(argv: list[str]) -> None:
    if argv[:1] == ["--one"]:
        print(json.dumps(one(int(argv[1]))))
        return
    sizes = [int(a) for a in argv] or [500, 2000, 5000]
    env = dict(os.environ, CS_ARCHIVE_MODEL="hash", PYTHONPATH=str(ROOT / "src"))
    rows = []
    print(f"{'pages':>6} {'file MB':>8} {'chars':>10} {'chunks':>7} {'seconds':>8} {'RSS before':>11} {'peak RSS':>9}")
    for pages in sizes:
        out = subprocess.run([sys.executable, __file__, "--one", str(pages)], env=env, capture_output=True,
                             text=True, check=True)
        r = json.loads(out.stdout.strip().splitlines()[-1])
        rows.append(r)
        print(f"{r['pages']:>6} {r['mb_file']:>8} {r['chars']:>10} {r['chunks']:>7} {r['seconds']:>8} "
              f"{r['rss_before_mb']:>9} MB {r['peak_rss_mb']:>6} MB", flush=True)
    if len(rows) > 1:
        a, b = rows[0], rows[-1]
        per_k = (b["peak_rss_mb"] - a["peak_rss_mb"]) / (b["pages"] - a["pages"]) * 1000
        text_per_k = (b["chars"] - a["chars"]) / (b["pages"] - a["pages"]) * 1000 / 2**20
        print(f"peak RSS grows {per_k:.1f} MB per 1,000 pages; the text itself is {text_per_k:.1f} MB per 1,000 pages")


if __name__ == "__main__":
    main(sys.argv[1:])
