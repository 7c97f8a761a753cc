"""Stage 2b: what a paper says about itself — council, committee, meeting date, title, type.

Read from what UK council papers print, whoever the council:
- report header blocks: "Report to:", "To:", "Meeting:", "Committee:", "Date of meeting:",
  "Decision maker:", "Subject:", "Title of report:", with the value after a colon, a tab or
  several spaces, or on the next line;
- minutes' openings: "Minutes of the meeting of X held at PLACE on DATE", "X held their
  meeting ... on DATE", "X – DATE" headers — the meeting they record, never an earlier one
  whose minutes they approve;
- agenda front sheets and summonses ("You are summoned to a meeting of X to be held on DATE",
  "Meeting to be held on DATE");
- decision notices ("Decision determined at X meeting on DATE", "Decision maker:");
- forward plans, questions, amendments and motions, appendices, strategies.

Each value comes back with its provenance "paper"; a value the reader is not sure of stays
None (doc_type "other"). The council is recognised by name (``councils``); a meeting of the
whole council has the council's own name as its committee.
"""
from __future__ import annotations

import re
from dataclasses import replace

from ..models import PaperMeta
from .councils import canonical, councils_in
from .dates import DATE_PATTERN, MONTHS, MON3, dates_in, parse_date
from .exempt import _is_marking
from .overrides import DOC_TYPES

# Bump when what is read changes, so that files are read again at the next ingest.
METADATA_VERSION = "5"
HEAD_LINES = 60  # non-empty lines read for the header block
OPENING_LINES = 14  # where a paper's opening (minutes of..., summons) must start

_SEP = r"(?:\s*[:：]\s*|\t+\s*|\s{2,}|\s+[–—-]\s+)"
_KEYS = {
    "committee": r"committee|committee name|name of committee|meeting|meeting of|meeting name|report to|to|"
                 r"decision[- ]?maker|decision taken by|decision[- ]?taker|body|forum|board|panel",
    "date": r"date|date of meeting|meeting date|date of the meeting|committee date|date of committee|"
            r"date of decision|decision date|date decision taken|date of decision meeting|meeting held on",
    "title": r"title|report title|title of report|title of the report|subject|subject of report|report subject|"
             r"name of report|item title|agenda item title|decision title|title of decision",
    "council": r"council|authority|organisation|local authority",
}
_KEY_LINE = {name: re.compile(rf"^(?:\(?[a-z0-9]{{1,3}}[.)]\s+)?(?P<k>{keys})\.?(?:{_SEP}(?P<v>.*)|\s*[:：]?\s*$)", re.I)
             for name, keys in _KEYS.items()}
_ANY_KEY = re.compile(r"^(?:\(?[a-z0-9]{1,3}[.)]\s+)?[A-Z][A-Za-z ()/'’-]{1,40}\s*[:：]")

# Words that make a name a meeting body.
_BODY_WORD = re.compile(
    r"\b(?:committee|cabinet|board|panel|council|forum|meeting|sub-committee|subcommittee|group|commission|"
    r"assembly|executive|partnership|authority|scrutiny|working party|conference|leader|mayor|"
    r"portfolio holder|cabinet member|executive member|member for|a\.?g\.?m\.?)\b", re.I)
# Words that never belong to a body's name: a body name is not a sentence.
_NOT_BODY = re.compile(
    r"\b(?:is|are|was|were|will|would|should|has|have|had|the only|which|that|this|these|those|"
    r"please|contact|tel|telephone|email|e-mail|www|http|page|dear|we|our|you|your|if|when|present|apologies)\b"
    r"|[@£$%|:]|\d{3,}", re.I)
# Leading or trailing words that qualify a meeting rather than name its body.
_QUALIFIER = re.compile(
    r"^(?:(?:the|a|an|above|this|its|their|ordinary|monthly|bi-monthly|special|extraordinary|reconvened|"
    r"adjourned|public|open|remote|virtual|hybrid|formal|informal|next|first|inaugural|emergency|"
    r"additional|joint)\s+)+", re.I)
# "a meeting of the", "the annual meeting of" before a body's name.
_MEETING_OF = re.compile(r"^(?:(?:the|a|an)\s+)?(?:(?:annual|general|extraordinary|special|ordinary|monthly|remote|virtual)\s+)*"
                         r"(?:meeting|a\.?g\.?m\.?)\s+of\s+(?:the\s+)?", re.I)
