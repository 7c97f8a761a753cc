"""Layouts in papers (issue 23): figures in table cells are never paragraph labels, a long
table's later parts keep its column headers, and each question keeps its answer.

Named PDF fixtures (made by tests/fixtures/make_pdfs.py, read by real pypdf) are checked
against tests/golden/tables.json: each chunk's section, heading path and first line. Run with
``UPDATE_GOLDEN=1`` to rewrite the golden file after a change you can explain.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from cs_archive.chunking import read_file
from cs_archive.chunking.sections import heading_like, split_units
from cs_archive.chunking.tables import blocks_of, figures_only, header_above, markdown_table, reads_as_figures

PDFS = Path(__file__).parent / "fixtures" / "pdf"
GOLDEN = Path(__file__).parent / "golden" / "tables.json"
FIXTURES = ["budget_tables.pdf", "forum_statements_table.pdf", "questions_and_answers.pdf"]


def _outline(name: str) -> list[list]:
    """[section, heading path, first line] of each chunk."""
    return [[c.section, c.heading, c.text.split("\n", 1)[0]] for c in read_file(PDFS / name).chunks]


def _dump(golden: dict) -> str:
    return "{\n" + ",\n".join(
        f"  {json.dumps(name)}: [\n" + ",\n".join(f"    {json.dumps(row, ensure_ascii=False)}" for row in rows) + "\n  ]"
        for name, rows in golden.items()) + "\n}\n"


def test_golden_file_names_every_table_fixture():
    if os.environ.get("UPDATE_GOLDEN"):
        GOLDEN.write_text(_dump({n: _outline(n) for n in FIXTURES}), encoding="utf-8")
    assert sorted(json.loads(GOLDEN.read_text(encoding="utf-8"))) == sorted(FIXTURES)


@pytest.mark.parametrize("name", FIXTURES)
def test_table_fixture_matches_golden(name):
    assert _outline(name) == json.loads(GOLDEN.read_text(encoding="utf-8"))[name]


def test_a_budget_column_read_a_cell_to_a_line_labels_nothing():
    """The file draws its summary table a column at a time, before paragraph 1: "361.9" used to
    be taken for the paper's first label, and the whole book became paragraph 361.9."""
    chunks = read_file(PDFS / "budget_tables.pdf").chunks
    assert [c.section for c in chunks if c.part in (None, 1)] == [None, "1.1", "1.2", "2.1", "2.2", "3.1", "4.1",
                                                                 "5.1", "6.1", "6.2"]
    assert "361.9\n362.2\n35.0" in chunks[0].text  # the figures stay, in the preamble


def test_a_long_table_cut_into_parts_keeps_its_column_headers():
    """Each later part of a long table is headed by the table's header line and its units,
    so a row is read (and found) with the columns it fills."""
    rf = read_file(PDFS / "budget_tables.pdf")
    parts = [c for c in rf.chunks if c.section == "6.1"]
    assert len(parts) >= 3
    assert parts[0].heading == "Savings by service"
    assert "Service 2024-25 2025-26 2026-27\n£000 £000 £000" in parts[0].text
    for p in parts[1:]:
        assert p.heading == "Savings by service > Service 2024-25 2025-26 2026-27 £000 £000 £000"
        # whole rows: a part starts and ends at a line's ends
        assert rf.loaded.text[p.start - 1] == "\n" and rf.loaded.text[p.end] == "\n"


def _sections(text: str) -> list[tuple[str | None, str]]:
    return [(u.section, text[u.start:u.end].strip()) for u in split_units(text)]


def test_a_row_of_figures_is_not_a_paragraph():
    text = ("2.1 The table shows the budget.\n"
            "Directorate 2023-24 Spending 2024-25\n"
            "Adult Social Care 361.9 71.2 418.7\n"
            "362.2 12.4 366.5\n"
            "1.2 Staffing 362.2 579.1\n"
            "2.2 Savings are planned.\n")
    assert [s for s, _ in _sections(text)] == ["2.1", "2.2"]


def test_a_number_alone_among_figures_is_a_cell():
    text = "1. Budget\n\n1.1 Spending by year:\n2024-25\n£m\n579.1\n35.0\n1.2\n418.7\n\n1.2 Savings follow.\n"
    got = _sections(text)
    assert [s for s, _ in got] == ["1.1", "1.2"]
    assert got[1][1] == "1.2 Savings follow."


def test_a_number_alone_above_its_heading_is_still_a_label():
    text = "Present: A. Smith\n\n05.19.01\nApologies\nNone.\n\n05.19.02\nDeclarations of interest\nNone.\n"
    assert [s for s, _ in _sections(text)] == [None, "05.19.01", "05.19.02"]


def test_a_numbered_row_right_after_the_row_before_is_not_an_item():
    text = ("Public Forum\n\nStatements were received:\n"
            "19 Jo Sergeant Workplace Parking Levy\n20 MR A JONES STATEMENT ON BUSES\n21 Sue Hughes Buses\n\n"
            "The Committee noted the statements.\n")
    assert all(s is None for s, _ in _sections(text))


def test_minutes_items_with_text_between_stay_items():
    text = ("11 APOLOGIES\nNone were received.\n\n12 MINUTES\nApproved.\n\n13 FINANCE\n"
            "The accounts were approved.\n")
    assert [s for s, _ in _sections(text)] == ["11", "12", "13"]


