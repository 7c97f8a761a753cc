"""A paper's chunks -> the commitments printed in it. Pure: no archive, no model.

Kinds (see tests/commitments/README.md for what counts):
- action: ``ACTION: <owner> to …`` lines (owner optional), ``Action: <officer>`` after an item
  or in an action-log table (Action | Owner | Due), offers recorded in minutes ("Ms Coombs
  offered to provide …", "Mr X advised that he would …").
- decision: ``RESOLVED``/``AGREED`` items, the text on the same line or on the lines after
  (blank lines and page breaks between are skipped), one record per part of a multi-part
  resolution; decisions that only note a report count too.
- promise: a report's recommendations (one per listed part), each item of a "We will:" or
  "The following actions will be taken:" list, and sentences in which the council, one of its
  services, boards or officers undertakes to do something ("The next update will be provided
  to Cabinet in Summer 2024"). Forecasts, third parties' plans (government, Ofsted),
  conditionals, questions and past-tense narrative are not commitments.

The paper's chunks are read as one text, so an item that runs over a chunk or page boundary
("RESOLVED –" at the foot of a page, its text on the next) is read whole; each record cites
the chunk where its text starts.
"""
from __future__ import annotations

import hashlib
import re
from bisect import bisect_right
from dataclasses import dataclass
from typing import Sequence

from ..chunking.sentences import sentence_spans
from ..lexical import normalise
from ..models import Chunk, PaperMeta
from .dates import find_due

KINDS = ("action", "decision", "promise")
# Bump when extraction changes what it finds: stored registers of another version are redone.
EXTRACTOR_VERSION = "4"


@dataclass(frozen=True)
class Commitment:
    id: str
    kind: str
    text: str
    owner: str | None
    due: str | None
    due_text: str | None
    chunk_id: str
    section: str | None
    page: int | None
    heading: str
    lead: str | None = None  # the words introducing a list item ("We will:")
    procedural: bool = False  # previous minutes approved, apologies, declarations, the next meeting's date
    decision_number: str | None = None  # as printed ("Decision No: 24/00123"), decisions only
    decision_maker: str | None = None  # as printed ("Decision maker: Cabinet Member for …"), decisions only
    item: str | None = None  # the agenda item it falls under ("Workplace Parking Levy"): finds the report


def commitment_id(chunk_id: str, text: str) -> str:
    """Stable across re-ingests: the chunk id is, and so is the text."""
    return hashlib.sha256(f"{chunk_id}\n{normalise(text)}".encode()).hexdigest()[:16]


# --------------------------------------------------------------------------------------
# The paper as one text

_INLINE_TAGS = re.compile(r"</?(?:b|i|u|em|strong|span)(?:\s[^>]*)?>|\*\*", re.I)
_BULLET = re.compile(r"^[ \t]*(?P<m>[-•·▪●◦*–]|\(?[a-h]\)|\(?(?:i|ii|iii|iv|v|vi|vii|viii|ix|x)\)|[a-h]\.|"
                     r"(?:i|ii|iii|iv|v|vi|vii|viii|ix|x)\.|\d{1,2}[.)]|[A-H][.)])[ \t]+(?=\S)")
_SECTION_LABEL = re.compile(r"^(?:[-•·]\s*)?(?:\d+(?:\.\d+)*\.?|[a-z]\)|\(?[ivx]+\)|[ivx]+\.)\s+(?=[A-Z(‘'\"“])")


def _marker_class(m: str) -> str:
    m = m.strip("().")
    if m in "-•·▪●◦*–":
        return "dash"
    if m.isdigit():
        return "num"
    if re.fullmatch(r"[ivx]+", m):
        return "roman"
    return "upper" if m.isupper() else "alpha"


def _clean(s: str) -> str:
    s = _INLINE_TAGS.sub("", s)
    s = re.sub(r"^\*(.+)\*$", r"\1", s.strip())
    return re.sub(r"\s+", " ", s).strip()


@dataclass
class _Line:
    start: int
    end: int
    raw: str

    @property
    def blank(self) -> bool:
        return not self.raw.strip()

    @property
    def bullet(self) -> re.Match | None:
        return _BULLET.match(self.raw)

    @property
    def body(self) -> str:
        b = self.bullet
        return _clean(self.raw[b.end():] if b else self.raw)


class _Paper:
    def __init__(self, meta: PaperMeta, chunks: Sequence[Chunk]):
        self.meta = meta
        self.chunks = list(chunks)
        parts, starts, pos = [], [], 0
        for i, c in enumerate(self.chunks):
            if i:
                cont = c.part and c.part > 1 and c.section == self.chunks[i - 1].section
                joiner = (" " if not _BULLET.match(c.text) else "\n") if cont else "\n\n"
                parts.append(joiner)
                pos += len(joiner)
            text = _INLINE_TAGS.sub("", c.text)
            starts.append(pos)
            parts.append(text)
            pos += len(text)
        self.text = "".join(parts)
        self.starts = starts
        self.lines: list[_Line] = []
        p = 0
        for raw in self.text.split("\n"):
            self.lines.append(_Line(p, p + len(raw), raw))
            p += len(raw) + 1
        self.covered: list[tuple[int, int]] = []
        self.out: list[Commitment] = []
        self.paragraphs: list[tuple[int, int]] | None = None
        self.items = _item_titles(self.lines)
        self.fields = _printed_fields(self.text)

    def item_at(self, offset: int) -> str | None:
        k = bisect_right([a for a, _ in self.items], offset) - 1
        return self.items[k][1] if k >= 0 else None

    def field_at(self, name: str, offset: int) -> str | None:
        """The nearest printed form field (decision maker, number) before the offset, else the
        first one after it on a one-decision form."""
        found = [(a, v) for a, n, v in self.fields if n == name]
        before = [v for a, v in found if a <= offset]
        return before[-1] if before else (found[0][1] if len(found) == 1 else None)

    def chunk_at(self, offset: int) -> Chunk:
        return self.chunks[max(0, bisect_right(self.starts, offset) - 1)]

    def is_covered(self, a: int, b: int) -> bool:
        return any(a < cb and ca < b for ca, cb in self.covered)

    def add(self, kind: str, text: str, start: int, end: int, owner: str | None = None, lead: str | None = None,
            due_from: str | None = None) -> None:
        text = _clean(text)
        if len(text) < 4 or not _HAS_CONTENT.search(_EMPTY_WORDS.sub("", text)):
            return  # "that:", "RESOLVED –": a marker whose parts were not found
        self.covered.append((start, end))
        item = self.item_at(start)
        line = next((ln.raw for ln in self.lines if ln.start <= start <= ln.end), "")
        procedural = kind != "action" and is_procedural(text, line, item)  # an action on the minutes is work
        due = None if procedural else find_due(due_from if due_from is not None else text, self.meta.date,
                                               not_before=True)
        c = self.chunk_at(start)
        decided = kind == "decision"
        self.out.append(Commitment(
            id=commitment_id(c.chunk_id, text), kind=kind, text=text, owner=_tidy_owner(owner),
            due=due.iso if due else None, due_text=due.text if due else None, chunk_id=c.chunk_id,
            section=c.section, page=c.page, heading=c.heading, lead=_clean(lead) if lead else None,
            procedural=procedural, decision_number=self.field_at("number", start) if decided else None,
            decision_maker=self.field_at("maker", start) if decided else None, item=item))

    def previous_text(self, i: int) -> str:
        """The nearest non-blank line before line i (what an ACTION follows on from)."""
        for j in range(i - 1, max(-1, i - 8), -1):
            if not self.lines[j].blank:
                return self.lines[j].body
        return ""


_HAS_CONTENT = re.compile(r"[A-Za-z]{3,}")
_EMPTY_WORDS = re.compile(r"\b(?:that|resolved|agreed|decided|decision|approved|the|to)\b", re.I)

# --------------------------------------------------------------------------------------
# What a paper prints around its commitments: agenda items, form fields, procedure

