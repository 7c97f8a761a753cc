"""What a file's name and folder say about the paper, as councils' systems publish them.

modern.gov names ("Printed minutes 30th-Jan-2025 10.00 Cabinet.pdf", "Agenda frontsheet
13th-Feb-2025 10.00 County Council.pdf", "Public reports pack 13th-Mar-2025 15.00
Cabinet.pdf", "Decision 30th-Jan-2025 Cabinet.pdf"), dates in the usual UK forms
("2025-01-30", "20250130", "30-01-2025", "30.01.25", "30 January 2025", "30th-Jan-2025"),
type words ("minutes", "agenda", "decision notice", "appendix", "forward plan") and folders
named after a meeting ("2025-01-30 Cabinet") or a committee ("Planning Committee").

These are weaker than what the paper prints: the metadata layer uses them only for fields
the paper leaves unknown, and records them as coming from the file's name or folder.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePath

from .dates import MONTH_NUMBER, real_date

_MON = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*"
_SEP = r"[-_. ]"
_DATES = [
    # 2025-01-30, 2025_01_30, 2025.01.30, 20250130
    re.compile(rf"(?<!\d)(?P<y>(?:19|20)\d\d)(?P<s>{_SEP}?)(?P<m>0[1-9]|1[0-2])(?P=s)(?P<d>0[1-9]|[12]\d|3[01])(?!\d)"),
    # 30th-Jan-2025, 30 January 2025, 30-january-2025
    re.compile(rf"(?<![\da-z])(?P<d>\d{{1,2}})(?:st|nd|rd|th)?{_SEP}?(?P<mon>{_MON}){_SEP}?(?P<y>(?:19|20)\d\d)(?!\d)", re.I),
    # 30-01-2025, 30.01.2025, 30_01_2025
    re.compile(rf"(?<!\d)(?P<d>[0-3]?\d)(?P<s>{_SEP})(?P<m>[01]?\d)(?P=s)(?P<y>(?:19|20)\d\d)(?!\d)"),
    # 7.5.19 (day.month.two-digit year, dots only: "15-06-10" could be either way round)
    re.compile(r"(?<![\d.])(?P<d>[0-3]?\d)\.(?P<m>[01]?\d)\.(?P<yy>\d\d)(?![\d.])"),
]
# modern.gov: "<kind> <date> <time> <committee>"
_MODERNGOV = re.compile(
    rf"^(?P<kind>printed\s+minutes|draft\s+minutes|minutes|agenda\s+frontsheet|agenda|public\s+reports\s+pack|"
    rf"public\s+pack|reports\s+pack|supplementary\s+agenda|supplement|decisions?|record\s+of\s+decisions?)\s+"
    rf"\d{{1,2}}(?:st|nd|rd|th)?-{_MON}-\d{{4}}(?:\s+\d{{1,2}}[.:]\d\d)?\s+(?P<body>.+)$", re.I)
_MODERNGOV_KIND = {"printed minutes": "minutes", "draft minutes": "minutes", "minutes": "minutes",
                   "agenda frontsheet": "agenda", "agenda": "agenda", "supplementary agenda": "agenda",
                   "supplement": "agenda", "public reports pack": "agenda_pack", "public pack": "agenda_pack",
                   "reports pack": "agenda_pack", "decision": "decision", "decisions": "decision",
                   "record of decision": "decision", "record of decisions": "decision"}
# Type words in a name, most telling first.
_TYPE_WORDS = [
    ("agenda_pack", r"reports?[\s_-]*pack|public[\s_-]*pack|agenda[\s_-]*pack"),
    ("forward_plan", r"forward[\s_-]*plan"),
    ("appendix", r"append(?:ix|ices)|annexe?"),
    ("decision", r"decision[\s_-]*(?:notice|record|sheet|summary)|record[\s_-]*of[\s_-]*decisions?|decisions?"),
    ("minutes", r"minutes|mins"),
    ("agenda", r"agenda|summons"),
    ("questions", r"questions"),
    ("amendment", r"amendments?|motions?"),
    ("report", r"report"),
]
_BODY = re.compile(r"\b(?:committee|cabinet|board|panel|sub-committee|forum|scrutiny|full council|"
                   r"(?:county|city|district|borough|parish|town|community) council)\b", re.I)


@dataclass(frozen=True)
class NameHints:
    date: str | None = None
    doc_type: str | None = None
    committee: str | None = None


def date_in_name(name: str) -> str | None:
    """A date written in a file or folder name, if exactly one real date is there."""
    found = set()
    for pattern in _DATES:
        for m in pattern.finditer(name):
            g = m.groupdict()
            mon = (g.get("mon") or "").lower()
            month = (MONTH_NUMBER.get(mon) or MONTH_NUMBER.get(mon[:3])) if mon else int(g["m"])
            year = int(g["y"]) if g.get("y") else 2000 + int(g["yy"])
            if month and (iso := real_date(year, month, int(g["d"]))):
                found.add(iso)
        if found:
            break
    return found.pop() if len(found) == 1 else None


def hints(path: str) -> tuple[NameHints, NameHints]:
    """What the file's name says, and what its folder's name says."""
    p = PurePath(path)
    return _name_hints(p.stem, file=True), _name_hints(p.parent.name, file=False)


def _name_hints(stem: str, file: bool) -> NameHints:
    words = re.sub(r"[_]+", " ", stem).strip()
    if (m := _MODERNGOV.match(words)):
        body = re.sub(r"\s*\(.*\)$", "", m.group("body")).strip()
        return NameHints(date_in_name(words), _MODERNGOV_KIND[" ".join(m.group("kind").lower().split())],
                         body if body and not re.search(r"\d", body) else None)
    kind = None
    if file:
        for name, pattern in _TYPE_WORDS:
            if re.search(rf"(?<![a-z]){pattern}(?![a-z])", words, re.I):
                kind = name
                break
    committee = None
    if not file and (m := _BODY.search(words)):
        rest = re.sub(r"\d[\d\s._-]*", " ", words).strip(" -_.")
        committee = " ".join(rest.split()) if rest and len(rest.split()) <= 8 else None
    return NameHints(date_in_name(words), kind, committee)
