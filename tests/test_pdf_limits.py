"""Hostile PDFs, made here a few hundred bytes each, against the limits on reading one PDF
(``chunking/pdf.py``: ``CS_ARCHIVE_PDF_TIMEOUT``, ``CS_ARCHIVE_PDF_MEMORY_MB``,
``CS_ARCHIVE_PDF_MAX_CHARS``). Each used to run for minutes or hours, or grow without end,
while the ingest held the archive's lock; now each fails alone, soon, with one line naming the
limit, and the rest of the batch is read. Small limits keep the tests to seconds."""
from __future__ import annotations

import shutil
import time
import zlib
from pathlib import Path

import pytest

from cs_archive.chunking import pdf
from cs_archive.chunking.load import load
from cs_archive.index.store import Archive
from cs_archive.models import LoadError

REPORT = Path(__file__).resolve().parent / "fixtures" / "pdf" / "report_running_headers.pdf"
FONT = b"<< /Font << /F1 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> >> >>"
FORM = b"/Type /XObject /Subtype /Form /BBox [0 0 612 792] "
LINES = b"BT /F1 10 Tf 72 700 Td 12 TL " + b"(The council resolved to approve the report.) Tj T* " * 200 + b"ET"


def pdf_of(*objects: bytes) -> bytes:
    """A PDF of these objects, numbered from 1 (the catalog), with a correct cross-reference table."""
    out, offsets = bytearray(b"%PDF-1.7\n"), []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def stream(data: bytes, entries: bytes = b"") -> bytes:
    packed = zlib.compress(data, 9)
    return b"<< %s/Length %d /Filter /FlateDecode >>\nstream\n%s\nendstream" % (entries, len(packed), packed)


def shared_pages(content: bytes, resources: bytes = FONT, *more: bytes, fan: int = 30) -> bytes:
    """fan x fan pages in a file of a kilobyte or two: every leaf of the page tree is the same page
    (object 4), drawing the same content stream (5). ``more`` are objects 6, 7, ..."""
    return pdf_of(b"<< /Type /Catalog /Pages 2 0 R >>",
                  b"<< /Type /Pages /Count %d /Kids [%s] >>" % (fan * fan, b" 3 0 R" * fan),
                  b"<< /Type /Pages /Count %d /Kids [%s] >>" % (fan, b" 4 0 R" * fan),
                  b"<< /Type /Page /MediaBox [0 0 612 792] /Contents 5 0 R /Resources %s >>" % resources,
                  stream(content), *more)


def laughs(levels: int, lines: int) -> bytes:
    """A page drawing form X<levels>, which draws X<levels-1> ten times, ... down to X0, which
    writes ``lines`` lines: the text of X0 ten to the power ``levels`` times, on each of 900 pages."""
    forms = [stream(b"BT /F1 10 Tf 72 700 Td 12 TL " + b"(Ha ha, said the council.) Tj T* " * lines + b"ET",
                    FORM + b"/Resources %s " % FONT)]
    for level in range(1, levels + 1):  # X<level> is object 6 + level; it draws X<level - 1>
        forms.append(stream(b"/X Do " * 10, FORM + b"/Resources << /XObject << /X %d 0 R >> >> " % (5 + level)))
    return shared_pages(b"/X Do", b"<< /XObject << /X %d 0 R >> >>" % (6 + levels), *forms)


def memory_hog(pages: int, mb: int) -> bytes:
    """Pages each drawing a content stream of its own that unpacks to ``mb`` MB (of spaces),
    all of them kept by pypdf once read."""
    body = stream(b" " * (mb << 20))
    kids = b" ".join(b"%d 0 R" % (3 + 2 * i) for i in range(pages))
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Count %d /Kids [%s] >>" % (pages, kids)]
    for i in range(pages):
        objects += [b"<< /Type /Page /MediaBox [0 0 612 792] /Contents %d 0 R /Resources %s >>" % (4 + 2 * i, FONT),
                    body]
    return pdf_of(*objects)


def failure(path: Path) -> tuple[str, float]:
    """The one line loading ``path`` fails with, and how long it took to fail."""
    start = time.monotonic()
    with pytest.raises(LoadError) as caught:
        load(path)
    line = caught.value.line(path)
    assert "\n" not in line
    return line, time.monotonic() - start


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    (tmp_path / name).write_bytes(data)
    return tmp_path / name


@pytest.mark.parametrize("name, data", [("shared_content.pdf", shared_pages(LINES)),  # about 10 million characters
                                        ("laughs.pdf", laughs(levels=3, lines=100))])  # about 4 billion