_ITEM_HEADING = re.compile(r"^[ \t]*(?:Item[ \t]+)?(?P<n>\d{1,4}(?:\.\d{1,2}){0,2})\.?[ \t]+(?P<t>[A-Z][^.!?]{2,90}?)[ \t:.-]*$")
_SUBJECT_FIELD = re.compile(r"^[ \t]*(?:\([a-z]\)[ \t]*)?(?:Subject|Title|Item|Report title|Decision title)[ \t]*:[ \t]*"
                            r"(?P<t>\S.{2,120}?)[ \t]*(?:\((?:agenda )?item[^)]*\))?[ \t]*$", re.I)


def _item_titles(lines: list[_Line]) -> list[tuple[int, str]]:
    """(offset, title) of each agenda item the paper heads: "10 Workplace Parking Levy Update
    report", "(a) Subject: Workplace Parking Levy (agenda item 10)"; a subject field that runs
    onto a second line is read whole."""
    out = []
    for i, ln in enumerate(lines):
        m = _SUBJECT_FIELD.match(ln.raw)
        if m:
            title = m.group("t")
            nxt = lines[i + 1].raw.strip() if i + 1 < len(lines) else ""
            if nxt and nxt[:1].islower():
                title += " " + re.sub(r"\s*\((?:agenda )?item[^)]*\)\s*$", "", nxt)
            out.append((ln.start, _clean(title)))
            continue
        m = _ITEM_HEADING.match(ln.raw)
        if m and len(m.group("t").split()) <= 12 and not re.search(r"\b(?:will|would|was|were|is|are|to)\b", m.group("t")):
            out.append((ln.start, _clean(m.group("t"))))
    return out


_FIELD = [
    ("maker", re.compile(r"(?im)^[ \t]*(?:\([a-z]\)[ \t]*)?Decision[ \t-]*(?:maker|taker|taken by|made by)[ \t]*[:\-–][ \t]*"
                         r"(?P<v>[^\n]{3,120})$")),
    ("maker", re.compile(r"(?i)\bDecision (?:determined|taken|made) (?:at|by)\s+(?P<v>[A-Z][^\n]{2,80}?(?:\n[^\n]{0,80}?)?)"
                         r"(?=\s+(?:meeting\b|on\s+\d|held\b)|\s*\n\s*\n)")),
    ("number", re.compile(r"(?im)\bDecision[ \t]+(?:No\.?|Number|Ref(?:erence)?\.?)[ \t]*[:\-–]?[ \t]*(?P<v>[A-Z0-9][\w/.-]{1,20})")),
]


def _printed_fields(text: str) -> list[tuple[int, str, str]]:
    """(offset, name, value) of each decision maker and decision number the paper prints."""
    out = []
    for name, pat in _FIELD:
        for m in pat.finditer(text):
            value = _clean(m.group("v")).strip(" .,:;")
            if value and not re.fullmatch(r"(?i)n/?a|none|tbc", value):
                out.append((m.start(), name, value))
    return sorted(out)


_PROCEDURAL_TEXT = re.compile(
    r"\b(?:correct|true|accurate)\s+record\b|\bminutes\b.{0,160}\b(?:approved|agreed|confirmed|signed|correct|accurate|"
    r"true record|adopted)\b|\b(?:approved|agreed|signed|accepted)\b[^.]{0,30}\bas\s+(?:correct|accurate|a true)\b|"
    r"\bapologies\b|\bdeclarations?\s+of\s+(?:interest|pecuniary)|\b(?:date|time) of (?:the )?next meeting\b|"
    r"\bnext meeting (?:will|would|is to|shall) be held\b", re.I | re.S)
_PROCEDURAL_ITEM = re.compile(r"^(?:approval of |to (?:confirm|receive|approve|sign) |confirmation of )?(?:the )?"
                              r"(?:minutes\b(?!.*\b(?:arising|matters)\b)|apologies|declarations? of interest|"
                              r"(?:date|time) of (?:the )?next meeting)", re.I)


def is_procedural(text: str, line: str = "", item: str | None = None) -> bool:
    """Previous minutes approved, apologies, declarations of interest, the next meeting's date:
    true when the record's words, the line it starts on or the item it falls under say so."""
    if _PROCEDURAL_TEXT.search(text):
        return True
    head = line.strip()
    if head and head not in text and _PROCEDURAL_TEXT.search(head[:160]) and len(text) < 160:
        return True
    return bool(item and _PROCEDURAL_ITEM.match(item) and len(text) < 200)


def _tidy_owner(owner: str | None) -> str | None:
    if not owner:
        return None
    owner = _clean(owner).strip(" .,:;–-")
    return owner or None


# --------------------------------------------------------------------------------------
# Owners

_TITLE = r"(?:Mr|Mrs|Ms|Miss|Mx|Dr|Cllr|Councillor|Professor|Prof)\.?"
_PERSON = rf"{_TITLE}\s+(?:[A-Z]\.?\s+){{0,2}}[A-Z][\w'’-]+(?:\s+[A-Z][\w'’-]+)?"
ROLE_WORDS = (r"council|authority|service|services|team|board|panel|committee|cabinet|officer|officers|director|"
              r"directorate|manager|managers|management|head|member|members|adviser|advisor|chairman|chair|leader|"
              r"lead|clerk|unit|hub|executive|secretariat|scrutiny|portfolio holder|solicitor")
_ROLE = re.compile(rf"\b(?:{ROLE_WORDS})\b", re.I)
_ROLE_NP = (rf"(?:[Tt]he\s+)?(?:[A-Z][\w'’&-]*\s+){{0,5}}?(?:Director|Officers?|Managers?|Head|Chairman|Chair|"
            rf"Cabinet Member|Lead Member|Member|Adviser|Advisor|Clerk|Leader|Lead|Executive)"
            rf"(?:\s+(?:of|for)\s+(?:the\s+)?(?:(?:[A-Z][\w'’&()-]*|and|&)\s*){{1,6}})?")


def _looks_like_owner(s: str) -> bool:
    s = _clean(s).strip(" .,:;")
    words = s.split()
    if not words or len(words) > 9 or not (s[0].isupper() or s[0].isdigit()):
        return False
    if re.match(_TITLE + r"\s", s) or _ROLE.search(s):
        return True
    if re.fullmatch(r"[A-Z]{2,4}(?:\s*[/,&]\s*[A-Z]{2,4})*", s):  # initials: "JS", "JS/AB"
        return True
    return all(w[0].isupper() or w in ("and", "&", "of", "for", "the") for w in words) and len(words) <= 4


# --------------------------------------------------------------------------------------
# Actions

_ACTION = re.compile(r"^[ \t]*(?:[-•·*][ \t]*)?(?:\d+(?:\.\d+)*\.?[ \t]+)?(?:AGREED[ \t]+)?ACTIONS?(?:[ \t]+(?:BY|POINT|ITEM))?"
                     r"[ \t]*(?:\d+[ \t]*)?[:–—-][ \t]*(?P<rest>.*)$", re.I)
_ACTION_COLUMN = re.compile(r"(?:\t|\s{2,}|\|)\s*Action(?:\s+by)?\s*[:–—-]\s*(?P<owner>[^\t|]{1,60}?)\s*\|?\s*$", re.I)
_OWNER_TO = re.compile(r"^(?P<owner>.{1,80}?)\s+to\s+(?=[a-z])")
_TABLE_HEAD_ACTION = re.compile(r"^(?:agreed\s+)?actions?(?:\s+required|\s+agreed)?$", re.I)
_TABLE_HEAD_OWNER = re.compile(r"^(?:owner|by whom|who|lead(?: officer)?|responsible(?: officer)?|action by|officer)$", re.I)
_TABLE_HEAD_DUE = re.compile(r"^(?:due(?: date)?|deadline|by when|target date|timescale|date due|when)$", re.I)


