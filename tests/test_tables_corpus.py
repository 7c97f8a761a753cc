"""No section label on the shared corpus is a figure of a table (issue 23).

A chunk's section label is where a clerk would cite it ("para 3.2"); a number printed in a
table cell ("362.2" in a budget column, "60" numbering a row of a list of statements) is not
one. What counts as a table figure here is read from the paper's own text around the label's
line, not from the chunker's rules:

- the rest of the label's line is figures only, or ends in two or more figures (a table row:
  "362.2 12.4 -8.1 366.5", "1.2 Staffing 362.2 579.1");
- the label stands alone on its line and the nearest line above or below it holds only
  figures (a column of cells read one per line: "361.9" / "362.2" / "418.7");
- the label numbers one row of a numbered table: the line of text right above it starts with
  the number before it, printed the same way, and is not cited as a section itself, so that
  number has no text of its own ("59 Jo Sergeant Workplace Parking Levy" right above
  "60 MR SATYEN JOSHI STATEMENT ON ...").

Figures: ``.venv/bin/python -m pytest -q -s -p no:cacheprovider tests/test_tables_corpus.py``.
"""
from __future__ import annotations

import re
from functools import lru_cache

import pytest

from cs_archive.chunking import read_file
from cs_archive.chunking.load import NeedsOCR
from conftest import shared_file

# One cell of figures: 362.2, 1,024.5, -8.1, (35.0), £m, £12k, 35%, 2024-25, 2024/25, - or n/a.
FIGURE = re.compile(r"^(?:\(?[-–+]?[£$€]?\d[\d,]*(?:\.\d+)?[km]?%?\)?|\d{4}[-/–]\d{2,4}|[-–—]|n/?a|nil|£m|£k|£000s?)$",
                    re.I)
NUMBERED = re.compile(r"^[ \t]*(\d{1,3})(\.?)[ \t]+\S")


def figures_only(s: str) -> bool:
    cells = s.split()
    return any(re.search(r"\d", c) for c in cells) and all(FIGURE.match(c) for c in cells)


def trailing_figures(s: str) -> int:
    n = 0
    for cell in reversed(s.split()):
        if not FIGURE.match(cell):
            break
        n += 1
    return n


def table_figure(text: str, line_start: int, label: str, cited: set[str]) -> str | None:
    """Why the label at the line starting at ``line_start`` is a table figure, or None."""
    lines = text.split("\n")
    k = text.count("\n", 0, line_start)
    line = lines[k].strip()
    rest = line[len(label):].lstrip(".").strip()
    if rest and (figures_only(rest) or trailing_figures(rest) >= 2):
        return f"its line goes on with figures: {line!r}"
    if not rest:
        for step in (-1, 1):
            j = k + step
            while 0 <= j < len(lines) and not lines[j].strip():
                j += step
            if 0 <= j < len(lines) and figures_only(lines[j]):
                return f"it stands in a column of figures beside {lines[j].strip()!r}"
    m = NUMBERED.match(lines[k])
    j = k - 1
    while j >= 0 and not lines[j].strip():
        j -= 1
    prev = NUMBERED.match(lines[j]) if m and j >= 0 else None
    if prev and int(prev.group(1)) == int(m.group(1)) - 1 and prev.group(2) == m.group(2) \
            and prev.group(1) not in cited:
        return f"it numbers a row of a table, right after {lines[j].strip()!r}"
    return None


def label_line_start(text: str, chunk) -> int | None:
    """Where the line printing the chunk's label starts (a unit may open with its headings)."""
    pattern = re.compile(rf"(?m)^[ \t]*{re.escape(chunk.section)}(?![\w.]\w)")
    m = pattern.search(text, chunk.start, chunk.end)
    return m.start() if m else None


@lru_cache(maxsize=1)
def corpus_labels() -> tuple[tuple[str, str, str | None], ...]:
    """(file, label, why it is a table figure or None) for every labelled unit of the corpus."""
    out = []
    for path in sorted(shared_file("corpus/docs").iterdir()):
        try:
            rf = read_file(path)
        except NeedsOCR:
            continue  # scanned papers: no text layer to read here
        text = rf.loaded.text
        for paper in rf.papers:
            chunks = [c for c in rf.chunks if c.doc_id == paper.doc_id and c.section and c.part in (None, 1)]
            cited = {c.section for c in chunks}
            for c in chunks:
                at = label_line_start(text, c)
                out.append((path.name, c.section, None if at is None else table_figure(text, at, c.section, cited)))
    return tuple(out)


def test_no_section_label_on_the_corpus_is_a_table_figure():
    labels = corpus_labels()
    bad = [(f, label, why) for f, label, why in labels if why]
    print(f"\n{len(labels)} labelled units on the corpus, {len(bad)} labelled by a table figure")
    assert len(labels) > 300
    assert not bad


@pytest.mark.parametrize("line, label, neighbours, expected", [
    ("362.2 12.4 -8.1 366.5", "362.2", "", "goes on"),
    ("1.2 Staffing 362.2 579.1", "1.2", "", "goes on"),
    ("362.2", "362.2", "361.9\n\n{}\n418.7", "column"),
    ("60 MR A JONES STATEMENT ON PARKING", "60", "59 Jo Bloggs Parking\n{}\n61 Sue Smith Buses", "row"),
    ("3.1 The budget for 2024/25 is 362.2", "3.1", "", None),
    ("05.19.01", "05.19.01", "Clerk\n\n{}\nApologies", None),
    ("6. Finance", "6", "5 members were present.\n{}", None),
    ("11 AOCB", "11", "10 Correspondence\nA copy of the newsletter was available.\n\n{}", None),
])
def test_what_counts_as_a_table_figure(line, label, neighbours, expected):
    text = (neighbours or "{}").replace("{}", line)
    at = text.index(line)
    why = table_figure(text, at, label, cited=set())
    assert why is None if expected is None else expected in why
