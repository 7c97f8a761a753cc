"""What a question says about where and when: the councils it names and the meeting dates its
time words point at ("Souldern", "the October 2025 update", "last March", "in 2024").

Search reads this (``read_scope``, a pure function of the question, the councils the archive
holds and today's date) and nudges up the passages of papers that fit (``fits``): a councillor
who asks about Bristol's parking levy wants Bristol's papers first, and "the May 2025 update"
means the report to the May 2025 meeting, not the four other updates that say the same words.
It is a nudge, never a filter: a question about "the county" may be answered by a parish's
minutes, and papers with no meeting date are not pushed out.

A council is named when every word that tells it apart is in the question: "Bristol" for
Bristol City Council, "Manordeilo" or "Salem" for Manordeilo & Salem Community Council (a
name joining two places names each), never "County" or "Council" alone. The names are read from
the archive's own papers, so any council's archive works without a list to keep.

Time words give a window of meeting dates: a month and year ("October 2025", "Sept 2024"), a
season ("summer 2024"), a year after "in", "during" or "of" ("in 2024", not "2024/25", which is
a financial year the papers talk about), "last", "this" or "next" with a month or "year",
counted from today. A question about what came of something ("...did that ever get done?",
"what happened afterwards?", "since then") asks for the papers after the window, not in it.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from .lexical import tokens

# Words that name the kind of council, not which one (English and Welsh).
GENERIC = frozenset(tokens(
    "council councils parish community county city borough district town metropolitan royal "
    "unitary combined authority greater london the of and a cyngor cymuned sir dinas tref "
    "bwrdeistref sirol bro", drop_stopwords=False))
# Between two places in one council's name ("Manordeilo & Salem", "Manordeilo a Salem").
_JOIN = re.compile(r"\s+(?:&|and|a|with)\s+", re.I)
_WORD = re.compile(r"[\w'’&-]+")

_MONTHS = ["january", "february", "march", "april", "may", "june", "july", "august", "september",
           "october", "november", "december"]
_MONTH = r"(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|" \
         r"oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
_SEASONS = {"spring": (3, 5), "summer": (6, 8), "autumn": (9, 11), "fall": (9, 11), "winter": (12, 14)}
_YEAR = r"((?:19|20)\d\d)(?![/\d-])"
_MONTH_YEAR = re.compile(rf"\b{_MONTH}\.?,?\s+{_YEAR}", re.I)
_SEASON_YEAR = re.compile(rf"\b(spring|summer|autumn|fall|winter)\s+(?:of\s+)?{_YEAR}", re.I)
_IN_YEAR = re.compile(rf"\b(?:in|during|of|from|for)\s+(?:early\s+|late\s+|mid-?\s*)?{_YEAR}", re.I)
_RELATIVE = re.compile(rf"\b(last|this|next)\s+({_MONTH[1:-1]}|year)\b", re.I)
# The question asks what came of something said at the time it names.
_AFTER = re.compile(r"\b(?:since|afterwards?|after\s+that|later|ever|subsequently|came\s+of|"
                    r"come\s+of|follow(?:ed)?[\s-]up|happened\s+(?:next|with|to))\b", re.I)


@dataclass(frozen=True)
class Scope:
    """Councils a question names (as the archive spells them) and the meeting dates it points at:
    ``windows`` of ISO dates, first and last day; ``after``: the papers after them are meant."""
    councils: tuple[str, ...] = ()
    windows: tuple[tuple[str, str], ...] = ()
    after: bool = False
    spans: tuple[tuple[int, int], ...] = ()  # of the question: the words that said where and when

    def rest(self, query: str) -> str:
        """The question without the words that said where and when (``spans``): what it asks."""
        for a, b in sorted(self.spans, reverse=True):
            query = query[:a] + " " + query[b:]
        return " ".join(query.split())

    def __bool__(self) -> bool:
        return bool(self.councils or self.windows)

    def fits(self, council: str | None, date: str | None) -> tuple[bool, bool]:
        """Whether a paper of this council and meeting date is the council asked about, and
        whether its date is in (or, for ``after``, later than) a window."""
        place = bool(council) and council in self.councils
        if not date or not self.windows:
            return place, False
        if self.after:
            return place, any(date > last for _, last in self.windows)
        return place, any(first <= date <= last for first, last in self.windows)


def council_words(name: str) -> list[frozenset[str]]:
    """The words that tell a council apart, per place its name joins ("Manordeilo & Salem
    Community Council": {manordeilo}, {salem}); empty for a name of generic words only."""
    parts = [frozenset(t for t in tokens(part) if t not in GENERIC) for part in _JOIN.split(name)]
    return [p for p in parts if p]


def named_councils(query: str, councils) -> tuple[tuple[str, ...], tuple[tuple[int, int], ...]]:
    """The councils among ``councils`` the query names (``council_words``), and where in the
    query their names stand."""
    said = set(tokens(query))
    named, words = [], set()
    for c in councils:
        parts = [p for p in council_words(c) if p <= said]
        if parts:
            named.append(c)
            words.update(*parts)
    spans = tuple(m.span() for m in _WORD.finditer(query) if set(tokens(m.group(0))) & words)
    return tuple(named), spans


def _month_window(year: int, first: int, last: int | None = None) -> tuple[str, str]:
    last = first if last is None else last
    end_year, end_month = year + (last - 1) // 12, (last - 1) % 12 + 1
    following = dt.date(end_year + end_month // 12, end_month % 12 + 1, 1)
    return dt.date(year, first, 1).isoformat(), (following - dt.timedelta(days=1)).isoformat()


def _month_number(word: str) -> int:
    word = word.lower().rstrip(".")
    return next(n for n, m in enumerate(_MONTHS, 1) if m.startswith(word[:3]))


def time_windows(query: str, today: dt.date) -> tuple[tuple[tuple[str, str], ...], tuple[tuple[int, int], ...]]:
    """The windows of meeting dates the query's time words point at, in the order written, and
    where in the query those words stand."""
    found: list[tuple[int, tuple[str, str]]] = []
    taken: list[tuple[int, int]] = []

    def add(m: re.Match, window: tuple[str, str]) -> None:
        if not any(a < m.end() and m.start() < b for a, b in taken):
            taken.append(m.span())
            found.append((m.start(), window))
    for m in _MONTH_YEAR.finditer(query):
        add(m, _month_window(int(m.group(2)), _month_number(m.group(1))))
    for m in _SEASON_YEAR.finditer(query):
        first, last = _SEASONS[m.group(1).lower()]
        add(m, _month_window(int(m.group(2)), first, last))
    for m in _IN_YEAR.finditer(query):
        add(m, _month_window(int(m.group(1)), 1, 12))
    for m in _RELATIVE.finditer(query):
        which, what = m.group(1).lower(), m.group(2).lower()
        if what == "year":
            year = today.year + {"last": -1, "this": 0, "next": 1}[which]
            add(m, _month_window(year, 1, 12))
            continue
        month = _month_number(what)
        year = today.year
        if which == "last" and month >= today.month:
            year -= 1
        elif which == "next" and month <= today.month:
            year += 1
        add(m, _month_window(year, month))
    return tuple(w for _, w in sorted(found)), tuple(taken)


def read_scope(query: str, councils=(), today: dt.date | None = None) -> Scope:
    """The councils ``query`` names among ``councils`` and the meeting dates its time words
    point at (``time_windows``, relative ones counted from ``today``)."""
    windows, when = time_windows(query, today or dt.date.today())
    named, where = named_councils(query, councils)
    return Scope(councils=named, windows=windows, after=bool(windows) and bool(_AFTER.search(query)),
                 spans=when + where)