def _actions(p: _Paper) -> None:
    lines = p.lines
    for i, ln in enumerate(lines):
        if ln.blank:
            continue
        m = _ACTION.match(ln.raw)
        if m and "\t" not in m.group("rest"):
            rest = _clean(m.group("rest"))
            start = ln.start + m.start("rest")
            if not rest:  # "ACTION:" alone: the action is on the next line
                j = next((k for k in range(i + 1, min(len(lines), i + 4)) if not lines[k].blank), None)
                if j is None:
                    continue
                rest, start = lines[j].body, lines[j].start
            o = _OWNER_TO.match(rest)
            if o and _looks_like_owner(o.group("owner")):
                p.add("action", rest, start, ln.end, owner=o.group("owner"))
            elif len(rest.split()) <= 6 and " to " not in rest and _looks_like_owner(rest):
                # "Action: Head of Finance" under the item it assigns.
                prev = p.previous_text(i)
                j = next((k for k in range(i - 1, -1, -1) if not lines[k].blank), i)
                p.add("action", prev, lines[j].start, ln.end, owner=rest)
            else:
                p.add("action", rest, start, ln.end)
            continue
        m = _ACTION_COLUMN.search(ln.raw)
        if m and _looks_like_owner(m.group("owner")):
            text = ln.raw[:m.start()].strip(" \t|")
            if len(text.split()) >= 3:
                p.add("action", text, ln.start, ln.end, owner=m.group("owner"))
    _action_tables(p)


def _cells(raw: str) -> list[str]:
    raw = raw.strip().strip("|")
    return [c.strip() for c in (raw.split("|") if "|" in raw else raw.split("\t"))]


def _action_tables(p: _Paper) -> None:
    """An action log: a header row naming Action and Owner (and maybe Due), then rows."""
    lines = p.lines
    i = 0
    while i < len(lines):
        cells = [_clean(c) for c in _cells(lines[i].raw)]
        col_action = next((k for k, c in enumerate(cells) if _TABLE_HEAD_ACTION.match(c)), None)
        col_owner = next((k for k, c in enumerate(cells) if _TABLE_HEAD_OWNER.match(c)), None)
        if len(cells) < 2 or col_action is None or col_owner is None:
            i += 1
            continue
        col_due = next((k for k, c in enumerate(cells) if _TABLE_HEAD_DUE.match(c)), None)
        i += 1
        while i < len(lines):
            ln = lines[i]
            if ln.blank or set(ln.raw.strip()) <= set("|-: "):
                i += 1
                if ln.blank and (i >= len(lines) or len(_cells(lines[i].raw)) < 2):
                    break
                continue
            row = _cells(ln.raw)
            if len(row) < 2:
                break
            get = lambda k: _clean(row[k]) if k is not None and k < len(row) else ""  # noqa: E731
            text = get(col_action)
            if text and not p.is_covered(ln.start, ln.end):
                due = get(col_due)
                p.add("action", text, ln.start, ln.end, owner=get(col_owner) or None,
                      due_from=f"by {due}" if due and due[0].isdigit() else (due or text))
            i += 1


# --------------------------------------------------------------------------------------
# Decisions, recommendations and lists

_RESOLVED = re.compile(r"^[ \t]*(?:[-•·][ \t]*)?(?:\d+(?:\.\d+)*\.?[ \t]+)?(?:it was[ \t]+)?"
                       r"(?P<word>RESOLVED|Resolved|AGREED|DECIDED|DECISION|Decision)\b[ \t]*(?:[:–—-]+[ \t]*)?"
                       r"(?P<rest>.*)$")
_INLINE_DECISION = re.compile(r"(?:\b[Ii]t was|\b(?:[Tt]he\s+)?(?:[A-Z][\w'’&-]*\s+){0,4}(?:Committee|Cabinet|Council|Board|"
                              r"Panel|Sub-Committee|Members))\s+(?:unanimously\s+)?(?:RESOLVED|AGREED)\b")
_RECOMMEND_LABEL = re.compile(r"^[ \t]*(?:\d+\.?[ \t]+)?(?:Officer[ \t]+)?Recommendations?(?:[ \t]+\d+)?[ \t]*(?:[:–—-][ \t]*)?"
                              r"(?!(?:was|were|is|are|has|have)\b)(?P<rest>.*)$")
_RECOMMEND_SENTENCE = re.compile(r"\bit is recommended that\b|\b(?:is|are) (?:asked|recommended|requested|invited) to\b", re.I)
_LIST_LEAD = re.compile(r"(?:^|\b)(?:we|the council|the service|the authority|the local authority|the partnership|"
                        r"our (?:services?|teams?|partners))\s+will(?:\s+also)?\s*:-?\s*$|"
                        r"\b(?:actions|steps|measures)\s+(?:will|shall)\s+be\s+(?:taken|undertaken|delivered)\s*:-?\s*$|"
                        r"\bwe will take the following (?:actions|steps)\s*:-?\s*$", re.I)
_DECISION_OWNER = re.compile(r"^(?:[Tt]hat\s+)?(?P<owner>(?:[Tt]he\s+)?(?:[A-Z][\w'’&-]*\s+|(?:and|&)\s+){0,5}(?:Committee|Cabinet|Council|Board|"
                             r"Panel|Sub-Committee)(?:\s+(?:for|of)\s+(?:[A-Z][\w'’&-]*|and|&)(?:\s+(?:[A-Z][\w'’&-]*|and|&))*?)?)\s+(?:unanimously\s+)?(?:AGREED|RESOLVED|agree[sd]?|approve[sd]?|"
                             r"note[sd]?|endorse[sd]?|accept(?:s|ed)?|support(?:s|ed)?|request(?:s|ed)?|ask(?:s|ed)?|to)\b")
_DECISION_DELEGATE = re.compile(r"^[Tt]hat\s+(?P<owner>(?:the\s+)?(?:[A-Z][\w'’&,()-]*\s+|of\s+|and\s+|for\s+|in\s+)+?)"
                                r"be\s+(?:authorised|asked|requested|instructed|delegated|directed)\b")
_NP = r"(?:the\s+)?(?:[A-Z][\w'’&-]*\s*){1,5}?"
_RECOMMEND_OWNERS = [
    re.compile(rf"(?i:it is recommended that)\s+(?P<owner>{_NP})(?:\s*[:,-]|\s+(?:to|approves?|agrees?|notes?|confirms?|considers?)\b)"),
    re.compile(rf"^(?:For|That)\s+(?P<owner>{_NP})\s+(?:to|is|are|approves?|agrees?|notes?|endorses?)\b"),
    re.compile(rf"^(?P<owner>{_NP})\s+(?:is|are)\s+(?:asked|recommended|requested|invited)\b"),
]


def _next_nonblank(p: _Paper, i: int, limit: int = 8) -> int | None:
    for j in range(i, min(len(p.lines), i + limit)):
        if not p.lines[j].blank:
            return j
    return None


def _paragraph(p: _Paper, i: int) -> tuple[str, int, int]:
    """The paragraph starting at line i: lines up to a blank line, a list item or a marker.
    Returns (text, index of its last line, end offset)."""
    lines, parts, j = p.lines, [], i
    while j < len(lines) and not lines[j].blank:
        if j > i and (lines[j].bullet or _ACTION.match(lines[j].raw) or _RESOLVED.match(lines[j].raw)):
            break
        parts.append(lines[j].raw if j > i else lines[j].raw)
        j += 1
    return " ".join(x.strip() for x in parts), j - 1, lines[j - 1].end


