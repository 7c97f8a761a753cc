"""What kind of answer a question asks for, and which kinds a passage holds.

A question that opens "when…" asks for a date, "who…" for a person, "how quickly…" for a
duration, "how many…" for a figure (``answer_types``). A passage holds a kind where its pattern
(``_GIVES``) matches its text (``answers``). Search nudges up the passages that hold what the
question asks for (``search.nudge``). Each pattern is tried only where a cheap necessary test
admits the text (``_may_hold``), which keeps a hundred candidates a search affordable.
"""
from __future__ import annotations

import re

_ASKS = {
    "date": re.compile(r"^\W*(?:when|by when|until when|since when|what date|which date|what time)\b", re.I),
    "person": re.compile(r"^\W*(?:who|whom|whose)\b", re.I),
    "duration": re.compile(r"^\W*(?:how (?:quickly|fast|soon|long)|within what time|in what time)\b", re.I),
    "number": re.compile(r"^\W*(?:how (?:many|much|often)|what (?:number|proportion|percentage|share|rate)|what is the (?:number|proportion|percentage|rate))\b", re.I),
}
_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
# Each pattern opens with a lookahead for the characters its matches can start with: it changes
# no match, but lets the regex engine skip to those characters instead of trying every
# alternative at every position (5x faster on the candidates' texts; nudge reads ~100 a query).
_GIVES = {
    "date": re.compile(rf"(?=[\djfmasondwel])(?:\b{_MONTH}\s+(?:19|20)\d\d\b|\b(?:spring|summer|autumn|winter|end of|early|late)\s+(?:19|20)\d\d\b|"
                       rf"\b\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTH}\b|\b\d{{1,2}}/\d{{1,2}}/\d{{2,4}}\b|\b(?:19|20)\d\d/\d\d\b)", re.I),
    "person": re.compile(r"(?=[MDCPS])\b(?:Mr|Mrs|Ms|Miss|Dr|Cllr|Councillor|Prof|Sir|Dame)\.? [A-Z]"),
    "duration": re.compile(r"(?=[\dw])(?:\b\d+\s*(?:working\s+)?(?:hours?|days?|weeks?|months?|years?)\b|\bwithin (?:a |one |two |three )?(?:hour|day|week|month))", re.I),
    "number": re.compile(r"(?<![\w/.-])(?!(?:19|20)\d\d\b)\d[\d,]*(?:\.\d+)?\s?(?:%|per\b|children|young|people|cases|schools|staff|beds|homes)?"),
}


def answer_types(query: str) -> tuple[str, ...]:
    """What kind of answer the question asks for: a date ("when…"), a person ("who…"), a figure
    ("how many…"). Search nudges up a passage that holds one (``search.ANSWER_BONUS``)."""
    return tuple(t for t, rx in _ASKS.items() if rx.search(query))


# What a passage must hold for a pattern of ``_GIVES`` to match it, found quickly (a digit opens
# every branch): a date has a year (19xx, 20xx), a slash between digits, or a day before a month.
# The full pattern is tried only where this matches (a third of passages), never changing the answer.
_MAYBE = {
    "date": re.compile(rf"\d(?:(?<=1)9\d\d|(?<=2)0\d\d|/\d|(?:st|nd|rd|th)?\s+{_MONTH})", re.I),
}


# Words every match of a pattern holds, checked first by substring search, which is many times
# faster than the pattern's scan: a person's title as written; a duration's unit in lower case
# (the pattern ignores case; no character folds onto these letters that lower() leaves apart).
# Per pattern: whether the text is lower-cased first, and the words.
_NEEDS = {
    "person": (False, ("Mr", "Ms", "Miss", "Dr", "Cllr", "Councillor", "Prof", "Sir", "Dame")),
    "duration": (True, ("hour", "day", "week", "month", "year")),
}


def _may_hold(kind: str, text: str) -> bool:
    """False only where ``_GIVES[kind]`` cannot match ``text`` (``_MAYBE``, ``_NEEDS``)."""
    if kind in _MAYBE and not _MAYBE[kind].search(text):
        return False
    if kind in _NEEDS:
        fold, words = _NEEDS[kind]
        text = text.lower() if fold else text
        return any(w in text for w in words)
    return True


def answers(wants: tuple[str, ...], text: str) -> float:
    return float(any(_may_hold(t, text) and _GIVES[t].search(text) for t in wants))
