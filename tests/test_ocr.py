"""Scanned papers made searchable with the real Tesseract, page by page (chunking/ocr.py).

The fixtures in tests/fixtures/ocr/ (made by make_scans.py) are typed pages rendered to
pictures at 150 dpi and wrapped back into PDFs with no text layer. Each test gets its own OCR
cache; the tests that read pages skip, saying why, where Tesseract or poppler is missing."""
from __future__ import annotations

import json
import os
import shutil
import stat
from pathlib import Path

import pytest

from cs_archive.chunking import iter_chunks, papers_of
from cs_archive.chunking.load import NeedsOCR, load
from cs_archive.chunking.ocr import OcrCache, PageText, available, junk_text, read_page, survey
from cs_archive.index.store import Archive

ROOT = Path(__file__).resolve().parents[1]
SCANS = ROOT / "tests" / "fixtures" / "ocr"
WHOLE = "scanned_report.pdf"  # pages 1-2 of make_scans.PAGES, scanned
MIXED = "mixed_report.pdf"  # page 1 typed, page 2 scanned, page 3 typed
ON_PAGE_2 = "assessed by the Drainage Team within twenty working days"  # printed on the scanned page

needs_tesseract = pytest.mark.skipif(available() is not None and "turned off" not in (available() or ""),
                                     reason=f"{available()}: the OCR tests need the real Tesseract")


@pytest.fixture(autouse=True)
def own_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("CS_ARCHIVE_OCR_CACHE", str(tmp_path / "ocr-cache"))
    monkeypatch.delenv("CS_ARCHIVE_OCR", raising=False)
    return tmp_path / "ocr-cache"


@pytest.fixture
def papers(tmp_path) -> Path:
    folder = tmp_path / "papers"
    folder.mkdir()
    for name in (WHOLE, MIXED, "blank_scan.pdf"):
        shutil.copy(SCANS / name, folder / name)
    return folder