def _items(p: _Paper, i: int) -> tuple[list[tuple[str, int, int]], int]:
    """List items from line i on: each bullet with its continuation lines (an item ending in
    ':' keeps the sub-items under it); a plain line before the first bullet is an item too.
    Stops at a blank line followed by something that is not an item of the same kind."""
    lines, items, cls, j, prev_mark = p.lines, [], None, i, None
    while j < len(lines):
        ln = lines[j]
        if ln.blank:
            j += 1
            continue
        b = ln.bullet
        if _RESOLVED.match(ln.raw) or _ACTION.match(ln.raw) or _RECOMMEND_LABEL.match(ln.raw):
            break
        if b:
            c = _marker_class(b.group("m"))
            if cls is None:
                cls = c
            elif c != cls:
                break
            mark = b.group("m").strip("().")
            if prev_mark is not None and c in ("num", "alpha", "upper") and not _follows(prev_mark, mark):
                break  # "1. 2." then "1. Purpose": the numbering restarted, a new part begins
            prev_mark = mark
        elif items and (cls is not None or lines[j - 1].blank):
            break
        elif not items and (_SECTION_LABEL.match(ln.raw) or ln.raw.rstrip().endswith(":")):
            break
        text, last = ln.raw, j
        k = j + 1
        while k < len(lines) and not lines[k].blank and not lines[k].bullet and not _marker_line(lines[k].raw):
            text += " " + lines[k].raw.strip()
            last = k
            k += 1
        if text.rstrip().endswith(":"):  # "Review the way we decide about:" keeps its sub-items
            while k < len(lines) and not lines[k].blank and lines[k].bullet:
                text += "\n" + lines[k].raw.strip()
                last = k
                k += 1
        body = _BULLET.sub("", text, count=1) if b else text
        items.append((body, ln.start, lines[last].end))
        j = last + 1
    return items, j


def _marker_line(raw: str) -> bool:
    return bool(_ACTION.match(raw) or _RESOLVED.match(raw) or _RECOMMEND_LABEL.match(raw))


def _follows(prev: str, mark: str) -> bool:
    if prev.isdigit() and mark.isdigit():
        return int(mark) == int(prev) + 1
    if len(prev) == 1 and len(mark) == 1:
        return ord(mark) == ord(prev) + 1
    return True


_CHOICE_LEAD = re.compile(r"\beither\b|\bone of (?:the following|these)\b|\boptions?\b|\bwhether\b|\bmay\s*:-?\s*$",
                          re.I)
_OR_END = re.compile(r"(?:[,;]\s*|\s)or\s*$", re.I)


def _choices(lead: str, items: list[tuple[str, int, int]]) -> bool:
    """Whether the items are alternatives to choose from, not parts to do: a lead that offers a
    choice ("either", "one of the following", "may:", "options") or items joined by "or" (the
    options of a call-in: "make no comments; or express comments ...; or require ...").
    None of them is a commitment until the meeting picks one."""
    if len(items) < 2:
        return False
    return bool(_CHOICE_LEAD.search(lead)) or any(_OR_END.search(body) for body, _, _ in items[:-1])


def _line_from(p: _Paper, offset: int) -> int | None:
    """The index of the first line that starts at or after ``offset``."""
    return next((n for n, ln in enumerate(p.lines) if ln.start >= offset), None)


def _decisions(p: _Paper) -> None:
    lines = p.lines
    i = 0
    while i < len(lines):
        ln = lines[i]
        m = _RESOLVED.match(ln.raw)
        if not m or p.is_covered(ln.start, ln.end):
            i += 1
            continue
        rest = m.group("rest").strip()
        word = m.group("word")
        if word in ("DECISION", "Decision") and not re.match(r"(?:that|to)\b", rest, re.I):
            j = _next_nonblank(p, i + 1) if not rest else None
            if j is None or not re.match(r"\s*(?:That|To)\s", lines[j].raw):
                i += 1
                continue  # "Decision:" heading a summary, not the decision itself
        if rest and not re.match(r"[A-Za-z(‘'\"“]", rest):
            i += 1
            continue
        if rest:
            para, last, end = _paragraph(p, i)
            text = rest + para[len(ln.raw.strip()):]
            start = ln.start + m.start("rest")
        else:
            j = _next_nonblank(p, i + 1)
            if j is None or lines[j].bullet is None and (_ACTION.match(lines[j].raw) or _RESOLVED.match(lines[j].raw)):
                i += 1
                continue
            if lines[j].bullet:  # "RESOLVED –" straight into its parts
                items, after = _items(p, j)
                for body, a, b in items:
                    p.add("decision", body, a, b, owner=_decision_owner(body))
                p.covered.append((ln.start, lines[max(j, after - 1)].end))
                i = after
                continue
            text, last, end = _paragraph(p, j)
            start = lines[j].start
        owner = _decision_owner(text)
        if text.rstrip().endswith((":", ":-")):
            items, after = _items(p, last + 1)
            if items:
                for body, a, b in items:
                    p.add("decision", body, a, b, owner=owner, lead=text)
                p.covered.append((start, end))
                i = after
                continue
        p.add("decision", text, start, end, owner=owner)
        i = last + 1


# Decision notices ("(d) Decision taken", "Decision:") and "That the Committee …:" blocks of
# minutes: one decision per numbered or lettered part; a part that only heads lettered
# sub-parts ("2. Residents Parking") is context; a part the meeting did not approve is no decision.
_BODY = (r"(?:[Tt]he\s+)?(?:[A-Z][\w'’&-]*\s+|(?:and|&|of|for)\s+){0,6}?(?:Committee|Cabinet|Council|Board|Panel|"
         r"Sub-Committee|Forum|Executive|PC|Councillors|Members)(?:\s+(?:for|of|on)\s+(?:the\s+)?"
         r"(?:[A-Z][\w'’&-]*|and|&)(?:\s+(?:[A-Z][\w'’&-]*|and|&))*)?")
_DECISION_FIELD = re.compile(r"^[ \t]*(?:\([a-z]\)[ \t]*)?(?:Decisions?(?:[ \t]+(?:taken|made|agreed))?|"
                             r"Decision of the [A-Za-z ]+|Resolution)[ \t]*[:\-–]?[ \t]*$", re.I)
_BODY_LEAD = re.compile(rf"^[ \t]*(?:That[ \t]+)?(?P<owner>{_BODY})[ \t]*(?:\([^)]*\))?[ \t]*:[ \t-]*$")
_FORM_FIELD = re.compile(r"^[ \t]*(?:\([a-z]\)[ \t]*(?:Subject|Ward|Declarations?|Decision|Exempt|Additional|Reasons?|"
                         r"Alternative|Options?|Details|Any conflict|Dispensation)|Deadline for|Exempt Information|"
                         r"Reasons? for (?:the )?decision|Alternative options|Background papers)", re.I)
_NOT_APPROVED = re.compile(r"Recommendations?\s+(?P<which>[\w ,&]+?)\s+(?:was|were)\s+(?:not\s+(?:approved|agreed|carried)|"
                           r"rejected|withdrawn|deferred)|\bwas\s+not\s+(?:approved|carried)\b", re.I)
_SUB_LEAD = re.compile(r"^[ \t]*[A-Z][\w ,&'’-]{0,40}:[ \t]*$")
_FURNITURE = re.compile(r"^[ \t]*(?:OFFICIAL(?:[ -]SENSITIVE)?|Page \d+(?: of \d+)?|\d{1,3})[ \t]*$")