# What is left of an opening's body when it names the whole council: "the above Council",
# "Annual Meeting", "A.G.M.", "Extraordinary Meeting", "Meeting of the Parish Council", "Cyfarfod".
_WHOLE = re.compile(r"(?i)(?:(?:the|a|an|above|said|annual|general|extraordinary|special|ordinary|monthly|remote|virtual|"
                    r"full|meeting|a\.?g\.?m\.?|agm|of|council|parish\s+council|town\s+council|community\s+council|"
                    r"cyfarfod|eithriadol|blynyddol|cyngor)\b\.?[\s,–-]*)*")
# "Souldern Annual Parish Meeting": the parish's meeting of electors, convened by its council.
_PARISH_MEETING = re.compile(r"^(?P<place>[A-Z][\w'’-]+(?:\s+[A-Z][\w'’-]+){0,2})\s+annual\s+parish\s+meeting$", re.I)
_ANNUAL_OF = re.compile(r"^(?:annual(?:\s+general)?|a\.?g\.?m\.?)\s+(?:meeting\s+)?(?:of\s+)?(?:the\s+)?", re.I)

_M = rf"(?:{MONTHS}|{MON3})"
_DATEISH = rf"(?:(?:\w+day,?\s+)?(?:the\s+)?\d{{1,2}}\s*(?:st|nd|rd|th)?\s+(?:of\s+)?{_M}|{_M}\s+\d{{1,2}}|\d{{1,2}}[/.]\d{{1,2}}[/.]\d{{2,4}})"
_FLAGS = re.I | re.S
# "Minutes of the meeting of the Cabinet held on ...", "MINUTES of a meeting of the County
# Council held in the Council Chamber ... on Thursday, 13 February 2025", "Minutes of the
# Transport and Connectivity Policy Committee 12 September 2024 at 5.00 pm", "Minutes of
# Meeting held on Tuesday 8th July 2008", "Extract of Minutes of Extraordinary Meeting held ...".
_MINUTES = re.compile(
    r"\b(?:draft\s+|extract\s+of\s+(?:the\s+)?|unconfirmed\s+|confirmed\s+|approved\s+)?(?:minutes|notes)\s+(?:of|from)\s+"
    r"(?!(?:the\s+)?(?:last|previous|prior|preceding)\b)"
    r"(?P<body>.{0,160}?)\s*,?\s*"
    rf"(?:\b(?:held|which\s+(?:was|were)\s+held|that\s+took\s+place|taking\s+place|convened)\b|(?=\bon\s+{_DATEISH})|(?={_DATEISH}))",
    _FLAGS)
# "Manordeilo and Salem Community Council held their meeting at 7.30pm on the 10th June 2015".
_HELD_THEIR = re.compile(r"(?P<body>[A-Z][\w&'’ .-]{2,80}?)\s+held\s+(?:their|its)\s+(?:\w+\s+){0,2}meeting\b", re.S)
# "You are summoned to attend the annual meeting of the above Council to be held on ...",
# "Councillors are summoned to the Souldern Parish Council Planning Meeting to take place on ...",
# "Notice is hereby given that a meeting of X will be held on ...".
_SUMMONS = re.compile(
    r"\b(?:summoned\s+to\s+(?:attend\s+)?|notice\s+is\s+(?:hereby\s+)?given\s+that\s+|notice\s+of\s+(?:the\s+)?|invited\s+to\s+(?:attend\s+)?)"
    r"(?:the\s+|a\s+|an\s+)?(?P<body>.{0,120}?)\s*,?\s*"
    r"\b(?:to\s+be\s+held|will\s+be\s+held|which\s+will\s+be\s+held|to\s+take\s+place|taking\s+place|on|at)\b",
    _FLAGS)
# A forward plan: "key decisions to be taken at Transport & Connectivity Policy Committee".
_TAKEN_AT = re.compile(r"\b(?:decisions?|items?|matters?)\s+to\s+be\s+(?:taken|considered|made)\s+(?:at|by)\s+(?:the\s+)?"
                       r"(?P<body>.{2,100}?(?:committee|cabinet|board|panel|council|executive)\b)", _FLAGS)
_TO_BE_HELD = re.compile(r"\bmeeting\s+(?:to\s+be\s+held|will\s+be\s+held|to\s+take\s+place)\b", re.I)
# "Decision determined at Transport and Connectivity Policy Committee meeting on 12 September 2024".
_DECIDED_AT = re.compile(
    r"\bdecision\s+(?:determined|taken|made|agreed)\s+(?:at|by)\s+(?:the\s+|a\s+)?(?P<body>.{2,120}?)\s*(?:\bmeeting\b\s*)?\bon\b",
    _FLAGS)
