"""Stage 3: split one paper along its own numbering into citation units.

A unit starts at a line that carries the paper's next paragraph label (``2.23``, ``27.``,
``5a.``, ``12 ITEM TITLE``, ``A.``) and runs to the next one. A label is only believed when
it follows on from the labels before it, which keeps out tables of contents, agenda rows,
numbered table rows and lists that restart their count inside a paragraph. A number in a
table is never a label, whatever its place in the sequence (see ``tables``): one whose line
goes on with figures ("362.2 12.4 -8.1"), one alone on its line in a column of figures, and
one that numbers the row right after the row numbered before it. A numbered line
that is only a heading (``1. Executive Summary`` followed by ``1.1``) and unnumbered
subheadings that stand right before a label join the heading path, and their words go into
the unit they head, so every character of the paper lands in exactly one unit.

Text with no numbering (preambles, decision pages, slides) is cut into paragraphs under the
nearest heading, with ``section`` None; in a paper of questions and answers, an answer (and a
supplementary question and its answer) stays in the unit of the question it answers.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .lines import Lines
from .tables import figures_only, holds_amounts, reads_as_figures, row_number

CHUNKER_VERSION = "3"

_LABEL = re.compile(
    r"""^[ \t]*(?:
        (?P<dec>\d{1,3}(?:\.\d{1,3})+)\.?
      | (?P<int>\d{1,3})(?P<suf>[a-z])?(?P<dot>\.)?
      | (?P<let>[A-Z])\.
    )(?:[ \t]+(?P<rest>\S.*))?$""",
    re.X,
)
_CAPS_TITLE = re.compile(r"^[A-Z0-9][A-Z0-9'&,()/\- ]{3,}(?:\(Item \d+\))?")
_TIME = re.compile(r"^(?:am|pm|a\.m\.|p\.m\.)\b", re.I)
_TOC_TAIL = re.compile(r"(?:\.{3,}|…)\s*\d*\s*$|\s\d{1,3}$")
_BULLET = re.compile(r"^[ \t]*(?:[-*•·▪●◦]|\(?[ivx]{1,5}[.)]|\(?[a-z][.)]|\d{1,2}\))\s")
_DECISION_LINE = re.compile(r"^(?:RESOLVED|ACTION|AGREED|DECISION)\b(?!:$)")
# A line ending in ":" is a lead-in sentence rather than a heading when it reads as a clause:
# "The Committee noted that:", "The options are as follows:", "Members asked whether:".
_LEAD_IN = re.compile(
    r"\b(?:that|which|who|whether|following|follows|below|include|includes|including|namely|"
    r"is|are|was|were|be|been|has|have|had|will|would|should|shall|must|can|could|may|might|"
    r"noted|agreed|resolved|asked|said|stated|reported|explained|recommended|recommends)\b", re.I)
# A question opens "Question 3 from Mr J Smith", "Question:", "Q3." or "Q:"; an answer "Answer
# from the Leader", "Answer:", "Response:", "Reply by ...", "A3." or "A:". Not "Questions from
# the public" (a heading over them), "Q3 performance" (a quarter), "Response times improved",
# "A466 closure"; "Supplementary question" stays with the question before it.
_QUESTION = re.compile(r"[ \t]*(?:(?:Question|QUESTION)(?:[ \t]*(?:\d+|[:.–-])|[ \t]+(?:from|by)\b|[ \t]*$)"
                       r"|Q\d+[.:)]|Q:)")
_ANSWER = re.compile(r"[ \t]*(?:(?:Answer|ANSWER|Response|RESPONSE|Reply|REPLY)(?:[ \t]*[:.–-]|[ \t]+(?:from|by)\b"
                     r"|[ \t]*$)|A\d+[.:)]|A:)")
_SUBITEM = re.compile(r"[ \t]*(?:[-*•]\s+)?(?P<sub>\(?(?:[ivx]{1,5}|[a-z])[.)])\s")  # matched at a line's start


@dataclass(frozen=True)
class Label:
    kind: str  # dec, int, let
    value: tuple  # (2, 23) for dec, (27,) or (5, 'a') for int, ('A',) for let
    printed: str  # as the paper prints it, without a trailing dot: "2.23", "27", "5a", "A"
    title: str  # the rest of the line
    # "5. Finance 12": a title ending in a number, as a contents line prints its page. Such a
    # line is a contents entry only when it stands in a run of them (see _contents_lines).
    page_tail: bool = False


@dataclass(frozen=True)
class Unit:
    section: str | None
    heading: tuple[str, ...]
    start: int  # offsets in the text passed to split_units
    end: int


def parse_label(line: str) -> Label | None:
    """The paragraph label a line starts with, if its form is one; sequence is checked later."""
    if "\t" in line.strip():
        # Table rows, contents lines with tab-separated page numbers, agenda rows.
        head, _, tail = line.strip().partition("\t")
        if tail.strip() or not re.fullmatch(r"\d{1,3}(?:\.\d{1,3})*\.?", head):
            return None
        line = head
    m = _LABEL.match(line)
    if not m:
        return None
    rest = (m.group("rest") or "").strip()
    if rest and (_TIME.match(rest) or m.group("let") is None and reads_as_figures(rest)):
        return None
    page_tail = False
    if rest and _TOC_TAIL.search(rest) and len(rest.split()) <= 8 and not rest.endswith("."):
        if re.search(r"(?:\.{3,}|…)", rest):  # leader dots: always a contents line
            return None
        page_tail = bool(re.search(r"[A-Za-z]\s+\d{1,3}$", rest))
    if m.group("dec"):
        if rest and rest[0] in "%,":
            return None
        return Label("dec", tuple(int(x) for x in m.group("dec").split(".")), m.group("dec"), rest, page_tail)
    if m.group("int"):
        n = int(m.group("int"))
        suf = m.group("suf")
        if not m.group("dot"):
            # "12 THE ITEM TITLE" (minutes) is a label; "4 outstanding" is not.
            if suf or not rest or not _CAPS_TITLE.match(rest) or sum(c.isupper() for c in rest[:12]) < 4:
                return None
        elif rest and not (rest[0].isupper() or rest[0] in "'\"(£" or rest[0].isdigit()):
            return None
        value = (n, suf) if suf else (n,)
        return Label("int", value, f"{n}{suf or ''}", rest, page_tail)
    if m.group("let"):
        if not rest or not rest[0].isupper() or len(rest.split()) > 16:
            return None
        return Label("let", (m.group("let"),), m.group("let"), rest, page_tail)
    return None


def heading_like(line: str, max_words: int = 14) -> bool:
    s = line.strip()
    if not s or "\t" in s or _BULLET.match(line) or len(s) > 110:
        return False
    words = s.split()
    if len(words) > max_words or not re.search(r"[A-Za-z]{3}", s) or _DECISION_LINE.match(s):
        return False
    if holds_amounts(s):
        return False  # a row of a table ("Total 1,024.5 637.1 39.9"), not a heading
    if s.endswith(":-") or s.endswith(":–"):
        return False  # "It is recommended that the Committee:-" leads into a list
    if s.endswith(":"):
        return len(words) <= 10 and not _LEAD_IN.search(s)
    if s[-1] in ".,;" and not s.endswith("..."):
        return False
    return s[0].isupper() or s[0].isdigit() or s[0] in "'\""


@dataclass
class _Seq:
    """What has been numbered so far, to judge whether a label follows on."""

    last_int: int | None = None
    last_suf: str | None = None
    last_dec: tuple | None = None
    last_let: str | None = None
    list_run: int | None = None  # a restarted 1., 2., 3. list inside a paragraph

    @property
    def major(self) -> int | None:
        if self.last_dec is not None and (self.last_int is None or self.last_dec[0] >= self.last_int):
            return self.last_dec[0]
        return self.last_int

    def accepts(self, lab: Label, started: bool) -> bool:
        if lab.kind == "dec":
            d = lab.value
            if self.last_dec is None:
                return d[-1] == 1 or (self.major is not None and d[0] == self.major) or not started
            return _follows(self.last_dec, d) or (d[0] == (self.last_int or -1) and d[1:] == (1,) * (len(d) - 1))
        if lab.kind == "int":
            n = lab.value[0]
            if len(lab.value) == 2:  # 5a., 5b.
                return self.major == n and (self.last_suf is None and lab.value[1] in "ab"
                                            or self.last_suf is not None and ord(lab.value[1]) == ord(self.last_suf) + 1)
            if self.list_run is not None and n == self.list_run + 1:
                return False
            if self.last_dec is not None and self.major is not None:
                return n in (self.major + 1, self.major + 2)
            if self.last_int is None:
                return n == 1 or not started
            return n in (self.last_int + 1, self.last_int + 2)
        if lab.kind == "let":
            c = lab.value[0]
            if self.last_let is None:
                return c in "AB"
            return ord(c) in (ord(self.last_let) + 1, ord(self.last_let) + 2)
        return False

    def take(self, lab: Label) -> None:
        self.list_run = None
        if lab.kind == "dec":
            self.last_dec = lab.value
            self.last_suf = None
        elif lab.kind == "int":
            n = lab.value[0]
            if len(lab.value) == 2:
                self.last_suf = lab.value[1]
                return
            self.last_int, self.last_suf = n, None
            if self.last_dec is not None and self.last_dec[0] != n:
                self.last_dec = None
        else:
            self.last_let = lab.value[0]

    def reject(self, lab: Label) -> None:
        if lab.kind == "int" and len(lab.value) == 1:
            n = lab.value[0]
            if n == 1 or (self.list_run is not None and n == self.list_run + 1):
                self.list_run = n


def _follows(prev: tuple, d: tuple) -> bool:
    if d == prev + (1,) or d == prev + (1, 1):
        return True
    for k in range(len(prev)):
        for gap in (1, 2):
            p = prev[:k] + (prev[k] + gap,)
            if d == p or d == p + (1,) or d == p + (1, 1):
                return True
    return False


def split_units(text: str, numbered: bool = True) -> list[Unit]:
    """Cut a paper's text into units; their spans cover every non-blank character once.

    ``numbered=False`` (agendas, whose numbers are rows of a table) cuts paragraphs only."""
    lines = Lines(text)
    seq = _Seq()
    starts: list[tuple[int, Label | None]] = []  # (line index, label) of accepted labels
    labels = [parse_label(line) for _, _, line in lines] if numbered else []
    contents = _contents_lines(lines, labels)
    figures = _figure_lines(lines, labels)
    accepted: set[int] = set()
    for i, (_, _, line) in enumerate(lines if numbered else []):
        lab = labels[i]
        if lab is not None and (i in contents or i in figures):
            lab = None
        if lab is not None and _numbers_a_row(lines, i, accepted):
            seq.reject(lab)  # like an item of a list: "1." "2." "3." lines are rows too
            continue
        if lab is None:
            if seq.list_run is not None and line.strip() and not _BULLET.match(line) and _prev_blank(lines, i):
                seq.list_run = None
            continue
        if seq.accepts(lab, started=bool(starts)):
            accepted.add(i)
            seq.take(lab)
            starts.append((i, lab))
        else:
            seq.reject(lab)
    if not starts:
        return _unnumbered(text, lines, 0, len(lines), ())

    units: list[Unit] = []
    first = starts[0][0]
    heads_before = _heading_lines_before(lines, first)
    first_lab = starts[0][1]
    head_lines = [k for k in range(heads_before, first) if lines[k][2].strip()]
    if first_lab.kind != "dec" and first_lab.title and heading_like(first_lab.title, 20):
        heads_before = first  # "1. Introduction" heads itself
    elif not any(lines[k][2].strip() for k in range(0, heads_before)):
        # Only a title block before "1.": it is the preamble, except that the last of several
        # heading lines ("Introduction" under the title) heads paragraph 1.
        heads_before = head_lines[-1] if len(head_lines) >= 2 else first
    units += _unnumbered(text, lines, 0, heads_before, ())
    majors: dict[int, str] = {}  # numbered headings by depth
    sub: str | None = None  # the unnumbered subheading in force
    pending_start: int | None = lines[heads_before][0] if heads_before < first else None
    lead_sub = _sub_from(lines, heads_before, first)
    if lead_sub:
        sub = lead_sub
    for n, (i, lab) in enumerate(starts):
        end_line = starts[n + 1][0] if n + 1 < len(starts) else len(lines)
        # Unnumbered subheadings right before the next label belong to the next unit.
        head_from = _heading_lines_before(lines, end_line, floor=i + 1) if n + 1 < len(starts) else end_line
        start = pending_start if pending_start is not None else lines[i][0]
        nxt = starts[n + 1][1] if n + 1 < len(starts) else None
        body_empty = not any(lines[k][2].strip() for k in range(i + 1, head_from))
        is_heading = (lab.kind == "int" and nxt is not None and nxt.kind == "dec" and nxt.value[0] == lab.value[0]
                      and body_empty and heading_like(lab.title or "X"))
        is_heading |= (lab.kind == "int" and len(lab.value) == 2 and body_empty and heading_like(lab.title or "X"))
        titled = lab.kind != "dec" and bool(lab.title) and heading_like(lab.title, 20)
        if nxt is not None and nxt.kind != "dec" and nxt.title and heading_like(nxt.title, 20):
            # "12 THE ITEM TITLE" heads itself: a short line above it ends the item before.
            head_from = end_line
        if titled and body_empty and not is_heading and n + 1 < len(starts):
            # "B. Other options" then "N/A": the short line is its body, not the next heading.
            head_from = end_line
        if (titled or is_heading) and len(lab.value) == 1:
            majors = {}
            sub = lead_sub
        if is_heading:
            key = 1 if len(lab.value) == 2 else 0
            majors = {k: v for k, v in majors.items() if k < key}
            majors[key] = lab.title or lab.printed
            pending_start = start
            lead_sub = _sub_from(lines, head_from, end_line)
            if lead_sub:
                sub = lead_sub
            continue
        own = (lab.title,) if titled else ()
        path = tuple(v for _, v in sorted(majors.items())) + ((sub,) if sub else ()) + own
        end = lines[head_from][0] if head_from < len(lines) else len(text)
        units.append(Unit(lab.printed, path, start, end))
        pending_start = None
        lead_sub = _sub_from(lines, head_from, end_line)
        if lead_sub:
            sub = lead_sub
            pending_start = lines[head_from][0]
    return [u for u in units if text[u.start:u.end].strip()]


def _contents_lines(lines, labels) -> set[int]:
    """Lines that are entries of a table of contents: labelled lines whose title ends in a page
    number, in a run of two or more such lines with only blank lines between them. A heading
    like "5. Priority 1" followed by its text stands alone and stays a label."""
    tail = [i for i, lab in enumerate(labels) if lab is not None and lab.page_tail]
    found: set[int] = set()
    for a, b in zip(tail, tail[1:]):
        if not any(lines[k][2].strip() for k in range(a + 1, b)):
            found |= {a, b}
    return found


def _figure_lines(lines, labels) -> set[int]:
    """Lines that hold a number alone in a column of figures: the nearest line of text above
    or below holds only figures too ("361.9" / "362.2" / "418.7", a table read a cell to a
    line). A number alone above a heading ("05.19.01" / "Apologies") stays a label."""
    found: set[int] = set()
    for i, lab in enumerate(labels):
        if lab is None or lab.title or lab.kind == "let":
            continue
        for step in (-1, 1):
            j = _next_text_line(lines, i, step)
            if j is not None and figures_only(lines[j][2]):
                found.add(i)
                break
    return found


def _numbers_a_row(lines, i: int, accepted: set[int]) -> bool:
    """Whether line i numbers a row of a table: the line of text right above it starts with
    the number before, printed the same way ("59 Jo Sergeant Workplace Parking Levy" then
    "60 MR SATYEN JOSHI STATEMENT ON ..."), and was not taken for a label, so that number has
    no text of its own: the two are rows of a numbered table, not paragraphs."""
    this = row_number(lines[i][2])
    if this is None:
        return False
    j = _next_text_line(lines, i, -1)
    if j is None or j in accepted:
        return False
    return row_number(lines[j][2]) == (this[0] - 1, this[1])


def _next_text_line(lines, i: int, step: int) -> int | None:
    j = i + step
    while 0 <= j < len(lines) and not lines[j][2].strip():
        j += step
    return j if 0 <= j < len(lines) else None


def _prev_blank(lines, i) -> bool:
    return i > 0 and not lines[i - 1][2].strip()


def _heading_lines_before(lines, idx: int, floor: int = 0) -> int:
    """Index of the first of the heading-like lines (and blanks) right before line idx."""
    j = idx
    k = idx - 1
    while k >= floor:
        s = lines[k][2]
        if not s.strip():
            k -= 1
            continue
        if heading_like(s) and parse_label(s) is None:
            j = k
            k -= 1
            # at most two heading lines in a row
            if idx - j > 4:
                break
            continue
        break
    return j


def _questions(lines, a: int, b: int) -> list[int]:
    """Where each question of a paper of questions and answers starts (line indexes): the
    lines that open with "Question 3 ..." or "Q3." at a paragraph's start, when there are two
    or more of them and an answer is printed as such ("Answer ...", "Response:", "Reply",
    "A3."). Each question is then a unit with everything up to the next one: its answer and
    any supplementary question and answer are cited and found together."""
    asked: list[int] = []
    answered = False
    for k in range(a, b):
        line = lines[k][2]
        if not line.strip() or k > a and not _starts_paragraph(lines, k):
            continue
        if _QUESTION.match(line):
            asked.append(k)
        elif _ANSWER.match(line):
            answered = True
    return asked if len(asked) >= 2 and answered else []


def _starts_paragraph(lines, k: int) -> bool:
    """Line k opens a paragraph: a blank line, a finished sentence or a short line is above."""
    above = lines[k - 1][2].strip()
    return not above or above[-1] in ".?!:\"”)" or len(above) < 60


def _sub_from(lines, a: int, b: int) -> str | None:
    heads = [lines[k][2].strip() for k in range(a, b) if lines[k][2].strip()]
    return heads[-1] if heads and all(heading_like(h) for h in heads) else None


def _unnumbered(text: str, lines, a: int, b: int, base: tuple[str, ...]) -> list[Unit]:
    """Paragraphs under the nearest heading; short ones and lists join their lead-in. A paper
    of questions and answers is cut at its questions instead (see ``_questions``)."""
    asked = _questions(lines, a, b)
    if asked:
        out = _unnumbered(text, lines, a, asked[0], base) if asked[0] > a else []
        for n, q in enumerate(asked):
            last = (asked[n + 1] if n + 1 < len(asked) else b) - 1
            while not lines[last][2].strip():
                last -= 1
            opener = lines[q][2].strip()
            title = (opener,) if heading_like(opener, 20) or opener.endswith(":") and len(opener.split()) <= 12 else ()
            out.append(Unit(None, base + title, lines[q][0], lines[last][1]))
        return out
    blocks: list[list[int]] = []
    cur: list[int] = []
    for k in range(a, b):
        if lines[k][2].strip():
            cur.append(k)
        elif cur:
            blocks.append(cur)
            cur = []
    if cur:
        blocks.append(cur)
    units: list[Unit] = []
    heading: str | None = None
    pending: int | None = None  # start offset of a heading waiting for its paragraph
    for blk in blocks:
        first_line = lines[blk[0]][2]
        if len(blk) == 1 and heading_like(first_line) and blk is not blocks[-1]:
            heading = first_line.strip()
            if pending is None:
                pending = lines[blk[0]][0]
            continue
        start = pending if pending is not None else lines[blk[0]][0]
        end = lines[blk[-1]][1]
        path = base + ((heading,) if heading else ())
        prev = units[-1] if units else None
        if prev is not None and pending is not None and len(units) == 1 and prev.heading == base \
                and "\n" not in text[prev.start:prev.end].strip() and len(text[prev.start:prev.end].split()) < 15:
            # A lone header line at the top ("... Select Committee.") joins the first headed
            # paragraph rather than standing as a chunk of its own.
            units[-1] = Unit(None, path, prev.start, end)
        elif prev and pending is None and prev.heading == path and (
            _BULLET.match(first_line) or len(text[prev.start:prev.end].split()) < 40) \
                and len(text[prev.start:end].split()) < 160:
            units[-1] = Unit(None, path, prev.start, end)
        else:
            units.append(Unit(None, path, start, end))
        pending = None
    if pending is not None:
        if units:
            last = units[-1]
            units[-1] = Unit(None, last.heading, last.start, lines[b - 1][1])
        else:
            units.append(Unit(None, base, pending, lines[b - 1][1]))
    return units


def subsection_of(unit_text: str, offset: int) -> str | None:
    """The sub-item label ("iv", "b)") whose line holds ``offset`` in a unit's text, if any."""
    return subsections_of(unit_text, [offset])[0]


def subsections_of(text: str, offsets: list[int], start: int = 0, end: int | None = None) -> list[str | None]:
    """``subsection_of`` for each of ``offsets`` (ascending, counted from ``start``) in the
    unit ``text[start:end]``, in one pass over its lines: a unit thousands of lines long, cut
    into many parts, is read once, not once per part, and never copied."""
    end = len(text) if end is None else end
    out: list[str | None] = []
    best = None
    pos = start
    while pos <= end and len(out) < len(offsets):
        while len(out) < len(offsets) and start + offsets[len(out)] < pos:
            out.append(best)
        if len(out) == len(offsets):
            break
        nl = text.find("\n", pos, end)
        line_end = end if nl < 0 else nl
        m = _SUBITEM.match(text, pos, line_end)
        if m:
            best = m.group("sub").strip("(").rstrip(".")
        pos = line_end + 1
    return out + [best] * (len(offsets) - len(out))