def _parts(p: _Paper, i: int, stop_at_paragraph: bool = True) -> tuple[list[tuple[str, int, int]], int]:
    """The numbered and lettered parts from line i: (text, start, end) each, and the line after
    them. Skips page furniture, sub-leads ("Contractual:"), heading parts, unapproved parts."""
    lines, raw = p.lines, []
    rejected: set[str] = set()
    j = i
    while j < len(lines):
        ln = lines[j]
        if ln.blank or _FURNITURE.match(ln.raw):
            j += 1
            continue
        text = ln.raw.strip()
        no = _NOT_APPROVED.search(text) if not ln.bullet or text.startswith("*") else None
        if no:
            rejected |= set(re.findall(r"\d+[a-z]?", no.group("which") or ""))
            j += 1
            continue
        if _FORM_FIELD.match(ln.raw) or _DECISION_FIELD.match(ln.raw) or _RESOLVED.match(ln.raw):
            break
        b = ln.bullet
        if b is None:
            if _SUB_LEAD.match(ln.raw) and raw:
                k = _next_nonblank(p, j + 1, 4)
                nb = lines[k].bullet if k is not None else None
                if nb and not _restarts(raw, nb.group("m").strip("().").strip()):
                    j += 1  # "Contractual:" between parts 2 and 3
                    continue
                break
            runs_on = raw and (not lines[j - 1].blank or text[:1].islower() or
                               re.search(r"\b(?:with|and|of|the|to|for|in|or|by|on|a|an)$|,$", raw[-1][1].rstrip()))
            if runs_on and not _FORM_FIELD.match(ln.raw):
                mark, body, a, _ = raw[-1]  # a part that runs on
                raw[-1] = (mark, body + " " + text, a, ln.end)
                j += 1
                continue
            if raw or stop_at_paragraph:
                break
            j += 1
            continue
        mark = b.group("m").strip("().").strip()
        if raw and _restarts(raw, mark):
            break  # "1." again: another list
        if raw and _marker_class(mark) != _marker_class(raw[-1][0]) and _heading(p, j, ln.raw[b.end():]):
            break  # "- Receives a final report …" then "A. Narrative setting out the reasons": the next section
        raw.append((mark, ln.raw[b.end():].strip(), ln.start, ln.end))
        j += 1
    out, number = [], ""
    for k, (mark, body, a, e) in enumerate(raw):
        cls = _marker_class(mark)
        if cls == "num":
            number = mark
        key = number + mark if cls == "alpha" else mark
        nxt = raw[k + 1][0] if k + 1 < len(raw) else None
        if nxt and _marker_class(nxt) != cls and _marker_class(nxt) == "alpha" and len(body.split()) <= 16 \
                and not body.rstrip().endswith((".", ";")):
            continue  # "2. Residents Parking": a heading over its lettered parts
        if key in rejected or (cls == "num" and mark in rejected):
            continue
        out.append((body, a, e))
    return out, j


def _heading(p: _Paper, j: int, body: str) -> bool:
    """Whether line j, a marker with ``body``, heads a section: a short title with no closing
    punctuation, followed by a paragraph rather than by parts of its own."""
    body = body.strip()
    if not body[:1].isupper() or len(body.split()) > 12 or body.endswith((".", ";", ":", ",")):
        return False
    k = _next_nonblank(p, j + 1, 4)
    return k is not None and k > j + 1 and p.lines[k].bullet is None


def _restarts(raw: list, mark: str) -> bool:
    """Whether a number marker starts the numbering again (a new list, not the next part)."""
    if not mark.isdigit():
        return False
    last = next((m for m, *_ in reversed(raw) if m.isdigit()), None)
    return last is not None and int(mark) <= int(last)


def _decision_blocks(p: _Paper) -> None:
    """Decisions printed in a form field or under "That the Committee …:" (minutes, notices)."""
    if p.meta.doc_type not in ("minutes", "decision", "other", None) and not p.fields:
        return
    lines, i = p.lines, 0
    while i < len(lines):
        ln = lines[i]
        if p.is_covered(ln.start, ln.end):
            i += 1
            continue
        field, lead = _DECISION_FIELD.match(ln.raw), _BODY_LEAD.match(ln.raw)
        if not field and not lead:
            i += 1
            continue
        owner, j = (lead.group("owner") if lead else None), i + 1
        if field:
            k = _next_nonblank(p, i + 1)
            while k is not None and (_RECOMMEND_LABEL.match(_clean(lines[k].raw)) or _FURNITURE.match(lines[k].raw)):
                k = _next_nonblank(p, k + 1)  # "Officer Recommendations:" as the decision
            if k is None:
                i += 1
                continue
            sub = _BODY_LEAD.match(lines[k].raw) or re.match(r"^[ \t]*That[ \t]+(?P<owner>.{3,90}?)[ \t]*:[ \t]*$",
                                                            lines[k].raw)
            after_k = _next_nonblank(p, k + 1, 6)
            bare_lead = not lines[k].bullet and after_k is not None and lines[after_k].bullet is not None and \
                len(lines[k].raw.split()) <= 14 and not lines[k].raw.rstrip().endswith((".", ";"))
            if (sub or bare_lead) and not lines[k].bullet:
                owner, j = (sub.group("owner") if sub else _lead_owner(lines[k].raw)), k + 1
            elif not lines[k].bullet:  # the decision as a paragraph
                end_line = k
                while end_line < len(lines) and not lines[end_line].blank and not _FORM_FIELD.match(lines[end_line].raw):
                    end_line += 1
                text = " ".join(x.raw.strip() for x in lines[k:end_line])
                if not (re.match(r"(?:That|To)\s", text) or _decision_owner(text) or _inline_decision(text, p.meta)[0]):
                    i += 1
                    continue  # "Decision:" heading a summary, not the decision itself
                p.add("decision", text, lines[k].start, lines[end_line - 1].end, owner=_decision_owner(text))
                p.covered.append((ln.start, lines[end_line - 1].end))
                i = end_line
                continue
            else:
                j = k
        parts, after = _parts(p, j)
        if not parts:
            i += 1
            continue
        for body, a, b in parts:
            p.add("decision", body, a, b, owner=owner or _decision_owner(body),
                  lead=lines[j - 1].raw if j > i + 1 or lead else None)
        p.covered.append((ln.start, lines[max(i, after - 1)].end))
        i = after


def _lead_owner(lead: str) -> str | None:
    m = re.match(rf"^\s*(?:That\s+)?(?P<owner>{_BODY})", _clean(lead))
    return m.group("owner") if m else None


def _decision_owner(text: str) -> str | None:
    text = _clean(text)
    m = _DECISION_OWNER.match(text) or _DECISION_DELEGATE.match(text)
    return m.group("owner").strip() if m else None


def _recommendation_owner(text: str) -> str | None:
    text = _clean(text)
    owners = [m.group("owner").strip() for r in _RECOMMEND_OWNERS for m in [r.search(text)] if m]
    owner = next((o for o in owners if o.lower() != "it"), None)
    return owner if owner and _ROLE.search(owner) or owner in ("Cabinet", "Council") else None


def _recommendations(p: _Paper) -> None:
    lines = p.lines
    i = 0
    while i < len(lines):
        ln = lines[i]
        m = _RECOMMEND_LABEL.match(_clean(ln.raw))
        if not m or p.is_covered(ln.start, ln.end):
            i += 1
            continue
        rest = m.group("rest").strip()
        if rest:  # "Recommendations:\tFor Cabinet to note …" (a header field)
            if rest.endswith((":", ":-")):
                items, after = _items(p, i + 1)
                for body, a, b in ([] if _choices(rest, items) else items):
                    p.add("promise", body, a, b, owner=_recommendation_owner(rest), lead=rest)
                i = after
            else:
                p.add("promise", rest, ln.start, ln.end, owner=_recommendation_owner(rest))
                i += 1
            continue
        j = _next_nonblank(p, i + 1)
        if j is None:
            break
        if lines[j].bullet:
            items, after = _items(p, j)
            for body, a, b in ([] if _choices("", items) else items):
                p.add("promise", body, a, b, owner=_recommendation_owner(body))
            i = after
            continue
        text, last, end = _paragraph(p, j)
        owner = _recommendation_owner(text) or _lead_owner(text)
        k = _next_nonblank(p, last + 1, 6)
        # "That the Committee for …" over its numbered parts, or a lead ending in ":" over its items
        heads_parts = k is not None and lines[k].bullet and len(text.split()) <= 14 and \
            not text.rstrip().endswith((".", ";", ":"))
        if heads_parts or text.rstrip().endswith((":", ":-")):
            items, after = _parts(p, k) if heads_parts else _items(p, last + 1)
            for body, a, b in ([] if _choices(text, items) else items):
                p.add("promise", body, a, b, owner=owner, lead=text)
            p.covered.append((lines[j].start, end))
            i = max(after, last + 1)
        else:
            p.add("promise", text, lines[j].start, end, owner=owner)
            i = last + 1


