"""Stage 2b: what a paper says about itself — council, committee, meeting date, title, type.

Read from the paper's own front matter ("Date:", "Committee date:", "Report to Cabinet",
"To: Cabinet – 30 January 2025", "MINUTES of a meeting of the Cabinet held ... on Thursday,
30 January 2025", "Minutes from the meeting held on Tuesday 5 July 2016"). Unknown stays
None. People's corrections (manifest.csv / .meta.json) are applied by ``apply_overrides``.
"""
from __future__ import annotations

import csv
import json
import re
from dataclasses import replace
from pathlib import Path

from ..models import PaperMeta

DOC_TYPES = ("report", "minutes", "agenda", "decision", "strategy", "appendix", "other")
MANIFEST_FIELDS = ("council", "committee", "date", "title", "doc_type", "url")
OVERRIDE_FIELDS = MANIFEST_FIELDS + ("exempt",)  # exempt: yes/no, by hand (see hand_exemption)

_MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
_MON3 = "Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec"
_DATE = re.compile(
    rf"\b(?P<d>\d{{1,2}})\s*(?:st|nd|rd|th)?\s+(?P<m>(?:{_MONTHS}|{_MON3})\.?),?\s+(?P<y>(?:19|20)\d\d)\b"
    rf"|\b(?P<m2>{_MONTHS})\s+(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y2>(?:19|20)\d\d)\b"
    rf"|\b(?P<nd>\d{{1,2}})/(?P<nm>\d{{1,2}})/(?P<ny>(?:19|20)\d\d)\b",
    re.I,
)
_DATE_FIELD = re.compile(r"^(?:Date|Committee date|Meeting date|Date of meeting|Date of decision)\s*[:\t]\s*(?P<v>.+)$", re.I)
_TITLE_FIELD = re.compile(r"^(?:Title|Report title|Subject)\s*[:\t]\s*(?P<v>\S.*)$", re.I)
_REPORT_TO = re.compile(r"^Report to (?:the )?(?P<c>.+?)\s*$", re.I)
_TO_FIELD = re.compile(r"^To\s*:\s*(?P<c>[^–—-]+?)\s*[–—-]\s*(?P<d>.+)$")
_MINUTES_OF = re.compile(r"^minutes of (?:a|the) meeting of (?:the )?(?P<c>.+?) held\b(?P<rest>.*)", re.I)
_MINUTES_HELD = re.compile(r"^minutes (?:from|of) the meeting held on (?P<rest>.+)", re.I)
_DASH_DATE = re.compile(r"\s+[–—-]\s+(?P<d>.*\d{4}.*)$")
_TITLE_PAGE = re.compile(r"^.{3,90}\b(?:Strategy|Plan|Policy|Briefing|Presentation)$")
_COUNCIL = re.compile(r"^(?P<c>(?:[A-Z][\w'’.-]*\s+){1,4}(?:County |Borough |District |City |Metropolitan Borough |Town |Parish )?Council)\b")
_WORK_PROGRAMME_ROW = re.compile(r"^Date\s+Topic\s", re.I)
_COMMITTEE_WORDS = re.compile(r"\b(?:Committee|Cabinet|Board|Panel|Council|Forum|Sub-Committee)\b", re.I)


def parse_date(s: str) -> str | None:
    """The first date written out in ``s`` as an ISO string ("20 th September 2016" -> 2016-09-20)."""
    from dateutil import parser

    m = _DATE.search(s)
    if not m:
        return None
    if m.group("nd"):
        text, dayfirst = f"{m.group('nd')}/{m.group('nm')}/{m.group('ny')}", True
    elif m.group("d"):
        text, dayfirst = f"{m.group('d')} {m.group('m').rstrip('.')} {m.group('y')}", True
    else:
        text, dayfirst = f"{m.group('d2')} {m.group('m2')} {m.group('y2')}", True
    try:
        return parser.parse(text, dayfirst=dayfirst).date().isoformat()
    except (ValueError, OverflowError):
        return None


def _head(text: str, n: int = 40) -> list[str]:
    return [ln.strip() for ln in text.split("\n") if ln.strip()][:n]


def _tidy_committee(c: str) -> str:
    c = c.strip(" .:\t")
    if c.isupper():
        c = " ".join(w if w in {"SEND", "MASH", "CAMHS"} else w.capitalize() for w in c.split())
        c = re.sub(r"\b(And|Of|The|For)\b", lambda m: m.group(1).lower(), c)
        c = re.sub(r"'S\b", "'s", c)
    return c