# Lines that speak of another meeting: the minutes being approved, the next meeting, a deadline.
_OTHER_MEETING = re.compile(
    r"\b(?:last|previous|prior|preceding|next|future|forthcoming|following|subsequent|approved?|confirm(?:ed)?|"
    r"agreed?|signed|correct\s+record|true\s+record|accurate\s+record|circulated|deadline|publish(?:ed)?|"
    r"expiry|call[- ]in|response\s+by|by\s+no\s+later)\b", re.I)

_AGENDA_LINE = re.compile(r"^(?:agenda|a\s*g\s*e\s*n\s*d\s*a|agenda\s+(?:frontsheet|front\s+sheet|pack)|"
                          r"(?:public\s+)?(?:reports?\s+)?pack|summons(?:\s+and\s+agenda)?|summons\s+to\s+and\s+agenda.*|"
                          r"notice\s+of\s+(?:the\s+)?meeting|agenda\s+for\s+.*|.{0,60}\bagenda)$", re.I)
_DECISION_DOC = re.compile(r"^(?:(?:record|notice|schedule|register)\s+of\s+(?:the\s+)?(?:\w+\s+){0,2}decisions?|"
                           r"(?:\w+\s+){0,3}decision\s+(?:notice|record(?:ing)?\s+form|record|sheet|report\s+form|summary)|"
                           r"decision\s+(?:details|taken)|decisions?\s+of\s+the\b.*|officer\s+decision.*|"
                           r"(?:executive|key|individual(?:\s+member)?|cabinet\s+member)\s+decision\b.*)$", re.I)
_FORWARD_PLAN = re.compile(r"\bforward\s+plan\b|\bnotice\s+of\s+(?:forthcoming|key)\s+decisions\b|\bplan\s+of\s+key\s+decisions\b"
                           r"|\bkey\s+decisions\s+to\s+be\s+taken\b", re.I)
_QUESTIONS = re.compile(r"^(?:(?:written\s+|public\s+|members['’]?\s+|oral\s+)?questions?\s+(?:and\s+answers|from|to|"
                        r"submitted|received|by|under|for)\b.*|questions\s+and\s+answers|(?:written|public)\s+questions)$", re.I)
_AMENDMENT = re.compile(r"^(?:(?:notice\s+of\s+)?motions?\b.*|(?:(?:\w+\s+){0,3})amendments?(?:\s+to\b.*|\s+\d.*|\s+[A-Z]\b.*)?|"
                        r"(?:budget|opposition|group)\s+amendments?.*)$", re.I)
_APPENDIX = re.compile(r"^(?:appendix|annex|annexe|schedule)\s+[0-9A-Z]{1,3}\b.{0,120}$", re.I)
_REPORT_WORDS = re.compile(r"^(?:committee\s+report|report\s+to\b.*|report\s+of\s+the\b.*|cabinet\s+report|"
                           r"officer['’]?s?\s+report|(?:\w+\s+){0,2}report\s+(?:for|to)\s+(?:the\s+)?(?:\w+\s+){0,4}"
                           r"(?:committee|cabinet|council|board|panel)\b.*)$", re.I)
_TITLE_PAGE = re.compile(r"^.{3,90}\b(?:Strategy|Plan|Policy|Briefing|Presentation)$")
_WORK_PROGRAMME_ROW = re.compile(r"^Date\s+Topic\s", re.I)
_REPORT_TO = re.compile(r"^Report\s+(?:to|of)\s+(?:the\s+)?(?P<c>[A-Z].{2,80}?)\s*$")

# Lines that are never a title: contact details, labels, navigation, markings.
_NOT_TITLE = re.compile(
    r"(?i)^(?:skip\s+to|report\s+to\b|classification|section\s*\d*$|direct\s+dial|tel\b|telephone|phone|"
    r"e-?mail|fax|mobile|web(?:site)?\b|www\.|https?:|page\s+\d|contents$|agenda\s+item$|item\s+no|"
    r"contact|officer|author|clerk\b|version\b|official\b|open\b|public\b|key\s+decision|ward|wards|"
    r"purpose|summary|recommendations?|executive\s+summary|background|introduction|present|apologies|"
    r"in\s+attendance|members\s+present|date\b|time\b|venue\b|place\b|location\b|dear\b|to\s+(?:all|the|members)\b|"
    r"cabinet\s+member|portfolio|directorate|service\s+area|lead\s+officer|home\b|menu\b|search\b|back\s+to|print\b|"
    r"\W*$)|\b0\d{3,4}\s?\d{3}\s?\d{3,4}\b|\S@\S|^[^A-Za-z]*$|:$")


_BAD_VALUE = re.compile(r"\b0\d{3,4}\s?\d{3}\s?\d{3,4}\b|\S@\S|https?:|www\.|(?i:^skip\s+to\b)")