def _lists(p: _Paper) -> None:
    """Each item of a "We will:" / "The following actions will be taken:" list."""
    lines = p.lines
    i = 0
    while i < len(lines):
        ln = lines[i]
        body = ln.body
        if ln.blank or not _LIST_LEAD.search(body) or p.is_covered(ln.start, ln.end):
            i += 1
            continue
        items, after = _items(p, i + 1)
        p.covered.append((ln.start, ln.end))
        for text, a, b in items:
            if not p.is_covered(a, b):
                p.add("promise", text, a, b, lead=body)
        i = max(after, i + 1)


# --------------------------------------------------------------------------------------
# Sentences: offers, inline decisions, promises

_OFFER = re.compile(
    rf"(?P<owner>{_PERSON}|{_ROLE_NP})\s+(?:(?:had|has)\s+)?(?:kindly\s+)?"
    rf"(?:(?:offered|undertook|agreed|promised|volunteered|undertakes|offers|agrees)\s+to\b|"
    rf"(?:confirmed|advised|said|stated|indicated|explained|reported|added|replied|responded|undertook)\s+(?:that\s+)?"
    rf"(?:he|she|they|officers|the service|the council)\s+would\b|"
    rf"would be (?:happy|pleased|willing) to\b|(?:was|were) (?:happy|willing) (?:to|for)\b)")

_FUTURE = re.compile(r"\b(?P<modal>will|shall|(?:is|are)?\s*due to)\b(?P<adv>(?:\s+(?:also|then|now|further|still|only|not|soon|shortly|"
                     r"jointly|closely|continue to|be continuing to|need to|have to|seek to|aim to|look to|work to|"
                     r"therefore|again|initially|subsequently|in turn|need|instead|already|always|[a-z]+ly))*)\s+(?P<verb>[\w’'-]+)(?:\s+(?P<verb2>[\w’'-]+))?", re.I)
DELIVERY = set("""provided brought presented reported submitted taken circulated considered published implemented developed
opened held shared monitored reviewed undertaken drafted produced made established completed delivered launched
introduced rolled set commissioned prepared updated refreshed recruited appointed arranged issued sent tabled put
explored evaluated carried refurbished built extended agreed finalised concluded sought scheduled piloted trialled
expanded increased reduced recommissioned procured tendered written replaced relaunched restructured tested defined
assessed sought identified""".split())
READY = {"in", "operational", "live", "ready", "complete", "available", "open", "fully", "finalised"}
NOT_UNDERTAKINGS = set("""be have remain need face see receive become require experience depend struggle fail suffer
lose grow mean cost vary affect impact result benefit gain likely help enable allow""".split())
_CONDITIONAL_START = re.compile(r"^(?:If|When|Where|Without|Unless|Should|Although|Though|Whilst|While|Whether)\b")
_CONDITIONAL = re.compile(r"\b(?:when|if|where) (?:required|needed|necessary|appropriate)\b|\blikely\b", re.I)
_DELIMITER = re.compile(r",|;|:|\(|\)|–|—|\b(?:that|which|who|where|when|if|then|and|but|whilst|while|as|because|so|how|"
                        r"what|whether|once|i\.e\.|e\.g\.)\b", re.I)
_PRONOUN_START = re.compile(r"^(?:this|these|those|it|its|they|them|their|there|he|she|you|your|one|which|who|what|"
                            r"such|both|each|all of)\b", re.I)
THIRD_PARTY = re.compile(r"\b(?:government|dfe|department for|ministry|ofsted|cqc|inspector\w*|home office|nhs|"
                         r"commissioner|adcs|lga|local government association|social work england|hcpc|treasury|"
                         r"parliament|secretary of state|minister|icb|ccg|police|court|tribunal|regulator|"
                         r"guidance|legislation|framework|regulations?|consultation|review|act|bill|national|"
                         r"providers?|market|sector)\b", re.I)
PEOPLE = set("""children child young people person pupils pupil students student parents parent carers carer families family
schools school public residents staff headteachers teachers users areas authorities councils settings""".split())
METRIC = set("""number numbers rate rates proportion percentage cost costs spend spending budget budgets overspend savings
funding investment demand level levels figure figures total gap impact outcome outcomes pressure pressures risk risks
data trend trends trajectories times time""".split())
_PREP = re.compile(r"\s(?:of|to|for|in|on|from|with|across|against|within|at|by|into|under|over|between|through)\s", re.I)


# Minutes: "AS to place the order", "HL would contact …", "NO will attend …", "HL was asked to
# investigate …", "Clerk report this to NRW", and an owner printed in a column at the line's end.
_INITIALS = r"[A-Z]{2,3}(?:\s*/\s*[A-Z]{2,3})*"
_NAMED = (rf"{_TITLE}\s*\.?\s*(?:[A-Z]\.?\s*){{0,2}}[A-Z][a-z][\w'’-]*(?:\s+[A-Z][a-z][\w'’-]+)?|"
          r"(?:[Tt]he\s+)?(?:Parish\s+|Town\s+)?Clerk|[Oo]fficers|(?:[Tt]he\s+)?(?:[A-Z][\w'’&-]*\s+){0,4}(?:Officer|Manager|"
          r"Director|Head of [A-Z][\w&]*(?:\s+[A-Z][\w&]*)*|Chair(?:man)?|Leader|Treasurer|Secretary|Adviser|Advisor)")
_WHO = rf"(?P<owner>{_INITIALS}|{_NAMED})"
_CLAUSE_START = r"(?:^|(?<=[;:–—])\s*|(?<=\.)\s+|(?<=-)\s+|(?<=,)\s+|(?<=\))\s+|(?<=\d)\s+)"
_MINUTE_ACTION = re.compile(
    _CLAUSE_START + _WHO + r"\s+(?:"
    r"to\s+(?!be\b|have\b)[a-z][a-z-]+|"
    r"(?:would|will)\s+(?:(?:again|also|now|then)\s+)?(?!(?:(?:again|also|now|then)\s+)?(?:be|have|not|need|like|require|"
    r"probably|hope|continue|expect)\b)[a-z][a-z-]+|"
    r"(?:was|were|has been|had been)\s+asked\s+to\s+[a-z]+|"
    r"(?:report|write|contact|ask|send|circulate|email|e-mail|arrange|order|check|chase|reply|notify|obtain|investigate|"
    r"forward|respond|book|inform|advise|liaise|request)\s+(?:this|the|to|with|them|him|her|all)\b)")
_OWNER_COLUMN = re.compile(rf"\S(?P<gap>[ \t]{{3,}})(?P<col>{_INITIALS}|(?:Cllr|Councillor)s?\.?\s*\.?(?:[A-Z]\.?\s*){{0,2}}"
                           r"[A-Z][a-z]+(?:\s*/\s*(?:Cllr\.?\s*)?(?:[A-Z]\.?\s*){0,2}[A-Z][a-z]+)*|Clerk)[ \t]*$")
_UNDERTAKING = re.compile(r"\b(?:would|will|asked|offered|undertook)\b")
_TITLED_ACTION = re.compile(rf"(?P<owner>{_TITLE}\s*\.?\s*(?:[A-Z]\.?\s*){{0,2}}[A-Z][a-z][\w'’-]*(?:\s+[A-Z][a-z][\w'’-]+)?)\s+"
                            r"(?:would|will)\s+(?!(?:be|have|not|need|like|require|probably|hope)\b)[a-z]+")
