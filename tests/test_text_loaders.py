"""load() on text, markdown and HTML: named fixture files in tests/fixtures/text/, exact output."""
from __future__ import annotations

from pathlib import Path

import pytest

from cs_archive.chunking import read_file
from cs_archive.chunking.load import load
from cs_archive.models import LoadError

TEXT = Path(__file__).parent / "fixtures" / "text"


def test_utf8_bom_is_not_text():
    loaded = load(TEXT / "bom_utf8.txt")
    assert loaded.text == ("Report to Cabinet\n\nDate:\t4 January 2024\n\n"
                           "1.1 The placements budget is £35.8 million per year.")
    assert "\ufeff" not in loaded.text
    assert loaded.kind == "text" and loaded.dropped == {} and loaded.page_starts is None


def test_utf16_with_bom_is_decoded():
    assert load(TEXT / "utf16_bom.txt").text == "Report to Cabinet\n\n1.1 The Council's budget is £3m."


def test_windows_1252_pound_and_quotes():
    raw = (TEXT / "windows_1252.txt").read_bytes()
    assert b"\xa3" in raw and b"\x92" in raw and b"\x93" in raw  # really cp1252, not UTF-8
    loaded = load(TEXT / "windows_1252.txt")
    assert loaded.text == ("Report to Cabinet\n\n2.27 The top 25 placements cost the Council £434,964.18 per week.\n\n"
                           "2.28 The Council's view is that \"providers charge even more\".")
    assert not set("\u2018\u2019\u201c\u201d") & set(loaded.text)


def test_markdown_markup_goes_words_stay():
    loaded = load(TEXT / "markdown_bold_links.md")
    assert loaded.text == (
        "Report to Cabinet\n\n"
        "1. Executive Summary\n\n"
        "1.1 This report provides:\n\n"
        "- a summary of the Children's Services Transformation programme.\n"
        "1.2 The draft guidance for the Working Together to Safeguard Children 2023 (WTTSC) consultation was released.\n\n"
        "1.3 The government's policy paper, Stable Homes, Built on Love, was published in February 2023.\n\n"
        "Reason for recommendation:\tPaper is for information only\n\n"
        "Children's Social Care and Learning Select Committee.\n\n"
        "Inquiry Scope\n\n"
        "Further detail: https://democracy.example.gov.uk/mgAi.aspx?ID=1 & the webcast."
    )
    for markup in ("**", "](", "#", "<i>", "\\(", "*February"):
        assert markup not in loaded.text
    assert loaded.dropped == {}  # markup is not boilerplate: nothing is counted


def test_markdown_labels_start_their_lines_for_the_chunker():
    chunks = read_file(TEXT / "markdown_bold_links.md").chunks
    assert [c.section for c in chunks if c.section] == ["1.1", "1.2", "1.3"]
    assert next(c for c in chunks if c.section == "1.1").heading == "Executive Summary"


def test_page_break_mid_sentence_is_rejoined():
    loaded = load(TEXT / "page_break_mid_sentence.txt")
    assert loaded.text == (
        "Placements for Looked after Children\n\n"
        "2.23 In Buckinghamshire, we are effective at preventing children from needing to be placed in care, "
        "demonstrated by our low rate of children looked after per 10,000 population. "
        "There are currently 41 children in care per 10,000 in Bucks.\n\n"
        # a paragraph label after the gap is not a continuation, however the line before ends
        "2.24 Despite maintaining a stable proportion of children in care, the Council's spend on placements "
        "has increased\n\n"
        "3. Local Context\n\n"
        # a short line is a heading: what follows it is not glued on
        "Short heading without a stop\n\n"
        "lower-case line after a short one stays apart."
    )


def test_page_break_around_dropped_logo_is_rejoined():
    loaded = load(TEXT / "page_break_around_logo.txt")
    assert loaded.dropped == {"logo_text": 16}
    assert loaded.text == ("During the course of the Review, interim feedback sessions were arranged to ensure "
                           "that stakeholders remained linked in to the progress and findings of the review.")


