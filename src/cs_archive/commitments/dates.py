"""Due dates: the words that set a deadline -> the last day of the period they name.

"Summer 2024" -> 2024-08-31, "by December 2016" -> 2016-12-31, "Q3 2024/25" -> 2024-12-31,
"2024/25" -> 2025-03-31 (UK financial years end in March), "during July" in minutes of
5 July 2016 -> 2016-07-31, "end of the year" -> 31 December of the paper's year,
"within three months" -> the paper's date plus three months.

``find_due(text, paper_date)`` returns the first deadline in ``text`` as a ``Due`` (ISO date
and the words that gave it), or None. Words that date something other than a deadline
("until March 2024", "since 2019", "in the last 6 months", "published in June 2023") are
skipped. A month or season without a year takes the paper's year, or the next one when that
period has already passed by the paper's date; without a paper date it gives nothing.
"""
from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

MONTHS = {m.lower(): i for i, m in enumerate(calendar.month_name) if m}
MONTHS.update({m.lower(): i for i, m in enumerate(calendar.month_abbr) if m})
MONTHS["sept"] = 9
SEASON_END = {"spring": (5, 0), "summer": (8, 0), "autumn": (11, 0), "fall": (11, 0), "winter": (2, 1)}
NUMBER_WORDS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
                "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "eighteen": 18, "twenty": 20}

_MONTH = r"(?P<month>January|February|March|April|May|June|July|August|September|October|November|December|" \
         r"Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)\.?"
_YEAR = r"(?P<year>(?:19|20)\d\d)"
_FY = r"(?P<fy1>20\d\d)\s*[/-]\s*(?P<fy2>(?:20)?\d\d)(?!\d)"
_LEAD = (r"(?P<lead>(?i:(?:(?:no later than|not later than|by the end of|by end of|at the end of|the end of|end of|"
         r"by the start of|before the end of|by|in|during|for|before|on|at|within|over|from|until|till|since|"
         r"between|after|as at|as of|of|ending)\s+)?(?:the\s+)?))")
_QUAL = r"(?:(?P<qual>early|mid|late|the first half of|the second half of|first half of|second half of)[\s-]+(?:to[\s-]+(?P<qual2>mid|late)[\s-]+)?)?"

