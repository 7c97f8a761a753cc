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

    def chunk_at(self, offset: int) -> Chunk:
        return self.chunks[max(0, bisect_right(self.starts, offset) - 1)]

    def is_covered(self, a: int, b: int) -> bool:
        return any(a < cb and ca < b for ca, cb in self.covered)

    def add(self, kind: str, text: str, start: int, end: int, owner: str | None = None, lead: str | None = None,
            due_from: str | None = None) -> None:
        text = _clean(text)
        if len(text) < 4:
            return
        self.covered.append((start, end))
        due = find_due(due_from if due_from is not None else text, self.meta.date, not_before=True)
        c = self.chunk_at(start)
        self.out.append(Commitment(
            id=commitment_id(c.chunk_id, text), kind=kind, text=text, owner=_tidy_owner(owner),
            due=due.iso if due else None, due_text=due.text if due else None, chunk_id=c.chunk_id,
            section=c.section, page=c.page, heading=c.heading, lead=_clean(lead) if lead else None))

    def previous_text(self, i: int) -> str:
        """The nearest non-blank line before line i (what an ACTION follows on from)."""
        for j in range(i - 1, max(-1, i - 8), -1):
            if not self.lines[j].blank:
                return self.lines[j].body
        return ""


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
_RECOMMEND_LABEL = re.compile(r"^[ \t]*(?:\d+\.?[ \t]+)?(?:Officer[ \t]+)?Recommendations?(?:[ \t]+\d+)?[ \t]*(?:[:–—-][ \t]*)?(?P<rest>.*)$")
_RECOMMEND_SENTENCE = re.compile(r"\bit is recommended that\b|\b(?:is|are) (?:asked|recommended|requested|invited) to\b", re.I)
_LIST_LEAD = re.compile(r"(?:^|\b)(?:we|the council|the service|the authority|the local authority|the partnership|"
                        r"our (?:services?|teams?|partners))\s+will(?:\s+also)?\s*:-?\s*$|"
                        r"\b(?:actions|steps|measures)\s+(?:will|shall)\s+be\s+(?:taken|undertaken|delivered)\s*:-?\s*$|"
                        r"\bwe will take the following (?:actions|steps)\s*:-?\s*$", re.I)
_DECISION_OWNER = re.compile(r"^(?:[Tt]hat\s+)?(?P<owner>(?:[Tt]he\s+)?(?:[A-Z][\w'’&-]*\s+){0,4}(?:Committee|Cabinet|Council|Board|"
                             r"Panel|Sub-Committee))\s+(?:unanimously\s+)?(?:AGREED|RESOLVED|agree[sd]?|approve[sd]?|"
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
                for body, a, b in items:
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
            for body, a, b in items:
                p.add("promise", body, a, b, owner=_recommendation_owner(body))
            i = after
            continue
        text, last, end = _paragraph(p, j)
        owner = _recommendation_owner(text)
        if text.rstrip().endswith((":", ":-")):
            items, after = _items(p, last + 1)
            for body, a, b in items:
                p.add("promise", body, a, b, owner=owner, lead=text)
            p.covered.append((lines[j].start, end))
            i = after
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
    rf"would be (?:happy|pleased|willing) to\b|(?:was|were) (?:happy|pleased|willing) (?:to|for)\b)")

_FUTURE = re.compile(r"\b(?P<modal>will|shall|(?:is|are)?\s*due to)\b(?P<adv>(?:\s+(?:also|then|now|further|still|only|not|soon|shortly|"
                     r"jointly|closely|continue to|be continuing to|need to|have to|seek to|aim to|look to|work to|"
                     r"therefore|again|initially|subsequently|in turn|need|instead|already|always|[a-z]+ly))*)\s+(?P<verb>[\w’'-]+)(?:\s+(?P<verb2>[\w’'-]+))?", re.I)
DELIVERY = set("""provided brought presented reported submitted taken circulated considered published implemented developed
opened held shared monitored reviewed undertaken drafted produced made established completed delivered launched
introduced rolled set commissioned prepared updated refreshed recruited appointed arranged issued sent tabled put
explored evaluated carried refurbished built extended agreed finalised concluded sought scheduled piloted trialled
expanded increased reduced recommissioned procured tendered written replaced relaunched restructured""".split())
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


def _sentences(p: _Paper) -> None:
    agenda = p.meta.doc_type == "agenda"
    paragraphs: list[tuple[int, int]] = []
    lines, i = p.lines, 0
    while i < len(lines):  # a paragraph broken by a page break goes on in lower case
        if lines[i].blank:
            i += 1
            continue
        a, j = lines[i].start, i
        while True:
            k = _next_nonblank(p, j + 1, limit=4)
            nxt = lines[k].raw.lstrip() if k is not None else ""
            if k is not None and not lines[j].raw.rstrip().endswith((".", ":", "?", "!")) and nxt[:1].islower():
                j = k
                continue
            break
        paragraphs.append((a, lines[j].end))
        i = j + 1
    for a, b in paragraphs:
        para = p.text[a:b].replace("\n", " ")
        for sa, sb in sentence_spans(para):
            s_a, s_b = a + sa, a + sb
            if p.is_covered(s_a, s_b):
                continue
            sentence = para[sa:sb]
            if _INLINE_DECISION.search(sentence):
                p.add("decision", _SECTION_LABEL.sub("", sentence.strip()), s_a, s_b, owner=_decision_owner(sentence))
                continue
            if agenda:
                continue
            o = _OFFER.search(sentence)
            if o:
                p.add("action", sentence[o.start():], s_a + o.start(), s_b, owner=o.group("owner"))
                continue
            if _RECOMMEND_SENTENCE.search(sentence) and p.meta.doc_type != "minutes":
                p.add("promise", _SECTION_LABEL.sub("", sentence.strip()), s_a, s_b, owner=_recommendation_owner(sentence))
                continue
            ok, owner = _promise_in(sentence, p.meta)
            if ok:
                p.add("promise", _SECTION_LABEL.sub("", sentence.strip()), s_a, s_b, owner=owner)


# --------------------------------------------------------------------------------------

def extract(meta: PaperMeta, chunks: Sequence[Chunk]) -> list[Commitment]:
    """Every commitment in one paper, in reading order; a decision a page repeats
    ("Decision:" and again under "Minutes:") is kept once."""
    if not chunks:
        return []
    p = _Paper(meta, chunks)
    _actions(p)
    _decisions(p)
    _recommendations(p)
    _lists(p)
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