def read_meta(text: str, kind: str = "") -> PaperMeta:
    """Metadata a paper states about itself; ``kind`` is what its title block suggested."""
    head = _head(text)
    council = committee = date = title = None
    doc_type = kind or None
    seen_minutes_line = False
    for line in head:
        if council is None and (m := _COUNCIL.match(line)):
            council = m.group("c")
        if date is None and (m := _DATE_FIELD.match(line)):
            date = parse_date(m.group("v"))
        if title is None and (m := _TITLE_FIELD.match(line)):
            title = m.group("v").strip()
        if committee is None and (m := _REPORT_TO.match(line)):
            committee = m.group("c")
            if (d := _DASH_DATE.search(committee)) and parse_date(d.group("d")):
                date = date or parse_date(d.group("d"))
                committee = committee[:d.start()]
            doc_type = doc_type or "report"
        if (m := _TO_FIELD.match(line)) and _COMMITTEE_WORDS.search(m.group("c")):
            committee = committee or m.group("c")
            date = date or parse_date(m.group("d"))
        if kind == "agenda" or seen_minutes_line:
            continue
        if (m := _MINUTES_OF.match(line)):
            committee = committee or m.group("c")
            date, seen_minutes_line = parse_date(m.group("rest")) or date, True
            doc_type = "minutes"
        elif (m := _MINUTES_HELD.match(line)):
            date, seen_minutes_line = parse_date(m.group("rest")) or date, True
            doc_type = "minutes"
    if committee is None:
        committee = _committee_from_header(head)
    if doc_type == "minutes" and title is None:
        title = "Minutes"
    if doc_type == "agenda" and title is None:
        title = "Agenda"
    if title is None and kind == "appendix" and head:
        title = head[0]
    if title is None and any(_WORK_PROGRAMME_ROW.match(ln) for ln in head[:4]):
        title = "Work programme"
    if title is None:
        title = next((ln for ln in head[:4] if _TITLE_PAGE.match(ln)), None)
    if title is None:
        title = _first_title(head, kind)
    if doc_type is None and any(ln.rstrip(":") == "Decision" for ln in head[:6]):
        doc_type = "decision"
    return PaperMeta(council=council, committee=_tidy_committee(committee) if committee else None,
                     date=date, title=title, doc_type=doc_type or "other")


def _committee_from_header(head: list[str]) -> str | None:
    """Header lines such as "Select Committee" / "Children's Social Care and Learning"."""
    for i, line in enumerate(head[:8]):
        if line in ("Select Committee", "Scrutiny Committee", "Committee") and i + 1 < len(head):
            nxt = head[i + 1]
            if not _DATE_FIELD.match(nxt) and len(nxt.split()) <= 8:
                return f"{nxt} {line}"
        if re.fullmatch(r"[A-Z][\w'’&, -]{3,80} (?:Select |Scrutiny )?Committee\.?", line) and not _COUNCIL.match(line):
            return line
        if line.isupper() and line.endswith("COMMITTEE"):
            return line
    return None


def _first_title(head: list[str], kind: str) -> str | None:
    from .sections import heading_like

    for line in head[:8]:
        if line.startswith(("Report to", "Agenda item")) or _DATE_FIELD.match(line) or _COUNCIL.match(line):
            continue
        if re.fullmatch(r"(?:Inquiry Scope|CONSULTATION DOCUMENT.*|Minutes|AGENDA|Appendix \w+)", line):
            continue
        if _is_marking(line):  # "NOT FOR PUBLICATION", "Classification: Restricted" are not titles
            continue
        if heading_like(line, 16):
            return line.rstrip(":")
    return None


def inherit(meta: PaperMeta, pack: PaperMeta) -> PaperMeta:
    """A component of a pack takes the pack's council, committee and meeting date where it
    states none. Minutes keep their own date: they record an earlier meeting."""
    return replace(
        meta,
        council=meta.council or pack.council,
        committee=meta.committee or pack.committee,
        date=meta.date or (pack.date if meta.doc_type != "minutes" else None),
    )


def read_overrides(path: Path) -> dict:
    """What people supplied for one file: its row of manifest.csv, then its .meta.json.

    Besides the metadata fields, ``exempt`` ("yes" or "no") marks the file's papers exempt
    from publication by hand, or clears a marking found in them (see ``hand_exemption``).
    A value that is neither raises ValueError saying so."""
    out: dict = {}
    manifest = path.parent / "manifest.csv"
    if manifest.exists():
        with manifest.open(newline="", encoding="utf-8-sig") as f:
            for row in csv.DictReader(f):
                if (row.get("file") or "").strip() == path.name:
                    out.update({k: v.strip() for k, v in row.items() if k in OVERRIDE_FIELDS and v and v.strip()})
    side = path.with_name(path.name + ".meta.json")
    if side.exists():
        data = json.loads(side.read_text(encoding="utf-8"))
        out.update({k: str(v).strip() for k, v in data.items() if k in OVERRIDE_FIELDS and v not in (None, "")})
    if "date" in out:
        iso = out["date"] if re.fullmatch(r"\d{4}-\d{2}-\d{2}", out["date"]) else parse_date(out["date"])
        out["date"] = iso
    if "exempt" in out:
        out["exempt"] = yes_or_no(out["exempt"])
    return out


def yes_or_no(value) -> str:
    """ "yes" or "no" for an ``exempt`` cell (yes/no, y/n, true/false, 1/0, any case)."""
    word = str(value).strip().lower()
    if word in _YES_WORDS:
        return "yes"
    if word in _NO_WORDS:
        return "no"
    raise ValueError(f"exempt must be yes or no, not {str(value).strip()!r}")


_YES_WORDS = {"yes", "y", "true", "1"}
_NO_WORDS = {"no", "n", "false", "0"}


def apply_overrides(meta: PaperMeta, overrides: dict, whole_file: bool) -> PaperMeta:
    """Apply supplied fields. For a pack, title and type describe the pack, not each paper,
    and the date is the meeting's, which minutes inside it do not share."""
    fields = {k: v for k, v in overrides.items() if k in MANIFEST_FIELDS}
    if not whole_file:
        fields.pop("title", None)
        fields.pop("doc_type", None)
        if meta.doc_type == "minutes":
            fields.pop("date", None)
    if "doc_type" in fields and fields["doc_type"] not in DOC_TYPES:
        fields["doc_type"] = "other"
    return replace(meta, **{k: v for k, v in fields.items() if v})


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
