"""What OCR costs: seconds per scanned page, and the ingest of a scanned 50-page paper.

    PYTHONPATH=src .venv/bin/python bench/ocr.py [PAGES]   (default: 50)

1. Each scanned page of tests/fixtures/ocr/ (150 dpi, grey) is read alone by
   ``chunking.ocr.read_page`` (pdftoppm at 300 dpi, then Tesseract), one at a time.
2. A scanned paper of PAGES pages (those pages repeated) is ingested into a new archive with
   the fast HashEmbedder and an empty OCR cache (pages read in as many worker processes as
   there are CPUs), then ingested again (every page from the cache).
3. The survey a PDF gets the first time it is ingested (``pdftotext`` and ``pdfimages``: which
   pages need OCR), timed on a 2,000-page typed PDF: the cost OCR adds to papers that need
   none; then again, when the result is remembered.
"""
from __future__ import annotations

import io
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCANS = ROOT / "tests" / "fixtures" / "ocr"
sys.path.insert(0, str(ROOT / "tests" / "fixtures" / "bad"))


def per_page() -> list[float]:
    from cs_archive.chunking.ocr import read_page

    seconds = []
    for name, page in (("scanned_report.pdf", 1), ("scanned_report.pdf", 2), ("mixed_report.pdf", 2)):
        t0 = time.perf_counter()
        result = read_page(SCANS / name, page)
        seconds.append(time.perf_counter() - t0)
        assert result.problem is None, result
        print(f"  {name} page {page}: {seconds[-1]:.1f} s, {len(result.text.split())} words")
    return seconds


def scanned_paper(path: Path, pages: int) -> Path:
    from pypdf import PdfReader, PdfWriter

    source = PdfReader(SCANS / "scanned_report.pdf")
    writer = PdfWriter()
    for n in range(pages):
        writer.add_page(source.pages[n % len(source.pages)])
    buf = io.BytesIO()
    writer.write(buf)
    path.write_bytes(buf.getvalue())
    return path


def main(argv: list[str]) -> None:
    from cs_archive.chunking.ocr import available, read_scans
    from cs_archive.embed import HashEmbedder
    from cs_archive.ingest import ingest
    from make_bad import write_big_pdf

    if available():
        sys.exit(f"cannot measure: {available()}")
    pages = int(argv[0]) if argv else 50
    print(f"CPUs: {os.cpu_count()}")
    print("1. OCR of one page at a time (render at 300 dpi + Tesseract):")
    seconds = per_page()
    print(f"   mean {sum(seconds) / len(seconds):.1f} s per page")

    with tempfile.TemporaryDirectory() as tmp:
        os.environ["CS_ARCHIVE_OCR_CACHE"] = str(Path(tmp) / "ocr-cache")
        pdf = scanned_paper(Path(tmp) / "scanned.pdf", pages)
        t0 = time.perf_counter()
        report = ingest([pdf], Path(tmp) / "index", HashEmbedder())
        first = time.perf_counter() - t0
        assert report.added and not report.failed, report.failed
        t0 = time.perf_counter()
        again = ingest([pdf], Path(tmp) / "index", HashEmbedder())
        second = time.perf_counter() - t0
        assert again.unchanged, again
        print(f"2. ingest of a scanned {pages}-page paper ({report.chunks} chunks): {first:.0f} s "
              f"({first / pages:.1f} s per page); again, from the OCR cache: {second:.1f} s")

        big = write_big_pdf(Path(tmp) / "typed.pdf", 2000)
        took = []
        for _ in range(2):
            t0 = time.perf_counter()
            assert read_scans([big]) == {}
            took.append(time.perf_counter() - t0)
        print(f"3. survey of a typed 2,000-page PDF (which pages need OCR): {took[0]:.1f} s; "
              f"again (remembered by its SHA-256): {took[1]:.2f} s")


if __name__ == "__main__":
    main(sys.argv[1:])