def _head(text: str, n: int = HEAD_LINES) -> list[str]:
    """The first ``n`` non-empty lines, runs of spaces made one (tabs kept: they part a key
    from its value, and cells of a table row)."""
    return [re.sub(r"[ \u00a0]+", " ", ln).strip() for ln in text.split("\n") if ln.strip()][:n]


def read_meta(text: str, kind: str = "", fields: tuple[tuple[str, str], ...] = (), in_pack: bool = False) -> PaperMeta:
    """Metadata a paper states about itself. ``kind`` is what its title block suggested;
    ``in_pack`` when it was cut from a pack with others; ``fields`` what the file's own
    structure states (a web page's meeting details), which wins over what is read from the
    words."""
    head = _head(text)
    found = _Reader(head, kind, in_pack).read()
    if not found.get("council"):
        found["council"] = _council_named_most(text)
    meta = PaperMeta(council=found.get("council"), committee=found.get("committee"), date=found.get("date"),
                     title=found.get("title"), doc_type=found.get("doc_type") or "other")
    meta = replace(meta, provenance=tuple((k, "paper") for k in ("council", "committee", "date", "doc_type", "title")
                                          if found.get(k)))
    stated = {k: v for k, v in fields if v}
    if stated.get("date"):
        stated["date"] = parse_date(stated["date"]) or None
    if stated.get("council"):
        stated["council"] = canonical(stated["council"]) or stated["council"]
    if stated.get("doc_type") not in DOC_TYPES:
        stated.pop("doc_type", None)
    if stated.get("committee"):
        stated["committee"] = tidy_name(stated["committee"])
    return meta.given("paper", **stated).known()


def _council_named_most(text: str, limit: int = 60_000) -> str | None:
    """The one council a paper names, when it names one only and at least twice: the paper's
    own when no header names it. A paper naming several (a partner, another council's scheme
    it learns from) says nothing sure of its own."""
    named = [name for _, _, name in councils_in(text[:limit])]
    return named[0] if len(named) >= 2 and len(set(named)) == 1 else None


