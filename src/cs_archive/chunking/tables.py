"""What a table looks like in a paper's extracted text, read from the cells it prints.

pypdf gives a table either a row to a line ("Adult Social Care 361.9 579.1 35.0 418.7", and
"362.2 12.4 -8.1 366.5" where the first cell is empty) or, where the file draws its table a
column at a time, a cell to a line ("361.9" / "362.2" / "418.7"). Either way a number that
starts such a line is a figure, not the paper's paragraph number: this module says which
lines are figures so that the section splitter never takes them for labels.

Where a table is read a row to a line under a header line, its columns can be read back too:
``header_above`` gives the header a later part of a long table is headed by, and
``blocks_of`` cuts a passage into prose and tables (cells, header) for a reader to draw.
A table read a cell to a line has no recoverable header and is left as printed.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

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


@dataclass(frozen=True)
class Block:
    """A stretch of a passage: prose as printed, or a table read a row to a line."""

    kind: str  # "text" or "table"
    text: str  # as printed (for a table: its header lines and rows)
    header: tuple[str, ...] = ()  # column heads, where the header line splits into one per column
    caption: str = ""  # the header line as printed, where it does not split so
    rows: tuple[tuple[str, ...], ...] = ()  # a row's name (or "") then its figures


def blocks_of(passage: str, columns: str = "") -> list[Block]:
    """A passage cut into prose and tables, for a reader to show a table as a table: two or
    more rows of data in a row, with the header line (and units line) right above them. Every
    line of text of the passage is in exactly one block, in order. ``columns``: the column headers a
    later part of a long table carries at the end of its heading path (``header_above``), for
    the rows it opens with."""
    lines = passage.split("\n")
    out: list[Block] = []
    prose: list[str] = []
    k = 0
    while k < len(lines):
        end = k
        while end < len(lines) and is_row(lines[end]):
            end += 1
        if end - k < 2:
            prose.append(lines[k])
            k += 1
            continue
        head_lines = _header_lines(prose)
        if len(head_lines) < len(prose) or not head_lines:
            text = "\n".join(prose[:len(prose) - len(head_lines)])
            if text.strip():
                out.append(Block("text", text))
        rows = tuple(_row_cells(line) for line in lines[k:end])
        given = [columns] if columns and k == 0 else []
        out.append(_table(head_lines or given, rows, "\n".join(head_lines + lines[k:end])))
        prose = []
        k = end
    if "\n".join(prose).strip():
        out.append(Block("text", "\n".join(prose)))
    return out


def markdown_table(block: Block, cell=lambda s: s.replace("|", "\\|")) -> str:
    """A table block as a Markdown table; ``cell`` escapes each cell (by default its pipes)."""
    width = max(len(r) for r in block.rows)
    head = block.header if len(block.header) == width else ("",) * width
    lines = [f"| {' | '.join(cell(h) for h in head)} |", "|" + "---|" * width]
    lines += [f"| {' | '.join(cell(c) for c in r + ('',) * (width - len(r)))} |" for r in block.rows]
    return (f"{cell(block.caption)}\n\n" if block.caption else "") + "\n".join(lines)


def _header_lines(prose: list[str]) -> list[str]:
    """The header line (and a units line under it) at the end of the prose above a table."""
    out: list[str] = []
    for line in reversed(prose[-2:]):
        cells = _cells(line)
        if not 2 <= len(cells) <= 16 or line.strip()[-1] in ".:;," or _NUMBERED_HEADING.match(line.strip()) \
                or any(_is_data(c) for c in cells):
            break
        out.insert(0, line)
        if not all(_COLUMN_HEAD.fullmatch(c) for c in cells):
            break
    return out if out and not all(_COLUMN_HEAD.fullmatch(c) for c in _cells(out[0])) else []


def _row_cells(line: str) -> tuple[str, ...]:
    tail = trailing_figures(line)
    name = " ".join(_cells(line)[:len(_cells(line)) - len(tail)])
    return (name, *tail)


def _table(head_lines: list[str], rows: tuple[tuple[str, ...], ...], text: str) -> Block:
    width = max(len(r) for r in rows)
    words = [w for line in head_lines for w in _cells(line)]
    units: list[str] = []
    while words and _COLUMN_HEAD.fullmatch(words[-1]) and not re.fullmatch(r"(?:19|20)\d{2}\S*", words[-1]):
        units.insert(0, words.pop())  # "£000 £000 £000" under the header line
    for heads in (words, ["", *words]):
        if len(heads) == width and len(units) in (0, width - 1):
            if units:
                heads = heads[:1] + [f"{h} ({u})" for h, u in zip(heads[1:], units)]
            return Block("table", text, tuple(heads), "", rows)
    return Block("table", text, (), " ".join(head_lines), rows)