def test_figures_and_rows():
    assert figures_only("362.2 12.4 -8.1 (366.5) £m 2024-25 35% -")
    assert not figures_only("Adult Social Care 361.9") and not figures_only("N/A")
    assert reads_as_figures("Staffing 362.2 579.1") and reads_as_figures("12.4 -8.1")
    assert not reads_as_figures("The budget for 2024/25 is 362.2")
    assert not reads_as_figures("Minutes of the meeting on 26th May 2023")
    assert not reads_as_figures("Costs - N/A") and not reads_as_figures("SEND Priorities 2017 – 2020")
    assert not heading_like("Total 1,024.5 83.6 -22.5 1,085.6")
    assert heading_like("Budget 2024-25")


def test_header_above_reads_the_columns_not_a_sentence_or_a_heading():
    table = ("2.1 The table below.\nDirectorate 2023-24 2024-25\n£m £m\nAdult Social Care 361.9 418.7\n"
             "362.2 12.4\n")
    assert header_above(table, table.index("362.2")) == "Directorate 2023-24 2024-25 £m £m"
    assert header_above(table, table.index("Directorate")) is None  # not a row
    payments = "12. ACCOUNTS FOR PAYMENT\ni) Clerk, Chq No 1206 £400.00\nii) Hall, Chq No 1207 £25.00\n"
    assert header_above(payments, payments.index("ii)")) is None
    grants = "Grant (Valencia) £48,702 must draw down funds by end Dec 2023\n£68,106\n"
    assert header_above(grants, grants.index("£68,106")) is None


def test_each_question_keeps_its_answer_and_supplementary():
    """pypdf prints the paper without blank lines; each question is one unit up to the next."""
    chunks = read_file(PDFS / "questions_and_answers.pdf").chunks
    assert [c.heading for c in chunks] == ["", "Question 1 from Mr J Smith", "Question 2 from Ms K Patel"]
    q1, q2 = chunks[1].text, chunks[2].text
    assert "potholes on Station Road" in q1 and "resurfacing programme" in q1
    assert "Supplementary question" in q1 and "arrange a meeting in June" in q1
    assert "How many libraries" in q2 and "No library will close" in q2


def test_questions_without_printed_answers_are_ordinary_paragraphs():
    minutes = ("Public forum\n\nQuestion from a resident about parking was noted and will be answered in "
               "writing by the clerk before the next meeting of the council in April.\n\n"
               "Planning\n\nQuestion from the Chair on the design of the new hall and its car park: the "
               "council asked the architect for revised drawings by the end of March.\n")
    assert [u.heading for u in split_units(minutes)] == [("Public forum",), ("Planning",)]


@pytest.mark.parametrize("line, opens", [
    ("Question 3 from Mr J Smith", "question"), ("Q2. How many?", "question"), ("Q: Why?", "question"),
    ("Answer from the Leader", "answer"), ("Response:", "answer"), ("A2. None.", "answer"),
    ("Questions from members of the public", None), ("Q3 performance improved", None),
    ("Supplementary question", None), ("Response times improved", None), ("A466 closure", None),
    ("A. Introduction", None),
])
def test_what_opens_a_question_or_an_answer(line, opens):
    from cs_archive.chunking.sections import _ANSWER, _QUESTION

    got = "question" if _QUESTION.match(line) else "answer" if _ANSWER.match(line) else None
    assert got == opens


def test_a_passage_shows_its_table_as_a_table():
    """What a reader or a Markdown export needs to draw a table: its cells, split where the
    paper's own header line gives one head per column, units joined on."""
    rf = read_file(PDFS / "budget_tables.pdf")
    chunks = {(c.section, c.part): c for c in rf.chunks}
    blocks = blocks_of(chunks[("2.1", None)].text)
    assert [b.kind for b in blocks] == ["text", "table"]
    assert blocks[1].header == ("Directorate", "2023-24", "Spending", "Savings", "2024-25")
    assert blocks[1].rows[1] == ("", "362.2", "12.4", "-8.1", "366.5")
    assert markdown_table(blocks[1]).split("\n")[:3] == [
        "| Directorate | 2023-24 | Spending | Savings | 2024-25 |", "|---|---|---|---|---|",
        "| Adult Social Care | 361.9 | 71.2 | -14.4 | 418.7 |"]
    later = chunks[("6.1", 2)]
    table = blocks_of(later.text, later.heading.split(" > ")[-1])[0]
    assert table.header == ("Service", "2024-25 (£000)", "2025-26 (£000)", "2026-27 (£000)")
    for c in rf.chunks:  # nothing lost or doubled
        lines = [x for b in blocks_of(c.text) for x in b.text.split("\n") if x.strip()]
        assert lines == [x for x in c.text.split("\n") if x.strip()]


def test_a_header_that_does_not_split_by_column_is_a_caption():
    text = "Directorate 2023-24 Budget 2024-25 Budget\nAdult Social Care 361.9 418.7\nChildren 301.4 335.0\n"
    (table,) = blocks_of(text)
    assert table.header == () and table.caption == "Directorate 2023-24 Budget 2024-25 Budget"
    assert markdown_table(table).startswith("Directorate 2023-24 Budget 2024-25 Budget\n\n|  |  |  |")