def test_a_pdf_that_reads_for_ever_stops_at_the_time_limit(tmp_path, monkeypatch, name, data):
    monkeypatch.setenv("CS_ARCHIVE_PDF_TIMEOUT", "1")
    path = write(tmp_path, name, data)
    line, seconds = failure(path)
    assert line == (f"{path}: text extraction took over 1 s (CS_ARCHIVE_PDF_TIMEOUT). The PDF may be malformed: "
                    "re-save it (e.g. print it to a new PDF), or raise the limit.")
    assert 1 <= seconds < 11
    assert "1.1 This report sets out" in load(REPORT).text  # a fresh worker reads the next file


def test_a_pdf_of_too_much_text_stops_at_the_character_limit(tmp_path, monkeypatch):
    monkeypatch.setenv("CS_ARCHIVE_PDF_MAX_CHARS", "100000")  # pages of 9,000 characters each
    path = write(tmp_path, "shared_content.pdf", shared_pages(LINES))
    line, seconds = failure(path)
    assert line == (f"{path}: over 100,000 characters of text (CS_ARCHIVE_PDF_MAX_CHARS). The PDF may be "
                    "malformed: re-save it (e.g. print it to a new PDF), or raise the limit.")
    assert seconds < 10


def test_a_page_of_forms_drawing_forms_stops_at_the_page_limit(tmp_path, monkeypatch):
    monkeypatch.setattr(pdf, "PAGE_CHARS", 20_000)  # the page holds 100 copies of 250 characters
    path = write(tmp_path, "laughs.pdf", laughs(levels=2, lines=10))
    line, seconds = failure(path)
    assert line == (f"{path}: over 20,000 characters of text on page 1 alone, more than a real page holds. "
                    "The PDF may be malformed: re-save it (e.g. print it to a new PDF).")
    assert seconds < 10


def test_content_nested_thousands_deep_is_named(tmp_path):
    nested = b"BT /F1 10 Tf (Hello) Tj " + b"[" * 5000 + b"]" * 5000 + b" TJ ET"  # an array in an array in ...
    path = write(tmp_path, "nested.pdf", shared_pages(nested))
    line, seconds = failure(path)
    assert line == (f"{path}: page 1 is nested too deeply to read (RecursionError). The PDF may be malformed: "
                    "re-save it (e.g. print it to a new PDF).")
    assert seconds < 10


def test_a_pdf_that_unpacks_to_too_much_stops_at_the_memory_limit(tmp_path, monkeypatch):
    monkeypatch.setenv("CS_ARCHIVE_PDF_MEMORY_MB", "150")
    path = write(tmp_path, "unpacks.pdf", memory_hog(pages=4, mb=50))
    line, seconds = failure(path)
    assert line == (f"{path}: text extraction needed over 150 MB of memory (CS_ARCHIVE_PDF_MEMORY_MB). The PDF may "
                    "be malformed: re-save it (e.g. print it to a new PDF), or raise the limit.")
    assert seconds < 20
    assert "1.1 This report sets out" in load(REPORT).text


def test_a_worker_killed_while_idle_is_replaced():
    load(REPORT)
    process, _ = pdf._worker
    process.kill()
    process.wait()
    assert "1.1 This report sets out" in load(REPORT).text


def test_ingest_stores_the_good_pdf_and_reports_the_hostile_one(cli, hash_env, tmp_path, monkeypatch):
    monkeypatch.setenv("CS_ARCHIVE_PDF_TIMEOUT", "1")
    monkeypatch.setenv("CS_ARCHIVE_OCR", "0")
    folder = tmp_path / "papers"
    folder.mkdir()
    bad = write(folder, "a_shared_content.pdf", shared_pages(LINES))
    good = folder / "b_report.pdf"
    shutil.copy(REPORT, good)
    r = cli("ingest", folder, "--index", tmp_path / "index")
    assert r.code == 0, r.err
    assert [ln for ln in r.err.splitlines() if str(bad) in ln] == [
        f"{bad}: text extraction took over 1 s (CS_ARCHIVE_PDF_TIMEOUT). The PDF may be malformed: re-save it "
        "(e.g. print it to a new PDF), or raise the limit."]
    assert "1 added, 0 updated, 0 unchanged, 1 failed" in r.err
    archive = Archive(tmp_path / "index")
    try:
        assert [row[0] for row in archive.db.execute("SELECT source FROM files")] == [str(good)]
    finally:
        archive.close()
