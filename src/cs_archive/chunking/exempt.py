"""Papers withheld from publication: exempt under Schedule 12A of the Local Government Act
1972, found from a paper's own front matter or marked by hand beside the file."""
from __future__ import annotations

import re

from .dates import MON3 as _MON3, MONTHS as _MONTHS

# -- exempt papers (Schedule 12A of the Local Government Act 1972) ----------------------------
#
# Paper-level: a paper is withheld when its own front matter (the lines before its first
# numbered paragraph, at most FRONT_LINES of them) marks it as exempt. A component of an
# agenda pack is its own paper, so a Part II report inside a pack is withheld and the rest of
# the pack is not: for packs this is item-level. A marking further down a paper (minutes that
# move into private session, "Appendix 2 is not for publication") does not withhold the
# paper: such papers are published, and the exempt item itself is a separate document.
# Bump EXEMPT_VERSION when these rules change, so that files are read again.

EXEMPT_VERSION = "1"
FRONT_LINES = 30

_YES = r"(?:yes\b|y\b|true\b|paragraphs?\s+\d|para\.?\s*\d|exempt\b|confidential\b|restricted\b|part\s+(?:ii|2)\b)"
_NO = r"(?:no\b|n\b|none\b|n/?a\b|not applicable\b|nil\b|false\b|open\b|public\b|unrestricted\b)"
# "Is the report confidential? No" / "Exempt information: Yes" / "Confidential: No" / "Part II: Yes"
_QUESTION = re.compile(
    r"^(?:is\s+(?:the|this)\s+(?:report|paper|item|decision|document)(?:\s+or\s+any\s+(?:of\s+its\s+)?appendi\w+)?"
    r"(?:\s+(?:exempt|confidential|private|restricted)(?:\s+or\s+(?:exempt|confidential|private|restricted))?"
    r"|\s+(?:exempt\s+from|not\s+for)\s+publication|\s+part\s+(?:ii|2))"
    r"|does\s+(?:the|this)\s+(?:report|paper|item)\s+contain\s+(?:any\s+)?(?:exempt|confidential)\s+information"
    r"|(?:contains\s+)?(?:exempt|confidential)(?:\s+(?:information|report|item|paper))?"
    r"|not\s+for\s+publication|part\s+(?:ii|2)(?:\s+item)?|private(?:\s+report)?)"
    r"\s*\??\s*[:\t–—-]?\s*(?:(?P<yes>" + _YES + r")|(?P<no>" + _NO + r"))", re.I)
# "Classification: Restricted" / "Security classification – OFFICIAL-SENSITIVE"
_CLASSIFICATION = re.compile(
    r"^(?:(?:security|protective|document|report|information)\s+)?(?:classification|marking)\s*[:\t–—-]\s*"
    r"(?:(?P<no>unrestricted|open|public|unclassified|official\b(?!\s*[-–]\s*sensitive))"
    r"|(?P<yes>restricted|confidential|exempt|private|secret|official\s*[-–]\s*sensitive|not\s+for\s+publication))", re.I)
# A line that is nothing but a marking: "NOT FOR PUBLICATION", "PART II", "Part II - Exempt",
# "EXEMPT", "CONFIDENTIAL", "Private and Confidential", optionally with its legal basis.
_MARK = (r"(?:not\s+for\s+(?:publication|publishing)|part\s+ii|exempt(?:\s+(?:report|item|information))?"
         r"|confidential|restricted|private\s+and\s+confidential|private|part\s+2\s*[-–—:(]\s*(?:exempt|confidential|private))")
_MARK_LINE = re.compile(rf"^[\s*(\[]*{_MARK}(?:\s*[-–—:(,]?\s*{_MARK})*[\s*)\].:]*"
                        r"(?:\s*[-–—:(]?\s*(?:by\s+virtue\s+of|under|as\s+defined\s+in)\b.*)?$", re.I)
