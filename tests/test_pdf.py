"""load_pdf on real PDFs made by tests/fixtures/make_pdfs.py, read by the real pypdf."""
from pathlib import Path

import pypdf
import pytest

from cs_archive.config import settings
from cs_archive.chunking.pdf import load_pdf
from cs_archive.models import LoadError

PDFS = Path(__file__).parent / "fixtures" / "pdf"
REPORT = PDFS / "report_running_headers.pdf"
MINUTES = PDFS / "minutes_layout.pdf"


@pytest.fixture
def pypdf_here(monkeypatch):
    """pypdf run in this process, where the test patches it (not in read_pages's worker)."""
    from cs_archive.chunking import pdf
    monkeypatch.setattr(pdf, "read_pages", lambda path: pdf._read_pages(path, settings().pdf_max_chars, pdf.PAGE_CHARS))


@pytest.fixture(scope="module")
def report():
    return load_pdf(REPORT)


@pytest.fixture(scope="module")
def minutes():
    return load_pdf(MINUTES)


def test_one_page_start_per_page(report, minutes):
    assert report.kind == "pdf"
    assert report.page_count == 3 and report.page_starts[0] == 0
    assert minutes.page_count == 2
    assert list(report.page_starts) == sorted(set(report.page_starts))


def test_phrases_map_to_their_pages(report):
    assert report.page_at(report.text.index("1.1 This report sets out")) == 1
    assert report.page_at(report.text.index("3.1 It is proposed")) == 2
    assert report.page_at(report.text.index("6.1 None.")) == 3


def test_running_header_and_page_footer_dropped(report):
    # The header stays once, on page 1, where it is the paper's own heading.
    assert report.text.count("Report to Cabinet") == 1
    assert report.page_at(report.text.index("Report to Cabinet")) == 1
    assert "Page 1 of 3" not in report.text and "of 3" not in report.text
    # "Report to Cabinet - 4 January 2024" on pages 2-3; "Page N of 3" on 3 pages
    assert report.dropped == {"running_header": 2 * 28, "page_number": 3 * 8}


def test_running_header_on_both_pages_of_two_page_file(minutes):
    assert minutes.text.count("Cabinet - 30 January 2025") == 1
    assert "- 1 -" not in minutes.text and "- 2 -" not in minutes.text
    assert minutes.dropped == {"running_header": 1 * 21, "page_number": 2 * 3}


def test_paragraph_over_page_break_is_one_line(report):
    start = report.text.index("1,206 families")
    end = report.text.index("previous year's figures.")
    assert "\n" not in report.text[start:end]
    assert "school holidays, which represents an increase" in report.text
    continuation = report.text.index("represents an increase")
    assert report.page_at(start) == 1
    assert report.page_at(continuation) == 2
    assert report.page_starts[1] == continuation
    assert report.text[continuation - 1] == " "


def test_word_hyphenated_at_line_end_is_rejoined(report):
    assert "have supported the safeguarding of vulnerable households" in report.text
    assert "safe-" not in report.text
    assert "application-based" in report.text  # a hyphen mid-line stays


def test_word_hyphenated_over_page_break_is_rejoined(report):
    joined = report.text.index("returned to the Department in accordance")
    assert "Depart-" not in report.text
    assert report.page_starts[2] == report.text.index("ment in accordance")
    assert report.page_at(joined) == 2
    assert report.page_at(report.text.index("ment in accordance")) == 3


def test_typographic_characters_made_plain(report, minutes):
    raw = pypdf.PdfReader(REPORT).pages[1].extract_text()
    assert "year\u2019s" in raw and "14\xa0per" in raw  # the fixture really has them
    assert "previous year's figures" in report.text
    assert "14 per cent" in report.text
    assert 'consultation on the "spare seats" scheme.' in minutes.text
    assert not set("\u2018\u2019\u201c\u201d\xa0") & set(report.text + minutes.text)


def test_minutes_layout_keeps_item_lines(minutes):
    lines = minutes.text.split("\n")
    assert lines[:2] == ["Cabinet - 30 January 2025", "Northshire County Council"]
    assert "84. Apologies (Item 1)" in lines
    assert "85. Declarations of interest" in lines
    assert "RESOLVED:" in lines
    assert any(line.startswith("RESOLVED: That the minutes") for line in lines)
    assert "ACTION: Director of Children's Services" in lines
    assert minutes.page_at(minutes.text.index("84. Apologies")) == 1
    assert minutes.page_at(minutes.text.index("ACTION:")) == 2
    # a page ending in a full stop is not run on into the next
    assert minutes.text[minutes.page_starts[1] - 1] == "\n"


def test_encrypted_with_empty_user_password_loads():
    loaded = load_pdf(PDFS / "encrypted_empty_password.pdf")
    assert loaded.page_count == 1
    assert "1.1 This report sets out the proposed allocation" in loaded.text


@pytest.mark.parametrize(
    "name, reason, advice",
    [
        ("encrypted_password.pdf", "encrypted PDF (password required)", "unprotected copy"),
        ("scanned_no_text.pdf", "no text layer", "ocrmypdf"),
        ("truncated.pdf", "not a readable PDF (", "complete PDF"),
        ("random_bytes.pdf", "not a readable PDF (", "complete PDF"),
        ("empty.pdf", "not a readable PDF (", "complete PDF"),
    ],
)
def test_bad_files_raise_load_error(name, reason, advice):
    with pytest.raises(LoadError) as caught:
        load_pdf(PDFS / name)
    assert caught.value.reason.startswith(reason)
    assert caught.value.reason.count("(") == caught.value.reason.count(")")
    assert advice in caught.value.advice


def test_empty_file_reason_carries_pypdf_detail():
    with pytest.raises(LoadError) as caught:
        load_pdf(PDFS / "empty.pdf")
    assert caught.value.reason == "not a readable PDF (Cannot read an empty file)"


def test_pdf_without_pages(tmp_path):
    path = tmp_path / "no_pages.pdf"
    with path.open("wb") as fh:
        pypdf.PdfWriter().write(fh)
    with pytest.raises(LoadError) as caught:
        load_pdf(path)
    assert caught.value.reason == "PDF has no pages"


def test_page_whose_extraction_fails_is_left_empty(monkeypatch, pypdf_here):
    real = pypdf.PageObject.extract_text

    def flaky(page, *args, **kwargs):
        text = real(page, *args, **kwargs)
        if "3. Proposals" in text:
            raise ValueError("bad content stream")
        return text

    monkeypatch.setattr(pypdf.PageObject, "extract_text", flaky)
    loaded = load_pdf(REPORT)
    assert loaded.page_count == 3
    assert "3. Proposals" not in loaded.text
    assert loaded.page_at(loaded.text.index("5. Recommendations")) == 3
    assert loaded.text[loaded.page_starts[1]:loaded.page_starts[2]] == "\n"


def test_every_page_failing_is_a_load_error(monkeypatch, pypdf_here):
    def broken(page, *args, **kwargs):
        raise ValueError("bad content stream")

    monkeypatch.setattr(pypdf.PageObject, "extract_text", broken)
    with pytest.raises(LoadError) as caught:
        load_pdf(REPORT)
    assert caught.value.reason == "not a readable PDF (text extraction failed on every page)"
