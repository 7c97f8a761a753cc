"""Dates as UK council papers print them, in English and Welsh: "Thursday, 13 February 2025",
"13th Feb. 2025", "February 13, 2025", "13/02/2025", "10fed Chwefror 2016", "2025-02-13".

``parse_date`` gives the first real date in a string as ISO, or None; an impossible date
("30 February 2024") is no date.
"""
from __future__ import annotations

import re
from datetime import date

MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
MON3 = "Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec"
# Welsh month names, with the soft mutations a date can take ("o Fawrth", "ym Mehefin").
WELSH_MONTHS = {
    "ionawr": 1, "chwefror": 2, "mawrth": 3, "fawrth": 3, "ebrill": 4, "mai": 5, "fai": 5, "mehefin": 6,
    "gorffennaf": 7, "awst": 8, "medi": 9, "hydref": 10, "tachwedd": 11, "dachwedd": 11, "rhagfyr": 12,
}
_ENGLISH = {name.lower(): n for n, name in enumerate(MONTHS.split("|"), 1)}
_ENGLISH.update({name.lower(): _ENGLISH[next(m for m in _ENGLISH if m.startswith(name.lower()[:3]))]
                 for name in MON3.split("|")})
MONTH_NUMBER = {**_ENGLISH, **WELSH_MONTHS}
_MONTH_WORD = "|".join(sorted(MONTH_NUMBER, key=len, reverse=True))
# English ordinals, and Welsh ones: 1af, 2il, 3ydd, 5ed, 7fed, 11eg, 21ain.
_ORD = r"(?:st|nd|rd|th|af|il|ydd|ed|fed|eg|ain)"

DATE_PATTERN = re.compile(
    rf"\b(?P<d>\d{{1,2}})\s*{_ORD}?\s*(?:of\s+|o\s+)?(?P<m>{_MONTH_WORD})\.?,?\s+(?P<y>(?:19|20)\d\d)\b"
    rf"|\b(?P<m2>{_MONTH_WORD})\.?\s+(?P<d2>\d{{1,2}}){_ORD}?,?\s+(?P<y2>(?:19|20)\d\d)\b"
    rf"|\b(?P<nd>\d{{1,2}})[/.](?P<nm>\d{{1,2}})[/.](?P<ny>(?:19|20)\d\d)\b"
    rf"|\b(?P<iy>(?:19|20)\d\d)-(?P<im>\d\d)-(?P<id>\d\d)\b",
    re.I,
)


def real_date(y: int, m: int, d: int) -> str | None:
    """ISO for a day that exists, else None."""
    try:
        return date(y, m, d).isoformat()
    except ValueError:
        return None


def _iso(m: re.Match) -> str | None:
    if m.group("nd"):
        return real_date(int(m.group("ny")), int(m.group("nm")), int(m.group("nd")))
    if m.group("iy"):
        return real_date(int(m.group("iy")), int(m.group("im")), int(m.group("id")))
    if m.group("d"):
        return real_date(int(m.group("y")), MONTH_NUMBER[m.group("m").lower()], int(m.group("d")))
    return real_date(int(m.group("y2")), MONTH_NUMBER[m.group("m2").lower()], int(m.group("d2")))


def parse_date(s: str) -> str | None:
    """The first real date written out in ``s`` as an ISO string ("20 th September 2016" ->
    2016-09-20; "10fed Chwefror 2016" -> 2016-02-10)."""
    for m in DATE_PATTERN.finditer(s):
        if (iso := _iso(m)):
            return iso
    return None


def dates_in(s: str) -> list[tuple[int, str]]:
    """Every real date in ``s``: (offset, ISO), in order."""
    return [(m.start(), iso) for m in DATE_PATTERN.finditer(s) if (iso := _iso(m))]
