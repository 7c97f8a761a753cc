"""What a table looks like in a paper's extracted text, read from the cells it prints.

pypdf gives a table either a row to a line ("Adult Social Care 361.9 579.1 35.0 418.7", and
"362.2 12.4 -8.1 366.5" where the first cell is empty) or, where the file draws its table a
column at a time, a cell to a line ("361.9" / "362.2" / "418.7"). Either way a number that
starts such a line is a figure, not the paper's paragraph number: this module says which
lines are figures so that the section splitter never takes them for labels.
"""
from __future__ import annotations

import re

# One cell of figures: 362.2, 1,024.5, -8.1, (35.0), £12k, 35%, 2024-25, 2024/25, a dash, n/a,
# or a unit printed over a column (£m, £000).
_FIGURE = re.compile(
    r"""(?:\(?[-–+]?[£$€]?\d[\d,]*(?:\.\d+)?[km]?%?\)?
      | \d{4}[-/–]\d{2,4}
      | [-–—] | n/?a | nil | [£$€](?:m|k|bn|000s?)
    )""", re.X | re.I)

# Cells that head a column rather than fill it: a year ("2024-25") or a unit ("£000", "£m").
_COLUMN_HEAD = re.compile(r"(?:19|20)\d{2}(?:[-/–]\d{2,4})?|[£$€](?:m|k|bn|000s?)|%", re.I)

# "12. ACCOUNTS FOR PAYMENT", "3.1 Budget": a numbered heading, not a table's header line.
_NUMBERED_HEADING = re.compile(r"\(?\d{1,3}(?:\.\d{1,3})*[.)]?[ \t]")

# "2017 – 2020" is one cell (a range), not two figures and a dash between them.
_RANGE = re.compile(r"(?<=\d)(?:[ \t]+[-–—][ \t]+|[-–—])(?=\d)")

# A numbered line: its number, and whether a dot follows it ("60 MR A JONES", "7. Finance").
_NUMBERED = re.compile(r"[ \t]*(\d{1,3})(\.?)(?:[ \t]|$)")


def is_figure(cell: str) -> bool:
    return _FIGURE.fullmatch(cell) is not None


def _cells(line: str) -> list[str]:
    return _RANGE.sub("-", line).split()


def figures_only(line: str) -> bool:
    """A line of cells of figures and nothing else, at least one of them a number ("N/A"
    alone is a paragraph's whole text as often as it is a cell)."""
    cells = _cells(line)
    return any(any(ch.isdigit() for ch in c) for c in cells) and all(is_figure(c) for c in cells)


def trailing_figures(line: str) -> list[str]:
    """The cells of figures that end the line."""
    cells = _cells(line)
    k = len(cells)
    while k and is_figure(cells[k - 1]):
        k -= 1
    return cells[k:]


def reads_as_figures(rest: str) -> bool:
    """What follows a number on its line makes that line a row of a table: figures only
    ("362.2 12.4 -8.1 366.5"), or words then two or more figures ("1.2 Staffing 362.2 579.1")."""
    tail = trailing_figures(rest)
    return figures_only(rest) or len(tail) >= 2 and figures_only(" ".join(tail))


def holds_amounts(line: str) -> bool:
    """A row of a table whose figures are amounts: it ends in two or more figures, one of them
    printed as an amount (362.2, 1,024, £35, 12%), or is figures only. Bare whole numbers
    alone ("Mobile : 07989 398 838") do not make a row."""
    tail = trailing_figures(line)
    return reads_as_figures(line) and any(re.search(r"[.,£$€%]\d|\d[.,%]|[£$€]", c) for c in tail)


def row_number(line: str) -> tuple[int, str] | None:
    """The number a line starts with and the dot after it, if any: ``(60, "")``, ``(7, ".")``."""
    m = _NUMBERED.match(line)
    return (int(m.group(1)), m.group(2)) if m else None


def is_row(line: str) -> bool:
    """A row of a table read a row to a line, holding data: figures only, or a name then two or
    more figures, at least one of them not a year or a unit (those head columns)."""
    s = line.strip()
    return bool(s) and reads_as_figures(s) and any(_is_data(c) for c in trailing_figures(s))


def _is_data(cell: str) -> bool:
    """A figure that fills a column: a number, not a year or a unit heading it."""
    return is_figure(cell) and any(ch.isdigit() for ch in cell) and not _COLUMN_HEAD.fullmatch(cell)


def header_above(text: str, pos: int, floor: int = 0) -> str | None:
    """The column headers of the table whose row starts at ``pos`` (a line start), read from
    the line right above its first row ("Directorate 2023-24 Spending Savings 2024-25"), with
    a line of units under it ("£m £m £m") joined on; None where ``pos`` starts no row, or the
    table's top is not in ``text[floor:pos]`` or prints no header line."""
    if pos > floor and text[pos - 1] != "\n":
        return None
    end = text.find("\n", pos)
    if not is_row(text[pos:end if end >= 0 else len(text)]):
        return None
    top = pos
    above = _line_above(text, top, floor)
    while above is not None and is_row(above[1]):
        top = above[0]
        above = _line_above(text, top, floor)
    heads: list[str] = []
    while above is not None and len(heads) < 2:
        line = above[1].strip()
        cells = _cells(line)
        if not 2 <= len(cells) <= 16 or line[-1] in ".:;," or _NUMBERED_HEADING.match(line) \
                or any(_is_data(c) for c in cells):
            break  # a sentence, a numbered heading, or a line holding figures heads no column
        heads.insert(0, line)
        if not all(_COLUMN_HEAD.fullmatch(c) for c in cells):
            return " ".join(heads)  # the header line, with the units under it if any
        above = _line_above(text, above[0], floor)
    return None


def _line_above(text: str, start: int, floor: int) -> tuple[int, str] | None:
    """(start, text) of the line before the one starting at ``start``, if it lies after ``floor``."""
    if start - 1 <= floor:
        return None
    a = text.rfind("\n", 0, start - 1) + 1
    return (a, text[a:start - 1]) if a >= floor else None
