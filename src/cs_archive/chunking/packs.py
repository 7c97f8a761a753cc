"""Stage 2: one file -> its component papers.

A public agenda pack is one PDF holding the agenda, last meeting's minutes, reports,
appendices, slides and a work programme. A new paper starts where a title block starts:
"Report to ...", a "Minutes" or "AGENDA" line, a document title such as "Inquiry Scope" or
"... Strategy" with its version block, "Appendix 2", or a work-programme table. The council
and committee lines printed above a title belong to the paper they head.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .lines import Lines
from .sections import heading_like

_MONTH_YEAR = r"(?:January|February|March|April|May|June|July|August|September|October|November|December)\s+\d{4}"

# (kind, pattern on the stripped line); kind is the component's document type.
_STARTS = [
    ("report", re.compile(r"^Report to (?:the )?\S.*$", re.I)),
    ("minutes", re.compile(r"^(?:[Mm]inutes|MINUTES|MINUTES of (?:a|the) meeting\b.*)$")),
    ("agenda", re.compile(r"^(?:AGENDA|Agenda)$")),
    ("report", re.compile(r"^(?:Inquiry Scope|Scrutiny Inquiry Scope|CONSULTATION DOCUMENT\b.*)$")),
    ("appendix", re.compile(r"^Appendix\s+[0-9A-Z]{1,3}$")),
]
_TITLE_PAGE = re.compile(r"^(?P<title>.{3,90}\b(?P<kind>Strategy|Briefing|Plan|Policy|Presentation))$")
_TITLE_PAGE_FOLLOW = re.compile(rf"^(?:Version\b|Date created\b|Responsible Manager\b|Author\b|{_MONTH_YEAR}$)", re.I)
_WORK_PROGRAMME = re.compile(r"^Date\tTopic\t", re.I)


@dataclass(frozen=True)
class Component:
    start: int
    end: int
    kind: str  # the document type its title block suggests


def _title_case_share(line: str) -> float:
    words = [w for w in re.findall(r"[A-Za-z][\w'’.-]*", line)]
    if not words:
        return 0.0
    return sum(w[0].isupper() for w in words) / len(words)


_SIGN_OFF = re.compile(r"^(?:chairman|chairwoman|chairperson|chair|signed|signature)\b", re.I)


def _header_start(lines: Lines, i: int) -> int:
    """Walk back over the council / committee lines printed above a title."""
    j, k, taken = i, i - 1, 0
    while k >= 0 and taken < 3:
        s = lines[k][2].strip()
        if not s:
            k -= 1
            continue
        if _SIGN_OFF.match(s):
            break  # the minutes' "CHAIRMAN" / "Signed" line ends the paper before
        bare = s[:-1] if s.endswith(".") and not s.endswith("..") else s
        if heading_like(bare) and "," not in s and _title_case_share(bare) >= (0.5 if bare == s else 0.7):
            j, taken = k, taken + 1
            k -= 1
            continue
        break
    return j


def _start_kind(lines, i: int) -> str | None:
    s = lines[i][2].strip()
    for kind, pat in _STARTS:
        if pat.match(s):
            if kind == "report" and s.lower().startswith("report to") and not _fields_follow(lines, i):
                return None  # "Report to DfE by the Improvement Adviser" is a subheading
            return kind
    if _WORK_PROGRAMME.match(lines[i][2]) and i and lines[i - 1][2].strip():
        return "other"
    m = _TITLE_PAGE.match(s)
    if m and heading_like(s):
        follow = [ln.strip() for _, _, ln in lines[i + 1:i + 8] if ln.strip()][:3]
        if any(_TITLE_PAGE_FOLLOW.match(f) for f in follow):
            return "strategy" if m.group("kind") == "Strategy" else "other"
    return None


_FIELD = re.compile(r"^(?:Title|Date|Committee date|Meeting date|Author|Report of|Report by|From|Subject)\s*[:\t]", re.I)


def _fields_follow(lines, i: int) -> bool:
    follow = [ln.strip() for _, _, ln in lines[i + 1:i + 10] if ln.strip()][:5]
    return any(_FIELD.match(f) for f in follow)


def split_pack(text: str) -> list[Component]:
    """Cut a file's text into papers. A file that is one paper comes back whole."""
    lines = Lines(text)
    cuts: list[tuple[int, str]] = [(0, "")]
    words_since = 0
    for i, (_, _, line) in enumerate(lines):
        kind = _start_kind(lines, i)
        if kind and words_since >= 40:
            # the work programme's header row sits under its committee line
            at = i - 1 if kind == "other" and _WORK_PROGRAMME.match(line) and i else i
            start_line = _header_start(lines, at)
            cuts.append((lines[start_line][0], kind))
            words_since = 0
        elif kind and len(cuts) == 1 and not cuts[0][1]:
            cuts[0] = (0, kind)
        words_since += len(line.split())
    out = []
    for n, (start, kind) in enumerate(cuts):
        end = cuts[n + 1][0] if n + 1 < len(cuts) else len(text)
        if text[start:end].strip():
            out.append(Component(start, end, kind or ""))
    return out