class _Reader:
    """One paper's header block, read once; ``read`` gives the fields it is sure of."""

    def __init__(self, head: list[str], kind: str, in_pack: bool = False):
        self.head = head
        self.kind = kind
        self.in_pack = in_pack
        self.top = head[:OPENING_LINES]
        self.flat = " ".join(self.top)
        self.out: dict[str, str] = {}
        self.whole = False  # the opening names the whole council's meeting ("the above Council")
        self.title_start = 0  # the head lines where the opening (and so a meeting paper's title) is
        self.title_end: int | None = None

    def set(self, key: str, value: str | None) -> None:
        if value and not self.out.get(key):
            self.out[key] = value

    def read(self) -> dict[str, str]:
        if self.kind in DOC_TYPES and self.kind != "other":
            self.set("doc_type", self.kind)
        self._key_values()
        self._council(lines=3)  # a council printed at the very top is the paper's own, as printed there
        self._opening()
        self._council()
        self._date_line()
        self._type()
        self._header_committee()
        self._whole_council()
        self._title()
        return self.out

    # -- "Key: value" header blocks ---------------------------------------------------
    def _key_values(self) -> None:
        for i, line in enumerate(self.head[:40]):
            for name, pattern in _KEY_LINE.items():
                m = pattern.match(line)
                if not m:
                    continue
                value = (m.group("v") or "").strip(" :\t")
                # A value on the next line: after "Key:", or after a key of several words
                # ("Date of meeting"); a lone "COMMITTEE" line is a heading's last word.
                if (not value and i + 1 < len(self.head) and not _ANY_KEY.match(self.head[i + 1])
                        and (line.rstrip().endswith((":", "：")) or " " in m.group("k").strip())):
                    value = self.head[i + 1]
                if value and not (name == "date" and m.group("k").lower() == "date" and i >= 20):
                    self._field(name, m.group("k").lower(), value)
                break
        for line in self.head[:10]:
            if (m := _REPORT_TO.match(line)) and not self.out.get("committee"):
                self._field("committee", "report to", m.group("c"))

    def _field(self, name: str, key: str, value: str) -> None:
        if name == "committee":
            body, date = _split_date(value)
            if key in ("to", "body", "board", "panel", "forum") and not _BODY_WORD.search(body or ""):
                return
            if (name_ := _body(body)) and not self.out.get("committee"):
                self.set("committee", name_)
                self.set("date", date)
                if key.startswith(("report to", "to")):
                    self.set("doc_type", "report")
                if key.startswith("decision"):
                    self.set("doc_type", "decision")
        elif name == "date":
            if key == "date" and _OTHER_MEETING.search(value):
                return
            self.set("date", parse_date(value))
        elif name == "title":
            if not _BAD_VALUE.search(value) and re.search(r"[A-Za-z]{3}", value) and len(value) <= 200:
                self.set("title", value.rstrip(" .:"))
        elif name == "council":
            self.set("council", canonical(value))

    # -- openings: minutes, summonses, decisions --------------------------------------
    def _opening(self) -> None:
        """The earliest opening in the top lines that names this paper's own meeting."""
        flat = self.flat
        found = []
        for pattern, doc_type in ((_MINUTES, "minutes"), (_HELD_THEIR, "minutes"), (_DECIDED_AT, "decision"),
                                  (_SUMMONS, "agenda"), (_TAKEN_AT, "forward_plan")):
            if self.kind == "agenda" and doc_type == "minutes":
                continue
            for m in pattern.finditer(flat):
                before = flat[max(0, m.start() - 60):m.start()]
                if doc_type == "minutes" and re.search(r"\b(?:approve|confirm|agree|sign|receive|note|of|the)\W*$|"
                                                       r"\b(?:to|that)\s+(?:approve|confirm|agree|sign)\b", before, re.I):
                    continue
                if _starts_numbered_item(flat, m.start()):
                    continue
                date, date_at = _date_after(flat, m.end())
                body = m.group("body")
                if m.re is _HELD_THEIR and (named := councils_in(body)):
                    body = body[named[-1][0]:]  # the name right before "held their meeting"
                if doc_type in ("agenda", "forward_plan") and not (date or _body(body)):
                    continue
                if doc_type == "minutes" and m.re is _MINUTES and not date and not _BODY_WORD.search(body or ""):
                    continue
                found.append((m.start(), doc_type, body, date, date_at))
        if (m := _TO_BE_HELD.search(flat)):
            date, date_at = _date_after(flat, m.end())
            if date:
                found.append((m.start(), "agenda", "", date, date_at))
        if not found:
            return
        found.sort(key=lambda f: f[0])
        start, doc_type, body, date, date_at = found[0]
        for other in found[1:]:  # the same meeting named more fully further on (a running header first)
            if other[1] == doc_type and other[3] == date and _words(other[2]) > _words(body):
                start, doc_type, body, date, date_at = other
        self.set("doc_type", doc_type)
        self._meeting(body)
        self.set("date", date)
        self.title_start = self._line_of(start)
        self.title_end = self._line_of(date_at if date else start + len(body or ""))

    def _meeting(self, body: str | None) -> None:
        """A body named in an opening: a council ("Souldern Parish Council Meeting"), a
        committee, or the two together ("Souldern Parish Council Planning Meeting")."""
        body = " ".join((body or "").split())
        if not body:
            return
        mentions = councils_in(body)
        rest = body
        if mentions:
            start, end, council = mentions[0]
            self.set("council", council)
            rest = (body[:start] + " " + body[end:]).strip(" ,-–")
        rest = re.sub(r"^(?:'s|’s)\s*", "", rest)
        rest = _MEETING_OF.sub("", rest).strip(" ,-–")
        if _WHOLE.fullmatch(rest):
            self.whole = True
            return
        if not mentions and (m := _PARISH_MEETING.match(rest)):
            self.set("council", canonical(f"{m.group('place')} Parish Council"))
        name = _body(rest)
        if name and self.out.get("council"):
            name = _drop_place(name, self.out["council"])
        self.set("committee", name)

    # -- the type a clerk recognises ---------------------------------------------------
    def _type(self) -> None:
        if self.out.get("doc_type"):
            return
        top = self.head[:8]
        if self.kind in ("agenda", "appendix", "strategy"):
            return self.set("doc_type", self.kind)
        if any(_REPORT_WORDS.match(line) for line in top[:4]):
            return self.set("doc_type", "report")
        for line in top:
            if _FORWARD_PLAN.search(line):
                return self.set("doc_type", "forward_plan")
            if _DECISION_DOC.match(line):
                return self.set("doc_type", "decision")
        if any(_FORWARD_PLAN.search(line) for line in self.head[:20]):
            return self.set("doc_type", "forward_plan")
        for line in top[:4]:
            if _APPENDIX.match(line):
                return self.set("doc_type", "appendix")
            if _QUESTIONS.match(line):
                return self.set("doc_type", "questions")
            if _AMENDMENT.match(line) and len(line.split()) <= 12:
                return self.set("doc_type", "amendment")
        if any(_AGENDA_LINE.match(line) for line in top) and (self.out.get("date") or any(
                re.fullmatch(r"(?i)a\s*g\s*e\s*n\s*d\s*a", line) for line in top[:4])):
            return self.set("doc_type", "agenda")
        if any(_REPORT_WORDS.match(line) for line in top) or (self.out.get("committee") and self.out.get("title")):
            return self.set("doc_type", "report")
        if any(_TITLE_PAGE.match(line) and line.rstrip().endswith("Strategy") for line in top[:4]):
            return self.set("doc_type", "strategy")

    # -- the council ----------------------------------------------------------------------
    def _council(self, lines: int = 12) -> None:
        if self.out.get("council"):
            return
        for line in self.head[:lines]:
            if (found := councils_in(line)):
                return self.set("council", found[0][2])

    # -- a date printed alone or after the body at the top ("X – 29 October 2024") ----------
    def _date_line(self) -> None:
        """A date printed at the top, alone or after the body's name ("Milburn Parish Council
        - 7th January 2020", "CORPORATE PARENTING PANEL – 29 October 2024", "MEETING 10th JUNE
        2015"); the body may stand on the lines above it."""
        if self.out.get("date"):
            return
        for i, line in enumerate(self.head[:6]):
            dates = dates_in(line)
            if not dates or "\t" in line or _OTHER_MEETING.search(line) or _ANY_KEY.match(line):
                continue
            at, iso = dates[0]
            before = line[:at].strip(" -–—,:@")
            while (cut := re.sub(r"(?i)\b(?:\w+day|(?:meeting\s+)?(?:to\s+be\s+)?held\s+on|on|the)\s*,?\s*$", "",
                                 before).strip(" -–—,")) != before:
                before = cut
            if before and not re.search(r"[A-Za-z]", before):
                before = ""
            if before and (len(before.split()) > 10 or not (_body(before) or councils_in(before)
                                                             or _WHOLE.fullmatch(before) or _PARISH_MEETING.match(before))):
                continue
            self.set("date", iso)
            if before:
                self._meeting(before)
            else:
                for above in reversed(self.head[max(0, i - 2):i]):
                    body = re.split(r"(?i)\s+(?:in|at)\s+the\b|\s+held\b", above)[0]
                    if _body(body) or councils_in(body) or _PARISH_MEETING.match(body):
                        self._meeting(body)
                        break
            self.title_start, self.title_end = 0, max(self.title_end or 0, i)
            if self.out.get("doc_type") is None:
                self.set("doc_type", _minutes_or_agenda(self.head[:40]))
            return

    def _header_committee(self) -> None:
        """A committee's name printed as a header line ("CORPORATE PARENTING PANEL",
        "Select Committee" over "Children's Social Care and Learning")."""
        if self.out.get("committee"):
            return
        for i, line in enumerate(self.head[:8]):
            if "\t" in line or councils_in(line):
                continue
            if re.fullmatch(r"(?i)(?:select|scrutiny|overview and scrutiny|policy)?\s*committee", line) and i + 1 < len(self.head):
                nxt = self.head[i + 1]
                if not _ANY_KEY.match(nxt) and "\t" not in nxt and len(nxt.split()) <= 8 and not dates_in(nxt):
                    return self.set("committee", tidy_name(f"{nxt} {line}"))
            if (re.fullmatch(r"[A-Z][\w'’&, -]{3,80} (?:Select |Scrutiny |Policy |Advisory )?(?:Committee|Sub-Committee|Panel|Board|Cabinet)\.?", line, re.I)
                    and (name := _body(line))):
                return self.set("committee", name)

    def _whole_council(self) -> None:
        """A meeting with no body named under a council's name is the council's own meeting."""
        council = self.out.get("council")
        if not council or self.out.get("committee"):
            return
        if self.whole or (self.out.get("doc_type") in ("minutes", "agenda") and self.out.get("date")):
            self.set("committee", council)

    # -- the title --------------------------------------------------------------------------
    def _title(self) -> None:
        """A title field; else, for a meeting's paper, its heading down to the meeting's date
        (with the council's name above it); else the first heading, with the capitals block it
        starts ("MONMOUTHSHIRE COUNTY COUNCIL / TEMPORARY TRAFFIC REGULATION NOTICE 2018")."""
        if self.out.get("title"):
            return
        doc_type = self.out.get("doc_type")
        if self.in_pack and self.kind in ("minutes", "agenda"):
            # A component cut from a pack at its "Minutes" or "AGENDA" line: that line is its
            # title; the committee and date after it are fields of their own.
            return self.set("title", self.kind.capitalize())
        if doc_type in ("minutes", "agenda", "decision") and self.title_end is not None:
            start = self.title_start
            while start > 0 and start > self.title_start - 2 and _header_line(self.head[start - 1]):
                start -= 1
            lines = [ln for ln in self.head[start:self.title_end + 1] if not _junk_line(ln)]
            if lines and (cut := _through_date(lines[-1])):
                lines[-1] = cut
            if lines:
                return self.set("title", _join_title(lines[-5:]))
        if doc_type in ("minutes", "agenda"):
            return self.set("title", doc_type.capitalize())
        if any(_WORK_PROGRAMME_ROW.match(ln) for ln in self.head[:4]):
            return self.set("title", "Work programme")
        if (page := next((ln for ln in self.head[:4] if _TITLE_PAGE.match(ln)), None)):
            return self.set("title", page)
        for i, line in enumerate(self.head[:10]):
            if self.kind == "appendix" and _APPENDIX.match(line):
                return self.set("title", line)
            if _title_like(line) and not _REPORT_TO.match(line):
                if canonical(line) and not _caps(line):
                    continue
                block = [line]
                for nxt in self.head[i + 1:i + 6]:
                    if not (_caps(line) and _caps(nxt)) or _junk_line(nxt) or _is_marking(nxt):
                        break
                    block.append(nxt)
                if len(block) == 1 and canonical(line):
                    continue
                return self.set("title", _join_title(block))

    def _line_of(self, offset: int) -> int:
        """The index of the head line holding character ``offset`` of ``flat``."""
        pos = 0
        for i, line in enumerate(self.top):
            pos += len(line) + 1
            if offset < pos:
                return i
        return len(self.top) - 1