# Ordered: the more specific forms first; each names its kind.
PATTERNS: list[tuple[str, re.Pattern]] = [
    ("iso", re.compile(_LEAD + r"(?P<iso>(?:19|20)\d\d-\d\d-\d\d)\b")),
    ("dmy", re.compile(_LEAD + r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?\s+(?:of\s+)?" + _MONTH + r"(?:,?\s+" + _YEAR + r")?\b", re.I)),
    ("mdy", re.compile(_LEAD + _MONTH + r"\s+(?P<day>[0-3]?\d)(?:st|nd|rd|th)?(?:,?\s+" + _YEAR + r")?\b", re.I)),
    ("numeric", re.compile(_LEAD + r"(?P<day>[0-3]?\d)/(?P<mon>[01]?\d)/(?P<year>(?:20)?\d\d)\b")),
    ("quarter", re.compile(_LEAD + r"(?:(?:Q|quarter\s+)(?P<q>[1-4])|(?P<qw>first|second|third|fourth)\s+quarter)"
                           r"(?:\s+(?:of\s+)?(?:" + _FY + r"|" + _YEAR + r"))?", re.I)),
    ("season", re.compile(_LEAD + _QUAL + r"(?P<season>spring|summer|autumn|fall|winter)(?:\s+(?:term\s+)?(?:of\s+)?"
                          r"(?:" + _FY + r"|" + _YEAR + r"))?\b", re.I)),
    ("fy", re.compile(_LEAD + r"(?:financial year\s+|FY\s?)?" + _FY, re.I)),
    ("month_year", re.compile(_LEAD + _QUAL + _MONTH + r",?\s+" + _YEAR + r"\b", re.I)),
    ("month", re.compile(_LEAD + _MONTH + r"\b(?!\s+(?:19|20)\d\d)")),
    ("year", re.compile(_LEAD + _QUAL + r"(?:calendar year\s+)?" + _YEAR + r"\b(?!\s*[/-]\s*\d)", re.I)),
    ("relative", re.compile(r"(?P<lead>)(?P<rel>(?:by\s+|before\s+|at\s+)?(?:the\s+)?end of (?:the|this) (?:calendar |financial |academic )?"
                            r"(?:year|month)|end of the year|later this year|this year|next year|this month|next month|"
                            r"(?:by\s+|before\s+)?the end of (?:the|this) financial year|this financial year|next financial year|"
                            r"the next academic year|end of the academic year)\b", re.I)),
    ("christmas", re.compile(r"(?P<lead>(?i:(?:by|before|for|until|over)\s+))(?P<xmas>(?i:Christmas|Xmas))"
                             r"(?:\s+(?P<year>(?:19|20)\d\d))?\b")),
    ("within", re.compile(r"(?P<lead>)(?P<within>(?:within|in|over)\s+(?:the\s+)?(?:next\s+)?(?:(?P<lo>\d+)\s*(?:-|–|to)\s*)?"
                          r"(?P<n>\d+|a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|eighteen|twenty)"
                          r"\s+(?P<unit>days?|weeks?|months?|years?))\b(?!\s+of\b)", re.I)),
]

# Words before a date that mean it is not a deadline.
NOT_A_DEADLINE = {"from", "until", "till", "since", "between", "after", "as at", "as of", "of", "ending"}
_PAST_CONTEXT = re.compile(r"(?:in|over|during) the (?:last|past|previous)\s*$|\bago\s*$", re.I)
# "published in June 2023", "agreed in April 2023": a date of something done, unless it is
# still to be done ("due to be published in 2024", "will be agreed in March").
_DONE = re.compile(r"(?<!\bbe )(?<!\bbeen )\b(?:published|dated|agreed|approved|launched|introduced|opened|"
                   r"established|completed|received|submitted|held|issued|released|commissioned|started|began|"
                   r"revised|updated|inspected|visited)\s*$", re.I)


# "from 22.3% in 2020/21 to 20%": a baseline of a statistic; "the minutes of the meeting on
# 9 January": the date of a meeting gone by.
_BASELINE = re.compile(r"\bfrom\s+(?:[£$]?\d[\d.,]*\s*(?:%|per ?cent|m|bn|k)?|[a-z]+)\s*$|"
                       r"\bminutes\s+of\s+(?:the\s+)?(?:[\w-]+\s+){0,3}?(?:meeting\s+)?(?:held\s+)?$", re.I)
# "originally … in 2024 but will now report in May 2025": the date moved, the latest one holds.
_MOVED = re.compile(r"\b(?:but\s+(?:will|is|are)\s+now|will\s+now|now\s+(?:expected|due|planned|scheduled)|"
                    r"(?:has|have|had)\s+been\s+(?:moved|delayed|deferred|postponed|rescheduled|put back|pushed back)|"
                    r"postponed|deferred|rescheduled|revised (?:date|timescale)|instead)\b", re.I)

# A cheap test first: most sentences name no date at all.
_ANY = re.compile(r"\d|christmas|xmas|jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|spring|summer|autumn|fall|winter|year|month|"
                  r"week|quarter|day", re.I)


@dataclass(frozen=True)
class Due:
    iso: str
    text: str  # the words that gave it, as printed


def _month_end(y: int, m: int) -> date:
    return date(y, m, calendar.monthrange(y, m)[1])


def _add_months(d: date, n: int) -> date:
    m = d.month - 1 + n
    y, m = d.year + m // 12, m % 12 + 1
    return date(y, m, min(d.day, calendar.monthrange(y, m)[1]))


def _fy_end(fy1: str, fy2: str) -> date | None:
    y1 = int(fy1)
    y2 = int(fy2) if len(fy2) == 4 else (y1 // 100) * 100 + int(fy2)
    if y2 != y1 + 1:
        return None  # a span of years ("2013-2016", "2023-26"), not a financial year
    return date(y2, 3, 31)


def _year_for(month: int, ref: date | None, day: int = 1) -> int | None:
    """A month named without a year: this year's, or next year's once it has passed."""
    if ref is None:
        return None
    return ref.year if month >= ref.month else ref.year + 1


def _qualified(y: int, qual: str | None, qual2: str | None) -> date:
    q = (qual2 or qual or "").lower()
    if q == "early":
        return date(y, 4, 30)
    if q == "mid":
        return date(y, 8, 31)
    if q.endswith("first half of"):
        return date(y, 6, 30)
    return date(y, 12, 31)


def _resolve(kind: str, g: dict, ref: date | None) -> date | None:
    if kind == "iso":
        return date.fromisoformat(g["iso"])
    if kind in ("dmy", "mdy"):
        m, d = MONTHS[g["month"].lower().rstrip(".")], int(g["day"])
        y = int(g["year"]) if g.get("year") else _year_for(m, ref)
        if y is None or not 1 <= d <= calendar.monthrange(y, m)[1]:
            return None
        return date(y, m, d)
    if kind == "numeric":
        d, m, y = int(g["day"]), int(g["mon"]), int(g["year"])
        y = y + 2000 if y < 100 else y
        if not (1 <= m <= 12 and 1 <= d <= calendar.monthrange(y, m)[1]):
            return None
        return date(y, m, d)
    if kind == "quarter":
        q = int(g["q"]) if g.get("q") else ["first", "second", "third", "fourth"].index(g["qw"].lower()) + 1
        if g.get("fy1"):
            end = _fy_end(g["fy1"], g["fy2"])
            if end is None:
                return None
            return date(end.year, 3, 31) if q == 4 else _month_end(end.year - 1, 3 + 3 * q)
        if g.get("year"):
            return _month_end(int(g["year"]), 3 * q)
        return None
    if kind == "season":
        s = g["season"].lower()
        month, carry = SEASON_END[s]
        if g.get("fy1"):
            end = _fy_end(g["fy1"], g["fy2"])
            if end is None:
                return None
            y = end.year - 1  # "winter 2024/25" ends in February 2025
        elif g.get("year"):
            y = int(g["year"])
        elif ref is not None and carry:
            y = ref.year - 1 if ref.month <= month else ref.year  # the winter now running, or the next
        elif ref is not None:
            y = ref.year if ref.month <= month else ref.year + 1
        else:
            return None
        if g.get("qual") and s != "winter":
            q = (g.get("qual2") or g["qual"]).lower()
            start = {"spring": 3, "summer": 6, "autumn": 9, "fall": 9}[s]
            return _month_end(y, start if q == "early" else start + 1 if q == "mid" else start + 2)
        return _month_end(y + carry, month)
    if kind == "fy":
        return _fy_end(g["fy1"], g["fy2"])
    if kind == "month_year":
        m, y = MONTHS[g["month"].lower().rstrip(".")], int(g["year"])
        return _month_end(y, m)
    if kind == "month":
        m = MONTHS[g["month"].lower().rstrip(".")]
        y = _year_for(m, ref)
        return _month_end(y, m) if y else None
    if kind == "year":
        return _qualified(int(g["year"]), g.get("qual"), g.get("qual2"))
    if kind == "relative":
        if ref is None:
            return None
        r = g["rel"].lower()
        if "academic" in r:
            y = ref.year + 1 if ref.month >= 9 or "next" in r else ref.year
            return date(y + ("next" in r and ref.month < 9), 7, 31)
        if "financial" in r:
            y = ref.year + 1 if ref.month >= 4 else ref.year
            return date(y + ("next" in r), 3, 31)
        if "month" in r:
            return _month_end(*divmod_month(ref, 1 if "next" in r else 0))
        return date(ref.year + ("next" in r), 12, 31)
    if kind == "christmas":
        if g.get("year"):
            return date(int(g["year"]), 12, 25)
        return date(ref.year, 12, 25) if ref is not None else None
    if kind == "within":
        if ref is None:
            return None
        n = g["n"].lower()
        n = int(n) if n.isdigit() else NUMBER_WORDS[n]
        unit = g["unit"].lower().rstrip("s")
        if unit == "day":
            return ref + timedelta(days=n)
        if unit == "week":
            return ref + timedelta(weeks=n)
        if unit == "month":
            return _add_months(ref, n)
        return _add_months(ref, 12 * n)
    return None


def divmod_month(ref: date, ahead: int) -> tuple[int, int]:
    m = ref.month - 1 + ahead
    return ref.year + m // 12, m % 12 + 1


def find_all(text: str, paper_date: str | date | None) -> list[tuple[int, int, Due]]:
    """Every deadline in ``text``: (start, end, Due), in text order, overlaps resolved by the
    earlier, more specific pattern."""
    if not _ANY.search(text):
        return []
    ref = date.fromisoformat(paper_date) if isinstance(paper_date, str) else paper_date
    taken: list[tuple[int, int]] = []
    found: list[tuple[int, int, Due]] = []
    for kind, pat in PATTERNS:
        for m in pat.finditer(text):
            a, b = m.start(), m.end()
            core_a = m.start("lead") + len(m.group("lead") or "") if "lead" in pat.groupindex else a
            if any(a < tb and ta < b for ta, tb in taken) or any(core_a < tb and ta < b for ta, tb in taken):
                continue
            g = {k: v for k, v in m.groupdict().items() if v is not None}
            lead = (g.get("lead") or "").strip().lower()
            lead = re.sub(r"\s+the$", "", lead)
            if kind == "month" and m.group("month") == "May" and not lead:
                continue  # "May" without a preposition is usually the verb
            if kind in ("month", "year", "fy") and not lead:
                continue  # a bare month or year is rarely a deadline ("2023 figures")
            if kind == "season" and not (g.get("year") or g.get("fy1")) and (
                    lead in ("", "the") or re.match(r"\s+(?!term\b|of\b)[A-Za-z]", text[b:])):
                continue  # "the winter gritting routes": a season used as an adjective
            if lead in NOT_A_DEADLINE or _PAST_CONTEXT.search(text[:a]) or _DONE.search(text[:a]) or \
                    _BASELINE.search(text[:a]):
                taken.append((a, b))
                continue
            try:
                when = _resolve(kind, g, ref)
            except (ValueError, KeyError):
                when = None
            taken.append((a, b))
            if when is None:
                continue
            words = text[a:b].strip(" ,")
            found.append((a, b, Due(when.isoformat(), words)))
    return sorted(found, key=lambda f: f[0])


def find_due(text: str, paper_date: str | date | None, after: int = 0, not_before: bool = True) -> Due | None:
    """The deadline a commitment sets: the first one at or after ``after`` (the position of
    its verb), else the first one before it; None when it names no deadline. With
    ``not_before``, dates more than a month before the paper's are history, not deadlines."""
    found = find_all(text, paper_date)
    if not_before and paper_date:
        ref = date.fromisoformat(paper_date) if isinstance(paper_date, str) else paper_date
        floor = (ref - timedelta(days=31)).isoformat()
        found = [f for f in found if f[2].iso >= floor]
    moved = _MOVED.search(text)
    if moved and len(found) > 1:  # the date was moved: the one stated after the move, else the latest
        since = [f for f in found if f[0] >= moved.start()]
        return max(since or found, key=lambda f: f[2].iso)[2]
    later = [f for f in found if f[0] >= after]
    pick = later[0] if later else (found[0] if found else None)
    return pick[2] if pick else None