def test_logo_and_page_numbers_dropped_and_counted():
    loaded = load(TEXT / "logo_text.txt")
    assert loaded.text == ("Report to Children's Social Care & Learning Select Committee\n\n"
                           "1.1 The review was commissioned in January.\n\n"
                           "1.2 Interim feedback was arranged in April.")
    # non-space characters: INVESTORINPEOPLE (16) + DisabilityConfidentEmployer (27);
    # "12" (2) + "Page3of10" (9)
    assert loaded.dropped == {"logo_text": 43, "page_number": 11}


@pytest.fixture(scope="module")
def decision_page():
    return load(TEXT / "decision_page.html")


def test_decision_page_visible_words_only(decision_page):
    assert decision_page.text == (
        "Decision details\n\n"
        "Children's Services Update\n\n"
        "Decision Maker: Cabinet\n\n"
        "Decision:\n\n"
        "Since the last update to Cabinet in October 2022, the Service had received two regulatory visits "
        "& an inspection.\n\n"
        "RESOLVED –\n\n"
        "That the national and local developments across the Children's Services Directorate be NOTED.\n\n"
        "Date of decision:\t4 January 2024"
    )


@pytest.mark.parametrize("hidden", [
    "dataLayer", "gtag", "tracking pixel",  # <script>
    "font-family", ".banner",  # <style>
    "cookies", "Accept all",  # cookie banner
    "Skip to main content",  # skip link
    "Home", "Meetings",  # <nav>
    "©", "Copyright",  # <footer>
    "| Buckinghamshire Council",  # <title> in <head>
    "<", "&amp;", "&rsquo;", "&#39;",  # tags and entities
])
def test_decision_page_drops_non_content(decision_page, hidden):
    assert hidden not in decision_page.text


def test_decision_page_chunks(decision_page):
    chunks = read_file(TEXT / "decision_page.html").chunks
    assert all(c.section is None for c in chunks)
    resolved = [c for c in chunks if "RESOLVED" in c.text]
    assert len(resolved) == 1 and "be NOTED." in resolved[0].text


def test_decision_page_kind_is_html(decision_page):
    assert decision_page.kind == "html"


# Files load() refuses --------------------------------------------------------------------

BAD = [
    ("paper.docx", b"PK\x03\x04 a word file", "unsupported file type '.docx'", "Convert it to PDF, HTML or text"),
    ("README", b"Report to Cabinet\n", "unsupported file type 'none'", "Convert it to PDF, HTML or text"),
    ("empty.txt", b"", "empty file (0 bytes)", "Download the paper again."),
    ("empty.html", b"", "empty file (0 bytes)", "Download the paper again."),
    ("binary.txt", bytes(range(256)) * 4, "binary data in a text file", "give it its proper extension"),
    ("binary.html", b"<p>x</p>\x00\x01\x02\xff" * 10, "binary data in a text file", "give it its proper extension"),
    ("blank.txt", b"\n\n   \t\n", "no text found", "OCR"),
    ("only_boilerplate.txt", b"12\n\nPage 3 of 10\n\nINVESTOR IN PEOPLE\n", "no text found", "OCR"),
    ("scripts_only.html", b"<html><script>var x = 1;</script><nav>Home</nav></html>", "no text found", "OCR"),
]


@pytest.mark.parametrize("name, data, reason, advice", BAD, ids=[b[0] for b in BAD])
def test_load_error(tmp_path, name, data, reason, advice):
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(LoadError) as caught:
        load(path)
    assert caught.value.reason == reason
    assert advice in caught.value.advice
    assert caught.value.line(path) == f"{path}: {reason}. {caught.value.advice}"


def test_missing_file_is_a_load_error(tmp_path):
    with pytest.raises(LoadError) as caught:
        load(tmp_path / "gone.txt")
    assert caught.value.reason == "cannot read the file (No such file or directory)"
    assert caught.value.advice == "Check the path and its permissions."


def test_suffix_is_case_insensitive(tmp_path):
    path = tmp_path / "MINUTES.TXT"
    path.write_bytes(b"1 ELECTION OF CHAIRMAN\n\nRESOLVED\n")
    assert load(path).text == "1 ELECTION OF CHAIRMAN\n\nRESOLVED"