def _words(s: str | None) -> set[str]:
    return set(re.findall(r"[a-z0-9]+", (s or "").lower().replace("&", "and")))


def _starts_numbered_item(flat: str, at: int) -> bool:
    """The match sits in an agenda item ("2. Minutes of the Annual Meeting, 14th May 2015")."""
    return bool(re.search(r"(?:^|\s)\(?\d{1,4}[.)]?\s*(?:\w+\s+){0,3}$", flat[max(0, at - 24):at])
                and re.search(r"(?:^|\s)\d{1,4}[.)]\s", flat[max(0, at - 24):at]))


def _date_after(flat: str, at: int, within: int = 200) -> tuple[str | None, int]:
    """The first real date within ``within`` characters after ``at`` and where it is, unless
    it is about another meeting ("the minutes of the last meeting held on ...")."""
    window = flat[at:at + within]
    for m in DATE_PATTERN.finditer(window):
        if _OTHER_MEETING.search(window[:m.start()]):
            return None, at
        if (iso := parse_date(m.group())):
            return iso, at + m.start()
    return None, at


def _split_date(value: str) -> tuple[str, str | None]:
    """ "Cabinet – 30 January 2025" -> ("Cabinet", "2025-01-30")."""
    m = DATE_PATTERN.search(value)
    if not m:
        return value, None
    before = value[:m.start()]
    before = re.sub(r"(?i)[\s,–—-]*(?:\b\w+day)?[\s,]*(?:the\s+)?$", "", before).strip(" ,–—-")
    return before, parse_date(m.group())


