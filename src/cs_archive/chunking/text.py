"""Plain text and markdown from PDF-to-text converters, cleaned into the paper's words.

What goes: markup (markdown heading marks, ``**bold**``, link targets, stray HTML tags and
entities, list dashes in front of paragraph numbers) and boilerplate (bare page-number
lines, logo text). Boilerplate is counted in ``LoadedText.dropped``; markup is not text.
What is mended: paragraphs that a page break cut in two ("...per" / "10,000 population").
"""
from __future__ import annotations

import html
import re

from ..models import LoadedText

QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u00a0": " ",
                        "\ufb01": "fi", "\ufb02": "fl", "\u200b": ""})

# Logo and accreditation text that PDF converters lift off badges. Extend as archives need.
LOGO_LINES = {
    "investor in people", "investors in people", "disability confident", "disability confident employer",
    "mindful employer", "armed forces covenant",
}

_INLINE_TAG = re.compile(r"</?(?:b|i|u|em|strong|span|font|sup|sub|a)\b[^>]*>", re.I)
_BLOCK_TAG = re.compile(r"</?(?:p|div|ul|ol|li|br|td|th|tr|table|tbody|thead)\b[^>]*>", re.I)
_AUTOLINK = re.compile(r"<((?:https?|mailto):[^>\s]+)>")
_MD_LINK = re.compile(r"\[([^\]]*)\]\([^)\s]*\)")
_MD_HEADING = re.compile(r"^#{1,6}[ \t]+", re.M)
_BOLD = re.compile(r"\*\*(.+?)\*\*|__(.+?)__")
_ITALIC = re.compile(r"(?<![\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])")
_MD_ESCAPE = re.compile(r"\\([()\[\]*_#.\\-])")
_LIST_BEFORE_LABEL = re.compile(r"^[ \t]*[-*•][ \t]+(?=(?:\d{1,3}(?:\.\d{1,3})+\.?|\d{1,3}[a-z]?\.)[ \t]+\S)", re.M)
_PAGE_NUMBER_LINE = re.compile(r"^[ \t]*(?:page[ \t]+)?\d{1,4}(?:[ \t]+of[ \t]+\d{1,4})?[ \t]*$", re.I)
_SENTENCE_END = re.compile(r"[.!?:;)\]\"'|]\s*$")
_LABEL_START = re.compile(r"^\s*(?:[-*•]\s+)?(?:\(?\d{1,3}(?:\.\d{1,3})*[a-z]?[.)]?|[ivx]{1,5}[.)]|[a-z][.)])\s")


def decode(data: bytes) -> str:
    """UTF-8 (with or without BOM), else Windows-1252, else Latin-1 (which never fails)."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    for codec in ("utf-8", "cp1252"):
        try:
            return data.decode(codec)
        except UnicodeDecodeError:
            pass
    return data.decode("latin-1")


def _unbold(m: re.Match) -> str:
    # A bold run glued to the text before it ("...Committee.**Inquiry Scope**") is a title
    # that a converter ran into the previous page: give it its own line.
    before = m.string[m.start() - 1] if m.start() else "\n"
    words = m.group(1) or m.group(2)
    return ("\n\n" + words + "\n\n") if not before.isspace() and before not in "([\"'" else words


def strip_markup(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n").translate(QUOTES)
    text = _AUTOLINK.sub(r"\1", text)
    text = _INLINE_TAG.sub("", text)
    text = _BLOCK_TAG.sub(" ", text)
    text = html.unescape(text).translate(QUOTES)
    text = _MD_LINK.sub(r"\1", text)
    text = _BOLD.sub(_unbold, text)
    text = _ITALIC.sub(r"\1", text)
    text = _MD_ESCAPE.sub(r"\1", text)
    text = _MD_HEADING.sub("", text)
    text = _LIST_BEFORE_LABEL.sub("", text)
    # A markdown table's rule row carries no words.
    text = re.sub(r"^[ \t-]*\|?(?:[ \t]*:?-{2,}:?[ \t]*\|)+[ \t]*:?-*:?[ \t]*$", "", text, flags=re.M)
    return text


def drop_boilerplate(lines: list[str]) -> tuple[list[str], dict, set[int]]:
    """Blank out bare page-number lines and logo text; return the lines, the characters
    dropped by reason, and the indices of the blanked lines (they are not a gap in the text)."""
    kept, dropped, at = [], {}, set()
    for i, line in enumerate(lines):
        s = line.strip()
        reason = None
        if s and _PAGE_NUMBER_LINE.match(s) and "\t" not in line.lstrip():
            reason = "page_number"  # "1\t" is a table row's label, not a page number
        elif s.lower().rstrip(".") in LOGO_LINES:
            reason = "logo_text"
        if reason:
            dropped[reason] = dropped.get(reason, 0) + len("".join(s.split()))
            kept.append("")
            at.add(i)
        else:
            kept.append(line.rstrip())
    return kept, dropped, at


def rejoin_page_breaks(lines: list[str], blanked: set[int] = frozenset()) -> list[str]:
    """Join a long line that stops mid-sentence to its continuation after blank lines.

    A converter marks a page break with blank lines, even mid-sentence: "... in care per",
    "", "10,000 population." The continuation starts in lower case, or with a figure that is
    not a paragraph number. Short lines are headings and are left alone. Lines in ``blanked``
    (page furniture dropped from the break) do not count toward the gap.
    """
    out: list[str] = []
    i, n = 0, len(lines)
    while i < n:
        line = lines[i]
        i += 1
        while len(line.strip()) >= 60 and not _SENTENCE_END.search(line) and "\t" not in line:
            j = i
            while j < n and not lines[j].strip():
                j += 1
            if j == i or j >= n or sum(1 for k in range(i, j) if k not in blanked) > 6:
                break
            nxt = lines[j].lstrip()
            if not (nxt[:1].islower() or (nxt[:1].isdigit() and not _LABEL_START.match(nxt))):
                break
            line = line.rstrip() + " " + nxt
            i = j + 1
        out.append(line)
    return out


def clean_text(raw: str) -> LoadedText:
    text = strip_markup(raw)
    lines, dropped, blanked = drop_boilerplate(text.split("\n"))
    lines = rejoin_page_breaks(lines, blanked)
    text = "\n".join(lines)
    text = re.sub(r"[ \t]+\n", "\n", text)
    text = re.sub(r"\n{3,}", "\n\n", text).strip("\n")
    return LoadedText(text=text, dropped=dropped, kind="text")