_INLINE_ACTION = re.compile(r"\(?\bACTIONS?\s*[:–-]\s*(?P<rest>[^)]+)")
_TO_BE_DONE = re.compile(r"^(?:[A-Z][\w'’-]*)(?:\s+[\w'’-]+){0,4}\s+to\s+be\s+(?:placed|sent|circulated|arranged|obtained|"
                         r"ordered|written|contacted|investigated|published|put|added|reported|raised|forwarded|chased|"
                         r"requested|updated|drafted|prepared|emailed|e-mailed|booked|displayed)\b")


def _to_owner(text: str) -> str | None:
    o = _OWNER_TO.match(_clean(text))
    return o.group("owner") if o and _looks_like_owner(o.group("owner")) else None


def _sentence_spans(text: str) -> list[tuple[int, int]]:
    """Sentences, with one cut after an initialism ("C.C.C. Highways") joined up again."""
    out: list[tuple[int, int]] = []
    for a, b in sentence_spans(text):
        if out and re.search(r"\b(?:[A-Z]\.){2,}$", text[out[-1][0]:out[-1][1]]) and re.match(r"[A-Z][a-z]+\b(?!\s+(?:to|will|would)\b)", text[a:b]):
            out[-1] = (out[-1][0], b)
        else:
            out.append((a, b))
    return out


def _minutes_like(meta: PaperMeta) -> bool:
    return meta.doc_type in ("minutes", "other", None) or meta.doc_type == "decision"


def _minute_actions(p: _Paper) -> None:
    if not _minutes_like(p.meta):
        return
    for a, b in _paragraph_spans(p):
        para = p.text[a:b]
        flat = para.replace("\n", " ")
        for sa, sb in _sentence_spans(flat):
            sentence = flat[sa:sb]
            m = _INLINE_ACTION.search(sentence)
            if m and not p.is_covered(a + sa + m.start(), a + sb):
                p.add("action", m.group("rest").strip(" .)"), a + sa + m.start("rest"), a + sb,
                      owner=_to_owner(m.group("rest")))
                continue
            if _TO_BE_DONE.match(sentence.strip()) and not p.is_covered(a + sa, a + sb):
                p.add("action", sentence.strip(), a + sa, a + sb)
                continue
            found = [m for m in _MINUTE_ACTION.finditer(sentence)]
            found += [m for m in _TITLED_ACTION.finditer(sentence) if not any(f.start("owner") <= m.start("owner") < f.end()
                                                                                for f in found)]
            found.sort(key=lambda m: m.start("owner"))
            for m in found:
                start = a + sa + m.start("owner")
                if p.is_covered(start, a + sb):
                    continue
                owner = m.group("owner")
                prefix = sentence[:m.start("owner")]
                decided, body = _inline_decision(prefix, p.meta)
                if decided and not p.is_covered(a + sa, start):  # "… and agreed that …; Clerk to action."
                    p.add("decision", _SECTION_LABEL.sub("", prefix.strip(" ;,–-")), a + sa, start, owner=body)
                if owner.isupper() and owner.replace("/", "").replace(" ", "") in ("AND", "THE", "TO", "OF", "ACTION", "NO") \
                        and not re.match(r"\s+(?:to|will|would)\s", sentence[m.end("owner"):]):
                    continue
                text = sentence[m.start("owner"):]
                text = re.split(r"\s{3,}", text, maxsplit=1)[0]  # an owner column after it
                p.add("action", text, start, a + sb, owner=owner)
                break
    for ln in p.lines:  # an owner column: "… would look into this issue.        HL"
        m = _OWNER_COLUMN.search(ln.raw)
        if not m or p.is_covered(ln.start + m.start("col"), ln.end):
            continue
        before = ln.raw[:m.start("gap") + 1]
        para_start = ln.start
        for a, b in _paragraph_spans(p):
            if a <= ln.start <= b:
                para_start = a
                break
        flat = p.text[para_start:ln.start + len(before)].replace("\n", " ")
        spans = _sentence_spans(flat)
        if not spans:
            continue
        sa, sb = spans[-1]
        sentence = flat[sa:sb]
        if not _UNDERTAKING.search(sentence) or p.is_covered(para_start + sa, para_start + sb) or \
                _inline_decision(sentence, p.meta)[0]:
            continue
        p.add("action", _SECTION_LABEL.sub("", sentence.strip()), para_start + sa, ln.end, owner=m.group("col"))


# Decisions in a sentence: "the Councillors resolved to …", "it was resolved to …", "proposed by …,
# seconded by … and unanimously agreed that …", "The PC agrees in principle …".
_INLINE_RESOLVED = re.compile(
    rf"(?P<owner>\b{_BODY}|\b[Tt]he\s+members\s+of\s+(?:[A-Z][\w'’&-]*\s*)+|\bAll(?:\s+[Cc]ouncillors)?)\s+(?:\w+ly\s+)?"
    r"(?:resolved|agreed|agrees|approved|RESOLVED|AGREED|APPROVED|DECIDED|decided)\b(?!\s+that\s+the\s+following\b)|"
    r"\b(?:[Ii]t\s+was|and|then|were|was)\s+(?:\w+ly\s+)?(?:resolved|agreed|RESOLVED|AGREED|APPROVED|decided)\b"
    r"(?=\s*,?\s*(?:that|to|on|the|as|:|;)\b|\s*[,:;.&]|\s+\w+ly\b)|"
    r"^(?:Resolved|Agreed|RESOLVED|AGREED)\s+(?:to|that)\b")
_NOTED = re.compile(rf"(?P<owner>\b{_BODY})\s+(?:\w+ly\s+)?(?:noted|NOTED|endorsed|approved|agreed|resolved)\s+"
                    r"(?!that\b)(?:the|this|these|its|an?)\b")


def _inline_decision(sentence: str, meta: PaperMeta) -> tuple[bool, str | None]:
    """Whether a sentence of minutes records a decision, and the body that took it."""
    if not _minutes_like(meta):
        return False, None
    for pat in (_INLINE_RESOLVED, _NOTED):
        m = pat.search(sentence)
        if not m:
            continue
        before = sentence[:m.start()]
        if re.search(r"\b(?:had|has|have|previously|already|if|whether|would|not)\s*$", before, re.I):
            continue
        if not _HAS_CONTENT.search(_EMPTY_WORDS.sub("", sentence[m.end():])) and len(before.split()) < 3:
            continue  # "It was APPROVED that;": its parts follow
        owner = (m.groupdict().get("owner") or "").strip() or None
        if owner and (owner.lower().startswith("all") or owner.lower() in ("members", "councillors")):
            owner = None if owner.lower().startswith("all") else owner
        return True, owner
    return False, None


def _council_names(meta: PaperMeta) -> set[str]:
    names = {"council", "the council", "the county council", "the authority", "the local authority"}
    if meta.council:
        full = meta.council.lower()
        names |= {full, "the " + full, full.split()[0]}
    return names


def _subject(sentence: str, at: int) -> tuple[str, str | None]:
    """The words before the verb at ``at`` back to the last clause boundary, and that boundary."""
    before = sentence[:at]
    cuts = list(_DELIMITER.finditer(before))
    if not cuts:
        return before.strip(), None
    last = cuts[-1]
    seg = before[last.end():].strip()
    delim = last.group().lower()
    if not seg and delim in (",", ")", "–", "—"):  # "A celebration event, …, will be held"
        prev = cuts[-2].end() if len(cuts) > 1 else 0
        return before[prev:last.start()].strip(), "fallback"
    return seg, delim


def _owner_np(before: str) -> str | None:
    """A name that ends right before the verb: "the Business Intelligence and Insight team"."""
    m = re.search(r"(?:^|\s)((?:[Tt]he|[Oo]ur)\s+(?:[A-Z][\w'’&()-]*\s+|(?:and|of|for|&)\s+)*[\w'’()-]+)\s*$", before)
    return m.group(1) if m and _ROLE.search(m.group(1)) else None


def _proper_name(subject: str) -> bool:
    """"Homes England", "Pinewood Studios": an organisation named, not the council's own work."""
    words = re.findall(r"[\w'’&-]+", _PREP.split(f" {subject} ")[0])
    words = words[1:] if words and words[0].lower() == "the" else words
    return bool(words) and all(w[0].isupper() or w[0].isdigit() for w in words) and not any(w[0].isdigit() for w in words)