def _logging_tesseract(tmp_path: Path, monkeypatch) -> Path:
    """A ``tesseract`` first on PATH that notes each call in a file, then runs the real one
    (the pages are read in worker processes: a file counts calls from all of them)."""
    real, log = shutil.which("tesseract"), tmp_path / "tesseract-calls"
    wrapper = tmp_path / "bin" / "tesseract"
    wrapper.parent.mkdir()
    wrapper.write_text(f'#!/bin/sh\necho "$@" >> "{log}"\nexec "{real}" "$@"\n')
    wrapper.chmod(wrapper.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{wrapper.parent}{os.pathsep}{os.environ['PATH']}")
    return log


# -- pure functions --------------------------------------------------------------------------
@pytest.mark.parametrize("text, junk", [
    ("", False),
    ("1.1 This report asks the Committee to approve a scheme of grants.", False),
    ("£3,412,560 4,812 1,206 14% 2024/25 (a) 10.5", False),  # a table of figures is text
    ("Cabinet", False),
    ("\ue000\ue001\ue002 \ue003\ue004 \x07\x08", True),  # private-use and control characters
    ("~^` ¬¦ ¤¤ §¶ ^^~ ¸˛ ¤¬ ~~ ^` ¦¦", True),  # mostly symbols
    ("(cid:3)(cid:4)(cid:5) (cid:6)(cid:7)", True),  # glyph codes with no character map
    ("Il1 l1I 1lI |l1 I1l lI| l1| 1I1", True),  # a scanner's garbage layer
])
def test_junk_text(text, junk):
    assert junk_text(text) is junk


def test_ocr_is_turned_off_by_the_setting(monkeypatch):
    monkeypatch.setenv("CS_ARCHIVE_OCR", "0")
    assert available() == "OCR is turned off (CS_ARCHIVE_OCR=0)"


def test_the_cache_keeps_text_and_lasting_problems_only(own_cache):
    cache = OcrCache("ab" * 32)
    cache.put(PageText(1, "Report to Cabinet"))
    cache.put(PageText(2, "", "no words found (a blank page, or a picture with no text)"))
    cache.put(PageText(3, "", "OCR took longer than 120 s (CS_ARCHIVE_OCR_TIMEOUT)", lasting=False))
    assert cache.texts([1, 2, 3, 4]) == {
        1: PageText(1, "Report to Cabinet"),
        2: PageText(2, "", "no words found (a blank page, or a picture with no text)")}
    assert not [p for p in (own_cache / ("ab" * 32)).iterdir() if p.name.startswith(".")], "no temporary files left"


def test_the_loader_puts_ocr_text_in_place_keeping_pages():
    with pytest.raises(NeedsOCR):
        load(SCANS / WHOLE)  # without OCR text, as before
    loaded = load(SCANS / MIXED, {2: f"3. Proposals\n3.2 Claims will be {ON_PAGE_2}."})
    assert loaded.ocr_done == (2,) and loaded.ocr_pages == ()
    assert loaded.page_at(loaded.text.index(ON_PAGE_2)) == 2
    assert loaded.page_at(loaded.text.index("Purpose of the report")) == 1
    assert loaded.page_at(loaded.text.index("Financial implications")) == 3
    # Text given for a page with a good text layer of its own is not used.
    assert load(SCANS / MIXED, {1: "something else entirely"}).ocr_done == ()


# -- the real Tesseract ----------------------------------------------------------------------
@needs_tesseract
def test_a_scanned_page_is_read_and_its_chunks_marked():
    assert survey(SCANS / WHOLE) == (1, 2) and survey(SCANS / MIXED) == (2,)
    page = read_page(SCANS / MIXED, 2)
    assert page.problem is None and ON_PAGE_2 in " ".join(page.text.split())
    loaded = load(SCANS / MIXED, {2: page.text})
    papers = papers_of(loaded, str(SCANS / MIXED), "sha")
    marked = {c.page for c in iter_chunks(papers, loaded) if c.ocr}
    assert marked == {2}


@needs_tesseract
def test_bad_scans_are_named_not_crashed():
    blank = read_page(SCANS / "blank_scan.pdf", 1)
    assert blank.text == "" and blank.problem.startswith("no words found")
    turned = read_page(SCANS / "rotated_scan.pdf", 1)  # lying on its side: turned upright
    assert turned.problem is None and "Flood Resilience Grants" in turned.text
    coarse = read_page(ROOT / "tests" / "fixtures" / "bad" / "scanned_image_only.pdf", 1)  # grey bars at 75 dpi
    assert coarse.text == "" and coarse.problem.startswith("scanned at 75 dpi, too coarse to read")
    assert read_page(SCANS / "blank_scan.pdf", 9).problem.startswith("pdftoppm failed")  # no such page


@needs_tesseract
def test_scans_are_ingested_searchable_on_their_pages_and_not_read_twice(cli, hash_env, papers, tmp_path,
                                                                        monkeypatch):
    index = tmp_path / "index"
    calls = _logging_tesseract(tmp_path, monkeypatch)
    r = cli("ingest", papers, "--index", index)
    assert r.code == 0, r.err
    assert "OCR: 4 of 4 pages" in r.err
    blank = papers / "blank_scan.pdf"
    assert (f"{blank}: no text layer (a scanned PDF); OCR read nothing on page 1: no words found "
            "(a blank page, or a picture with no text). Run OCR on it first") in r.err
    assert "2 added, 0 updated, 0 unchanged, 1 failed" in r.err
    first_calls = calls.read_text().count("\n")
    assert first_calls == 4

    hits = cli("search", "--json", f'"{ON_PAGE_2}"', "--index", index).json()
    assert [(h["source"], h["page"]) for h in hits] == [(str(papers / MIXED), 2)]  # the same passage once
    assert hits[0]["ocr"] is True  # the hit says its text was read by OCR
    a = Archive(index)
    for phrase, page in ((ON_PAGE_2, 2), ("culvert under Mill Lane overflowed", 1)):
        found = a.db.execute("SELECT p.source, c.page FROM chunks c JOIN papers p USING (doc_id) "
                             "WHERE p.source = ? AND c.text LIKE ?", (str(papers / WHOLE), f"%{phrase}%")).fetchall()
        assert [tuple(r) for r in found] == [(str(papers / WHOLE), page)], phrase
    a.close()

    s = cli("stats", "--json", "--index", index).json()
    assert s["ocr_done"] == [{"source": str(papers / MIXED), "pages": 1}, {"source": str(papers / WHOLE), "pages": 2}]
    assert [x["source"] for x in s["needs_ocr"]] == [str(blank)]
    assert f"read by OCR: 2\n  {papers / MIXED} (1 pages)" in cli("stats", "--index", index).out

    # Again, nothing changed: every page comes from the cache, the archive is not rewritten.
    gen = json.loads((index / "manifest.json").read_text())["generation"]
    r = cli("ingest", papers, "--index", index)
    assert r.code == 0 and "0 added, 0 updated, 2 unchanged, 1 failed" in r.err and "OCR:" not in r.err
    assert calls.read_text().count("\n") == first_calls
    assert json.loads((index / "manifest.json").read_text())["generation"] == gen

    # Removing a file drops its record.
    assert cli("remove", papers / WHOLE, "--index", index).code == 0
    assert [x["source"] for x in cli("stats", "--json", "--index", index).json()["ocr_done"]] == [str(papers / MIXED)]


@needs_tesseract
def test_with_ocr_turned_off_a_scan_needs_ocr_as_before_and_is_read_once_it_is_on(cli, hash_env, papers, tmp_path,
                                                                                 monkeypatch):
    index = tmp_path / "index"
    (papers / MIXED).unlink()
    (papers / "blank_scan.pdf").unlink()
    shutil.copy(next((ROOT / "seeds").glob("004_*.txt")), papers / "seed.txt")  # an archive is made
    monkeypatch.setenv("CS_ARCHIVE_OCR", "0")
    r = cli("ingest", papers, "--index", index)
    assert f"{papers / WHOLE}: no text layer (a scanned PDF). Run OCR on it first" in r.err and "OCR:" not in r.err
    s = cli("stats", "--json", "--index", index).json()
    assert [x["source"] for x in s["needs_ocr"]] == [str(papers / WHOLE)] and s["ocr_done"] == []

    monkeypatch.delenv("CS_ARCHIVE_OCR")
    r = cli("ingest", papers, "--index", index)
    assert r.code == 0 and "1 added" in r.err and "pages 1, 2 read by OCR" in r.err
    s = cli("stats", "--json", "--index", index).json()
    assert s["needs_ocr"] == [] and s["ocr_done"] == [{"source": str(papers / WHOLE), "pages": 2}]


# -- the record, in both stores --------------------------------------------------------------
@pytest.fixture(params=["faiss", "pg"])
def location(request, tmp_path):
    if request.param == "faiss":
        return tmp_path / "index"
    return request.getfixturevalue("pg_url")


def test_pages_read_by_ocr_are_recorded_beside_the_file_and_go_with_it(location, tmp_path):
    from cs_archive.embed import HashEmbedder
    from cs_archive.index import open_archive, writing
    from cs_archive.ingest import ingest, remove

    emb = HashEmbedder()
    paper = tmp_path / "fund.pdf"
    shutil.copy(ROOT / "tests" / "fixtures" / "pdf" / "report_running_headers.pdf", paper)
    ingest([paper], location, emb)
    with writing(location, emb.name, emb.dim) as w:
        state = w.file_state(str(paper))
        assert w.ocr_done_state(str(paper)) is None
        w.put_ocr_done(str(paper), state["sha256"], 2)
        assert dict(w.ocr_done_state(str(paper)))["pages"] == 2
    a = open_archive(location)
    assert a.stats()["ocr_done"] == [{"source": str(paper), "pages": 2}] and a.stats()["needs_ocr"] == []
    a.close()
    assert remove([str(paper)], location, emb.name, emb.dim) == [str(paper)]
    a = open_archive(location)
    assert a.stats()["ocr_done"] == []
    a.close()