def _body(value: str | None) -> str | None:
    """A meeting body's name, tidied, or None when ``value`` is not one."""
    if not value:
        return None
    v = _tidy_caps(" ".join(value.split()).strip(" ,.:;–—-"))
    v = re.sub(r"\s*\((?:agenda\s+item|item)\b.*$", "", v, flags=re.I)
    v = re.sub(r"(?i)\s+(?:meeting|on|at|held|in|of)$", lambda m: " Meeting" if "meeting" in m.group().lower() else "", v)
    v = _QUALIFIER.sub("", v).strip(" ,")
    if (annual := _ANNUAL_OF.match(v)) and canonical(v[annual.end():]):
        v = v[annual.end():]
    if not v or len(v.split()) > 12 or not _BODY_WORD.search(v) or _NOT_BODY.search(v):
        return None
    if re.fullmatch(r"(?i)meeting", v):
        return None
    return tidy_name(v)


def _drop_place(name: str, council: str) -> str:
    """ "Souldern Annual Parish Meeting" under Souldern Parish Council -> "Annual Parish Meeting"."""
    place = re.sub(r"(?i)\s+(?:parish|town|community|city|county|borough|district|village)?\s*council$", "", council)
    if place and name.lower().startswith(place.lower() + " ") and _BODY_WORD.search(name[len(place):]):
        return name[len(place):].strip()
    return name


def tidy_name(c: str) -> str:
    c = " ".join(c.split()).strip(" .:\t,")
    return _tidy_caps(c)