def _is_actor(subject: str, meta: PaperMeta) -> bool:
    s = subject.lower().strip()
    if s in ("we", "we all", "officers", "members") or s in _council_names(meta):
        return True
    if re.match(_TITLE + r"\s", subject):
        return True
    head_part = _PREP.split(f" {subject} ")[0].strip()
    return bool(re.match(r"(?:the|our|its|an?)\s", head_part, re.I) or head_part[:1].isupper()) and \
        bool(_ROLE.search(head_part)) and bool(re.match(r"(?:the|our)\b", head_part, re.I) or
                                                 head_part.split()[0].istitle() and not head_part.lower().endswith("s"))


def _promise_in(sentence: str, meta: PaperMeta) -> tuple[bool, str | None]:
    """Whether the sentence is an undertaking of the council's, and who undertakes it."""
    body = _SECTION_LABEL.sub("", sentence.strip())
    if not body or body.endswith("?") or _CONDITIONAL_START.match(body) or _CONDITIONAL.search(body):
        return False, None
    if re.match(r"\d*\.?\s*That\s", body):
        return False, None  # "That measures will be put in place": an assurance asked for, a motion
    for m in _FUTURE.finditer(body):
        adv = (m.group("adv") or "").lower()
        verb, verb2 = m.group("verb").lower(), (m.group("verb2") or "").lower()
        modal = m.group("modal").lower()
        if "need" in adv or "have to" in adv or (verb == "have" and verb2 == "to") or verb == "need":
            continue
        if "due to" in modal:
            if verb != "be":
                continue
        subject, delim = _subject(body, m.start())
        if delim in ("how", "what", "whether") or (not subject and delim in ("that", "which", "who", "where", "when")):
            continue
        passive = verb == "be" and verb2 in DELIVERY
        progressive = verb == "be" and verb2.endswith("ing") and verb2 not in NOT_UNDERTAKINGS
        after = body[m.end():]
        agent = re.match(r"\s*(?:and\s+\w+\s+)?by\s+((?:the|our)\s+.{3,80}?)(?=\s+(?:which|who|to|reporting|in|on|at|"
                         r"for|with|from|and|as|when|through|via|before|after|by)\b|[,.;:]|$)", after)
        if passive and agent and _is_actor(agent.group(1), meta):
            return True, agent.group(1)
        if _PRONOUN_START.match(subject) or THIRD_PARTY.search(_PREP.split(f" {subject} ")[0]) or \
                re.search(r"\bnext meeting\b", subject, re.I):  # the diary, not an undertaking
            continue
        words = re.findall(r"[a-z]+", _PREP.split(f" {subject.lower()} ")[0])
        head = words[-1] if words else ""
        if head in PEOPLE or head in METRIC:
            continue
        owner = _owner_np(body[:m.start()]) or subject if _is_actor(subject, meta) else None
        owner = None if owner and owner.lower() in ("we", "we all") else owner
        if passive:
            return True, owner
        if verb == "be" and not progressive:
            if verb2 in READY and find_due(body, meta.date) is not None:
                return True, owner
            continue
        perfect = verb == "have" and (verb2.endswith(("ed", "en")) or verb2 in DELIVERY)
        active = verb2 if progressive or perfect else verb
        if active in NOT_UNDERTAKINGS:
            continue
        if _is_actor(subject, meta):
            return True, owner
        if not _proper_name(subject) and find_due(body, meta.date) is not None:
            return True, owner
    return False, None


def _paragraph_spans(p: _Paper) -> list[tuple[int, int]]:
    """(start, end) of each paragraph: a line, and the lines it runs on into (the next starts in
    lower case, even after a page break, or follows directly without a marker, a form field or
    an owner column ending the line before)."""
    if p.paragraphs is not None:
        return p.paragraphs
    paragraphs: list[tuple[int, int]] = []
    lines, i = p.lines, 0
    while i < len(lines):
        if lines[i].blank:
            i += 1
            continue
        a, j = lines[i].start, i
        while True:
            k = _next_nonblank(p, j + 1, limit=4)
            if k is None:
                break
            this, nxt = lines[j].raw.rstrip(), lines[k].raw.lstrip()
            ends = this.endswith((".", ":", "?", "!")) or bool(_OWNER_COLUMN.search(this)) or bool(re.search(r"\S\s{4,}\S+$", this))
            if not ends and nxt[:1].islower():
                j = k
                continue
            if not ends and k == j + 1 and not lines[k].bullet and not _marker_line(lines[k].raw) and \
                    not _FORM_FIELD.match(lines[k].raw) and not _ITEM_HEADING.match(lines[k].raw) and \
                    len(this.split()) > 4 and nxt[:1].isalpha():
                j = k  # a hard-wrapped line of a PDF
                continue
            break
        paragraphs.append((a, lines[j].end))
        i = j + 1
    p.paragraphs = paragraphs
    return paragraphs


def _sentences(p: _Paper) -> None:
    agenda = p.meta.doc_type == "agenda"
    minutes = p.meta.doc_type in ("minutes", "decision")
    for a, b in _paragraph_spans(p):
        para = p.text[a:b].replace("\n", " ")
        for sa, sb in sentence_spans(para):
            s_a, s_b = a + sa, a + sb
            if p.is_covered(s_a, s_b):
                continue
            sentence = para[sa:sb]
            if _INLINE_DECISION.search(sentence):
                p.add("decision", _SECTION_LABEL.sub("", sentence.strip()), s_a, s_b, owner=_decision_owner(sentence))
                continue
            decided, body = _inline_decision(sentence, p.meta)
            if decided and not agenda:
                p.add("decision", _SECTION_LABEL.sub("", sentence.strip()), s_a, s_b, owner=body)
                continue
            if agenda:
                continue
            o = _OFFER.search(sentence)
            if o:
                p.add("action", sentence[o.start():], s_a + o.start(), s_b, owner=o.group("owner"))
                continue
            if _RECOMMEND_SENTENCE.search(sentence) and p.meta.doc_type != "minutes":
                if sentence.rstrip().endswith((":", ":-")) and _leads_choices(p, sentence, s_b):
                    continue  # "The Committee is asked to:" over the call-in's options
                p.add("promise", _SECTION_LABEL.sub("", sentence.strip()), s_a, s_b, owner=_recommendation_owner(sentence))
                continue
            ok, owner = _promise_in(sentence, p.meta)
            if ok and minutes and not owner:
                continue  # minutes report others' plans too: only an undertaking someone owns
            if ok:
                p.add("promise", _SECTION_LABEL.sub("", sentence.strip()), s_a, s_b, owner=owner)


def _leads_choices(p: _Paper, lead: str, end: int) -> bool:
    j = _line_from(p, end)
    k = _next_nonblank(p, j) if j is not None else None
    if k is None or p.lines[k].bullet is None:
        return False
    items, _ = _items(p, k)
    return _choices(lead, items)


# --------------------------------------------------------------------------------------

def extract(meta: PaperMeta, chunks: Sequence[Chunk]) -> list[Commitment]:
    """Every commitment in one paper, in reading order; a decision a page repeats
    ("Decision:" and again under "Minutes:") is kept once."""
    if not chunks:
        return []
    p = _Paper(meta, chunks)
    _actions(p)
    _decision_blocks(p)
    _decisions(p)
    _recommendations(p)
    _lists(p)
    _minute_actions(p)
    _sentences(p)
    seen: set[tuple[str, str]] = set()
    out = []
    order = {c.chunk_id: n for n, c in enumerate(p.chunks)}
    for c in sorted(p.out, key=lambda c: order[c.chunk_id]):
        key = (c.kind, normalise(c.text))
        if key in seen:
            continue
        seen.add(key)
        out.append(c)
    return out
