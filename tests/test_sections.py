"""Unit cases for the section splitter's judgement calls, each on a small made-up paper."""
from __future__ import annotations

import re

from cs_archive.chunking.sections import heading_like, split_units


def _sections(text: str) -> list[tuple[str | None, tuple[str, ...], str]]:
    return [(u.section, u.heading, text[u.start:u.end].strip()) for u in split_units(text)]


def test_a_run_of_contents_lines_is_not_numbering():
    text = ("Contents\n\n1. Introduction 2\n2. Background 3\n3. Options 5\n\n"
            "1. Introduction\n\n1.1 This report sets out the options.\n\n"
            "2. Background\n\n2.1 The service was reviewed in 2023.\n")
    got = _sections(text)
    assert [s for s, _, _ in got] == [None, "1.1", "2.1"]
    assert "3. Options 5" in got[0][2]  # the contents stay in the preamble


def test_a_heading_ending_in_a_number_followed_by_text_is_a_label():
    text = ("4. Our priorities\n\nWe consulted on eight priorities.\n\n"
            "5. Priority 1\n\nEnhance the experience of families.\n\n"
            "6. Priority 2\n\nDevelop confidence in mainstream settings.\n")
    got = _sections(text)
    assert [s for s, _, _ in got] == ["4", "5", "6"]
    assert got[1][1] == ("Priority 1",) and "Enhance the experience" in got[1][2]


def test_contents_lines_with_leader_dots_are_never_labels():
    text = "2. Finance .......... 4\n\n1. Summary\n\n1.1 The budget is balanced.\n"
    assert [s for s, _, _ in _sections(text)] == [None, "1.1"]


def test_heading_like():
    assert heading_like("Supporting care leavers to stay in higher education:")
    assert heading_like("Funding to train more educational psychologists in schools:")
    assert heading_like("Recommendation")
    assert not heading_like("It is recommended that the Select Committee:-")
    assert not heading_like("The Committee noted that:")
    assert not heading_like("RESOLVED: that the report be noted")
    assert not heading_like("This sentence ends with a full stop.")


def test_the_heading_under_the_title_block_heads_paragraph_one():
    text = ("SEND Strategic Priorities 2017 – 2020\n\nCONSULTATION DOCUMENT\n\nIntroduction\n\n"
            "1. There are five outcomes.\n\n2. The plan has four areas.\n")
    got = _sections(text)
    assert [s for s, _, _ in got] == [None, "1", "2"]
    assert got[0][2] == "SEND Strategic Priorities 2017 – 2020\n\nCONSULTATION DOCUMENT"
    assert got[1][1] == ("Introduction",) and got[1][2].startswith("Introduction\n\n1. There")


def test_a_title_alone_before_paragraph_one_is_the_preamble():
    got = _sections("Annual Report of the Virtual School\n\n1. The school supports 500 children.\n")
    assert [(s, h) for s, h, _ in got] == [(None, ()), ("1", ())]


def test_a_later_part_of_a_long_paragraph_is_cited_to_its_sub_item(tmp_path):
    from cs_archive.chunking import read_file

    filler = " ".join(["The service will report its progress to the committee every quarter."] * 9)
    items = "\n\n".join(f"{r}. {filler}" for r in ["i", "ii", "iii", "iv", "v", "vi"])
    paper = tmp_path / "report.txt"
    paper.write_text("Report to Cabinet\n\n1.1 Background.\n\n1.2 The plan has six strands:\n\n"
                     f"{items}\n\n1.3 Next steps follow.\n", encoding="utf-8")
    chunks = [c for c in read_file(paper).chunks if c.section == "1.2"]
    assert len(chunks) > 1 and [c.part for c in chunks] == list(range(1, len(chunks) + 1))
    assert chunks[0].subsection is None
    text = read_file(paper).loaded.text
    for c in chunks[1:]:
        # the last sub-item line that starts at or before the part
        starts = [(m.start(), m.group(1)) for m in re.finditer(r"^(i|ii|iii|iv|v|vi)\. ", text, re.M)]
        expected = [label for at, label in starts if at <= c.start][-1]
        assert c.subsection == expected, (c.subsection, c.text[:40])
    assert {c.subsection for c in chunks[1:]} != {"i"}  # parts start in different items