# A line that opens with the legal basis: "By virtue of paragraph 3 of Part 1 of Schedule 12A ..."
# or "Exempt information as defined in paragraph 3 ...".
_BASIS_LINE = re.compile(r"^[\s(]*(?:by\s+virtue\s+of\s+paragraphs?\s+\d|exempt\s+information\s+(?:as\s+defined\s+in|under|"
                         r"by\s+virtue\s+of)|(?:not\s+for\s+publication|exempt)\s+(?:by\s+virtue\s+of|under)\s+paragraph)",
                         re.I)
# "This report contains exempt information ..." / "The report is not for publication ..."
_THIS_PAPER = re.compile(
    r"\b(?:this|the)\s+(?:report|paper|item|document|decision)(?:\s+and\s+(?:its|the)\s+appendi\w+)?\s+"
    r"(?:is|contains|includes|has\s+been\s+marked)\s+(?:\w+\s+){0,2}?"
    r"(?:exempt|confidential|restricted|not\s+for\s+publication)\b", re.I)
_NEGATED = re.compile(r"\bnot\s+(?:exempt|confidential|restricted)\b|\bno\s+(?:exempt|confidential)\b"
                      r"|\bdoes\s+not\s+(?:contain|include)\b|\bcontains\s+no\b|\bnon-?(?:exempt|confidential)\b", re.I)
# Words that make a line about some other paper or about the rules: not a marking of this one.
_ELSEWHERE = re.compile(r"\bappendi(?:x|ces)\b|\bannex(?:es)?\b|\b(?:agenda\s+)?items?\s+\d|\bfollowing\s+items?\b"
                        r"|\bpress\s+and\s+(?:the\s+)?public\b|\bpublic\s+(?:be|are|were)\s+excluded\b|\bpolicy\b"
                        r"|\bprocedure\b|\bguidance\b|\bwhether\b|\bwhen\b|\bif\b", re.I)
_FIRST_PARAGRAPH = re.compile(rf"^\s*1(?:\.0?1?)?[.)]?\s+(?!(?:{_MONTHS}|{_MON3})\b)[A-Z]")


def exempt_marking(text: str, doc_type: str = "other") -> str | None:
    """The line of the paper's front matter that marks it exempt from publication, or None.

    An explicit "No" or "Unrestricted" answer wins over everything else; an agenda is never
    exempt (it lists exempt items, it is not one)."""
    if doc_type == "agenda":
        return None
    found = None
    for line in _front_matter(text):
        s = " ".join(line.split()).strip()
        for pattern in (_QUESTION, _CLASSIFICATION):
            if (m := pattern.match(s)):
                if m.group("no"):
                    return None
                found = found or s
                break
        else:
            if found:
                continue
            if _MARK_LINE.match(s) and not _ELSEWHERE.search(s):
                found = s
            elif (_BASIS_LINE.match(s) or _THIS_PAPER.search(s)) and not _NEGATED.search(s) and not _ELSEWHERE.search(s):
                found = s
    return found[:160] if found else None


def hand_exemption(detected: dict[str, str], doc_ids: list[str], overrides: dict) -> dict[str, str]:
    """The papers to withhold, given those whose markings were found (doc_id -> marking):
    an ``exempt`` cell beside the file overrides detection both ways, for every paper in the
    file (each component of a pack). "yes" withholds them all, "no" none; no cell, detection."""
    hand = overrides.get("exempt")
    if hand == "yes":
        return {doc_id: HAND_MARKING for doc_id in doc_ids}
    if hand == "no":
        return {}
    return detected


HAND_MARKING = "marked exempt by hand (exempt: yes beside the file)"


def _is_marking(line: str) -> bool:
    s = " ".join(line.split())
    return bool(_QUESTION.match(s) or _CLASSIFICATION.match(s) or _MARK_LINE.match(s) or _BASIS_LINE.match(s))


def _front_matter(text: str) -> list[str]:
    lines: list[str] = []
    for line in text.split("\n"):
        if not line.strip():
            continue
        if _FIRST_PARAGRAPH.match(line) or len(lines) >= FRONT_LINES:
            break
        lines.append(line)
    return lines
