"""Tables shown as tables: in the app's passages (``render.passage_html``) and in the Markdown
export (``explore.to_markdown``), read by the real pypdf from the budget fixture
(tests/fixtures/make_pdfs.py); every cell escaped like any other text of a paper."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from cs_archive.chunking import read_file
from cs_archive.explore import to_markdown
from cs_archive.models import Hit
from cs_archive.render import passage_html, table_columns

BUDGET = Path(__file__).parent / "fixtures" / "pdf" / "budget_tables.pdf"


@pytest.fixture(scope="module")
def chunks():
    return {(c.section, c.part): c for c in read_file(BUDGET).chunks}


def _hit(c, **kw) -> Hit:
    base = dict(rank=1, score=1.0, confident=True, chunk_id=c.chunk_id, doc_id=c.doc_id, source="budget.pdf",
                url=None, council="Westshire County Council", committee="Cabinet", date="2024-02-01",
                doc_type="report", title="Revenue Budget Book", section=c.section, subsection=c.subsection,
                part=c.part, heading=c.heading, page=c.page, page_end=c.page_end, text=c.text)
    return Hit(**(base | kw))


def test_a_table_with_its_header_is_drawn_with_its_columns(chunks):
    c = chunks[("2.1", None)]
    html = passage_html(c.text, ("The table below shows each directorate",))
    assert "<table class='csa-table'><thead><tr><th>Directorate</th><th>2023-24</th>" in html
    assert "<tr><td>Adult Social Care</td><td>361.9</td><td>71.2</td><td>-14.4</td><td>418.7</td></tr>" in html
    assert "<td>Total</td><td>1,024.5</td>" in html
    assert "<mark>The table below shows each directorate" in html  # prose keeps its highlights
    assert "\n" not in html  # the passage keeps its line breaks: a table is one line of HTML


def test_a_later_part_of_a_long_table_is_drawn_under_the_columns_it_carries(chunks):
    later = chunks[("6.1", 2)]
    columns = table_columns(later.heading, later.part)
    assert columns == "Service 2024-25 2025-26 2026-27 £000 £000 £000"
    assert "<th>2024-25 (£000)</th>" in passage_html(later.text, columns=columns)
    assert "<th></th>" not in passage_html(later.text, columns=columns)  # no header cell without text
    assert table_columns("Savings by service", None) == "" == table_columns(None, 2)


def test_a_table_read_a_cell_to_a_line_is_shown_as_printed(chunks):
    c = chunks[("3.1", None)]
    html = passage_html(c.text)
    assert "<table" not in html and "579.1<br>418.7" in html


def test_cells_are_escaped_in_the_app_and_in_the_export(chunks):
    c = chunks[("2.1", None)]
    text = c.text.replace("Adult Social Care", "<img src=x onerror=alert(1)> [x](javascript:alert(1))")
    html = passage_html(text)
    assert "<img" not in html and "&lt;img" in html and "](javascript" not in html
    md = to_markdown([_hit(c, text=text)], "budget")
    assert "   > | Directorate | 2023\\-24 | Spending | Savings | 2024\\-25 |" in md
    assert not re.search(r"(?<!\\)<img", md) and "\\[x\\]\\(javascript:alert\\(1\\)\\)" in md
    assert "   > | Total | 1,024\\.5 | 83\\.6 | \\-22\\.5 | 1,085\\.6 |" in md
    assert "   > 2\\.1 The table below shows each directorate" in md
