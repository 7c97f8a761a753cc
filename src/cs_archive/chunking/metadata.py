"""Stage 2b: what a paper says about itself — council, committee, meeting date, title, type.

Read from the paper's own front matter ("Date:", "Committee date:", "Report to Cabinet",
"To: Cabinet – 30 January 2025", "MINUTES of a meeting of the Cabinet held ... on Thursday,
30 January 2025", "Minutes from the meeting held on Tuesday 5 July 2016"). Unknown stays
None. People's corrections (manifest.csv / .meta.json) are applied by ``apply_overrides``.
"""
from __future__ import annotations

import re
from dataclasses import replace

from ..models import PaperMeta
from .dates import parse_date
from .exempt import _is_marking
from .overrides import DOC_TYPES  # noqa: F401  (the types a paper can have)

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