_SMALL = {"and", "of", "the", "for", "a", "an", "on", "in", "at", "to", "be", "by", "or", "with", "upon", "le", "cum"}
_KEEP_CAPS = {"SEND", "MASH", "CAMHS", "NHS", "AGM", "SPC", "CIL", "HRA", "ICB", "SACRE", "LGA", "UK"}


def _tidy_caps(s: str) -> str:
    """An ALL-CAPS line in title case ("MEETING 10th JUNE 2015" -> "Meeting 10th June 2015"),
    short acronyms kept; other lines as they are."""
    letters = [ch for ch in s if ch.isalpha()]
    if not letters or sum(ch.isupper() for ch in letters) < 0.8 * len(letters):
        return s
    out = []
    for n, w in enumerate(s.split()):
        core = re.sub(r"[^A-Za-z]", "", w)
        if core in _KEEP_CAPS or ("." in w and len(core) <= 4) or any(ch.isdigit() for ch in w):
            out.append(w)
        elif n and core.lower() in _SMALL:
            out.append(w.lower())
        else:
            out.append(w[:1] + w[1:].lower() if w[:1].isalpha() else w.lower())
    return re.sub(r"(['’])S\b", r"\1s", " ".join(out))


def _junk_line(line: str) -> bool:
    return bool(_is_marking(line) or re.match(r"(?i)^(?:clerk\s*:|tel|telephone|e-?mail|version\b|official\b|to\s+(?:all|the|members)\b)", line)
                or re.search(r"\b0\d{3,4}\s?\d{3}\s?\d{3,4}\b|\S@\S", line) or re.fullmatch(r"(?i)agenda|minutes|_+|-+", line))


def _join_title(lines: list[str]) -> str:
    out = _tidy_caps(lines[0])
    for line in lines[1:]:
        line = _tidy_caps(line)
        joined = out[-1:] not in (".", ":") and (line[:1].islower() or re.match(
            r"(?i)(?:held|on|at|in|to\s+be|to\s+take|of|and|&|meeting|policy|committee|\d)", line) or re.search(
            r"(?i)\b(?:of|the|and|on|at|in|held|a)$", out))
        out = f"{out} {line}" if joined else f"{out} – {line}"
    out = re.sub(r"\s+", " ", out).strip(" -–")
    return out if len(out) <= 200 else out[:200].rsplit(" ", 1)[0]


def _through_date(line: str) -> str | None:
    """The line up to the end of the first date in it ("… held on Tuesday 5 July 2016")."""
    m = DATE_PATTERN.search(line)
    return line[:m.end()] if m else None


def _caps(line: str) -> bool:
    letters = [ch for ch in line if ch.isalpha()]
    return len(letters) >= 3 and sum(ch.isupper() for ch in letters) >= 0.8 * len(letters)


def _header_line(line: str) -> bool:
    """A council's or body's name printed above a paper's opening."""
    return bool(councils_in(line) or (_BODY_WORD.search(line) and len(line.split()) <= 8 and not line.endswith(".")))


_MINUTES_SIGNS = re.compile(r"\b(?:present|apologies|in\s+attendance|in\s+the\s+chair|chaired|took\s+the\s+chair|"
                            r"resolved|proposed|seconded|unanimously|it\s+was\s+agreed|presennol|ymddiheuriadau|"
                            r"cynhaliwyd|cynigiwyd|eiliwyd)\b", re.I)
_AGENDA_SIGNS = re.compile(r"\b(?:agenda|summoned|summons|to\s+receive|to\s+approve|to\s+consider|rhaglen)\b", re.I)


def _minutes_or_agenda(lines: list[str]) -> str | None:
    """Minutes record what happened (who was present, what was resolved); an agenda lists
    what is to be done. None when the lines do not say which."""
    text = " ".join(lines)
    minutes, agenda = len(_MINUTES_SIGNS.findall(text)), len(_AGENDA_SIGNS.findall(" ".join(lines[:12])))
    if minutes >= 2 and minutes > 2 * agenda:
        return "minutes"
    if agenda and not minutes:
        return "agenda"
    return None


def _title_like(line: str) -> bool:
    from .sections import heading_like

    if _NOT_TITLE.search(line) or _is_marking(line) or parse_date(line) and len(line.split()) <= 6 or re.match(r"\(?\d+[.)]?\s", line):
        return False
    if re.fullmatch(r"(?i)(?:inquiry scope|consultation document.*|minutes|agenda|appendix \w+|committee report|"
                    r"report|decision|decision recording form)", line):
        return False
    return heading_like(line, 16)
