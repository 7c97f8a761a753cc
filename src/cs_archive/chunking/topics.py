"""A small children's-services taxonomy; each chunk is tagged with the topics it talks about.

A topic applies when one of its terms occurs in the chunk's heading or text (whole words,
case-insensitive except for acronyms). Documented in README.md; extend with care.
"""
from __future__ import annotations

import re

TOPICS: dict[str, list[str]] = {
    "SEND": [r"SEND", r"special educational needs", r"EHCPs?", r"EHC plans?", r"education, health and care plans?",
             r"high needs", r"SENCOs?", r"autism", r"ADHD", r"disabilit(?:y|ies)"],
    "safeguarding and child protection": [r"safeguard\w*", r"child protection", r"MASH", r"section 47",
                                          r"multi[- ]agency safeguarding", r"LADO", r"serious incidents?"],
    "children in care and placements": [r"looked after", r"children in care", r"LAC", r"CLA", r"placements?",
                                        r"foster\w*", r"residential care", r"children'?s homes?", r"corporate parent\w*",
                                        r"permanence", r"adoption"],
    "care leavers": [r"care leavers?", r"leaving care", r"staying put", r"pathway plans?"],
    "UASC": [r"UASC", r"unaccompanied asylum[- ]seeking", r"national transfer scheme", r"asylum"],
    "early help and family support": [r"early help", r"family support", r"family hubs?", r"troubled families",
                                      r"families first", r"children'?s centres?", r"edge of care", r"CATCH"],
    "schools and inspection": [r"schools?", r"ofsted", r"inspections?", r"academ(?:y|ies)", r"attainment",
                               r"key stage \d", r"GCSEs?", r"curriculum", r"head ?teachers?", r"virtual school"],
    "attendance": [r"attendance", r"absen\w+", r"persistently absent", r"exclusions?", r"home educat\w+",
                   r"elective home", r"off-rolling", r"EBSNA", r"school non attendance"],
    "workforce": [r"workforce", r"recruitment", r"retention", r"social workers?", r"agency (?:staff|social workers?)",
                  r"caseloads?", r"turnover", r"vacanc(?:y|ies)", r"educational psychologists?"],
    "finance": [r"budgets?", r"funding", r"overspends?", r"costs?", r"£[\d,.]+\s*(?:m|k|million|bn)?", r"grants?",
                r"financial", r"value for money", r"spend"],
    "youth justice": [r"youth offending", r"YOS", r"youth justice", r"re-?offending", r"probation",
                      r"first time entrants", r"gangs?", r"knife crime"],
    "exploitation": [r"exploitation", r"CSE", r"CCE", r"county lines", r"trafficking", r"missing from (?:care|home)",
                     r"gang violence"],
    "mental health": [r"mental health", r"CAMHS", r"emotional (?:health|well-?being)", r"well-?being", r"SEMH",
                      r"anxiety", r"self-harm"],
    "substance misuse": [r"substance misuse", r"drugs?", r"alcohol", r"cannabis"],
    "homelessness": [r"homeless\w*", r"temporary accommodation", r"housing"],
    "governance": [r"RESOLVED", r"apologies", r"declarations? of interest", r"minutes", r"work programme",
                   r"chairman", r"vice-chairman", r"inquiry"],
}

_ACRONYM = re.compile(r"^[A-Z]{2,}s?\??$")


def _compile(term: str) -> tuple[re.Pattern, bool]:
    case_sensitive = bool(_ACRONYM.match(term.replace("?", "")))
    return re.compile(rf"(?<![\w-]){term}(?![\w-])", 0 if case_sensitive else re.I), case_sensitive


_PATTERNS = {name: [_compile(t)[0] for t in terms] for name, terms in TOPICS.items()}


def tag_topics(text: str) -> tuple[str, ...]:
    return tuple(name for name, pats in _PATTERNS.items() if any(p.search(text) for p in pats))
