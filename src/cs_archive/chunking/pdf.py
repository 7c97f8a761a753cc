"""Load a PDF's text layer into one string, knowing the page of every character.

Each page's text comes from pypdf's ``extract_text()`` (lines in content-stream order, no
blank lines between paragraphs). Typographic quotes, non-breaking spaces and ligatures are
made plain; running headers and footers (lines at the top or bottom of most pages, digits
ignored) and bare page numbers are dropped and counted. Pages are joined with "\\n", except
that a sentence running over a page break is rejoined with a space, and a word hyphenated at
the end of a line (on one page or across two) is rejoined without its hyphen.
"""
from __future__ import annotations

import logging
import re
from collections import Counter

from pypdf import PdfReader

from ..models import LoadedText, LoadError

# pypdf logs its own complaints ("invalid pdf header", "EOF marker not found") as warnings on
# stderr, as extra lines naming no file. The one line the user gets carries the reason instead.
logging.getLogger("pypdf").setLevel(logging.ERROR)

CHECK_FILE = "Check the file is a complete PDF."
DOWNLOAD_AGAIN = "Download it again: this copy is not a complete PDF."


class NeedsOCR(LoadError):
    """A PDF whose pages are pictures of text (a scan): it needs OCR before it can be read."""

    def __init__(self, pages: int):
        super().__init__("no text layer (a scanned PDF)", "Run OCR on it first (e.g. ocrmypdf) and ingest the result.")
        self.pages = pages

_PLAIN = str.maketrans({
    "\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\xa0": " ",
    "\ufb00": "ff", "\ufb01": "fi", "\ufb02": "fl", "\ufb03": "ffi", "\ufb04": "ffl",
})
_PAGE_NUMBER = re.compile(r"page\s+\d{1,4}(?:\s+of\s+\d{1,4})?|\d{1,3}|-\s*\d{1,3}\s*-", re.IGNORECASE)
_HYPHEN_END = re.compile(r"[^\W\d_]-$")  # a letter, then a hyphen ending the line
_SENTENCE_END = (".", "!", "?", ":", ";")
_EDGE = 2  # how many non-empty lines at the top and at the bottom may be boilerplate


def load_pdf(path) -> LoadedText:
    """Read ``path``; raise ``LoadError`` if it is not a PDF with text in it.

    The file is read through an open handle, not slurped: pypdf seeks to the objects it
    needs, so a large PDF costs memory for its text, not for its images."""
    head, tail = _ends(path)
    with open(path, "rb") as stream:
        pages = [_lines(raw) for raw in _extract(_open(stream, head, tail))]
    dropped = _drop_boilerplate(pages)
    text, starts = _join([_page_body(lines) for lines in pages])
    return LoadedText(text=text, page_starts=tuple(starts), dropped=dropped, kind="pdf")


def _open(stream, head: bytes, tail: bytes) -> PdfReader:
    if head and b"%PDF-" not in head:
        low = head.lower()
        what = "an HTML page, perhaps an error page" if b"<html" in low or b"<!doctype" in low else "no %PDF header"
        raise LoadError(f"not a readable PDF (not a PDF at all: {what})",
                        "Check the file is a complete PDF; download the paper again.")
    try:
        reader = PdfReader(stream)
        locked = reader.is_encrypted and not reader.decrypt("")
        count = 0 if locked else len(reader.pages)
    except Exception as exc:  # pypdf raises PdfReadError and friends, but not only those
        if tail and b"%%EOF" not in tail:
            raise LoadError("not a readable PDF (truncated: it stops before its end-of-file marker)",
                            DOWNLOAD_AGAIN) from None
        raise LoadError(f"not a readable PDF ({_short(exc)})", CHECK_FILE) from None
    if locked:
        raise LoadError("encrypted PDF (password required)", "Ask the publisher for an unprotected copy.")
    if count == 0:
        if tail and b"%%EOF" not in tail:
            raise LoadError("not a readable PDF (truncated: it stops before its end-of-file marker)", DOWNLOAD_AGAIN)
        raise LoadError("PDF has no pages", CHECK_FILE)
    return reader


def _ends(path, size: int = 1024) -> tuple[bytes, bytes]:
    """The first and last ``size`` bytes of the file (the header and the end-of-file marker)."""
    try:
        with open(path, "rb") as f:
            head = f.read(size)
            f.seek(0, 2)
            f.seek(max(0, f.tell() - size))
            return head, f.read()
    except OSError as e:
        raise LoadError(f"cannot read the file ({e.strerror})", "Check the path and its permissions.") from None


def _short(exc: Exception) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0][:80] if lines else type(exc).__name__


def _extract(reader: PdfReader) -> list[str]:
    """One text per page; a page whose extraction fails counts as empty."""
    texts: list[str | None] = []
    for index in range(len(reader.pages)):
        try:
            texts.append(reader.pages[index].extract_text() or "")
        except Exception:
            texts.append(None)
    if all(text is None for text in texts):
        raise LoadError("not a readable PDF (text extraction failed on every page)", CHECK_FILE)
    if not any(text and text.strip() for text in texts):
        raise NeedsOCR(len(texts))
    return [text or "" for text in texts]


def _lines(raw: str) -> list[str]:
    text = raw.replace("\r\n", "\n").replace("\r", "\n").translate(_PLAIN)
    return [line.strip() for line in text.split("\n")]


def _edges(lines: list[str]) -> list[int]:
    """Indexes of the first and last few non-empty lines of a page."""
    filled = [i for i, line in enumerate(lines) if line]
    return sorted(set(filled[:_EDGE] + filled[-_EDGE:]))


def _key(line: str) -> str:
    return re.sub(r"\d", "#", " ".join(line.split()))


def _running_keys(pages: list[list[str]]) -> set[str]:
    """Edge lines (digits ignored) found on at least half the pages with text, and on 3
    or more of them (both, when there are only two)."""
    with_text = [lines for lines in pages if any(lines)]
    counts = Counter(key for lines in with_text for key in {_key(lines[i]) for i in _edges(lines)})
    need = 2 if len(with_text) == 2 else max(3, (len(with_text) + 1) // 2)
    return {key for key, count in counts.items() if count >= need}


def _drop_boilerplate(pages: list[list[str]]) -> dict:
    """Blank out page numbers and running headers/footers in place; count their characters.

    The first page with text keeps its running lines: there they are the paper's own
    heading ("Report to Cabinet - 4 January 2024"), which metadata is read from."""
    running = _running_keys(pages)
    dropped = Counter()
    first = next((n for n, lines in enumerate(pages) if any(lines)), 0)
    for n, lines in enumerate(pages):
        for i in _edges(lines):
            if _PAGE_NUMBER.fullmatch(lines[i]):
                reason = "page_number"
            elif _key(lines[i]) in running and n != first:
                reason = "running_header"
            else:
                continue
            dropped[reason] += len("".join(lines[i].split()))
            lines[i] = ""
    return dict(dropped)


def _hyphenated(line: str, following: str) -> bool:
    return following[:1].islower() and bool(_HYPHEN_END.search(line))


def _page_body(lines: list[str]) -> str:
    """A page's kept lines, with words broken by a line-end hyphen made whole again."""
    kept: list[str] = []
    for line in lines:
        if kept and _hyphenated(kept[-1], line):
            kept[-1] = kept[-1][:-1] + line
        else:
            kept.append(line)
    return "\n".join(kept).strip()


def _join(bodies: list[str]) -> tuple[str, list[int]]:
    """Concatenate the pages, noting where each begins."""
    text, starts = "", []
    for body in bodies:
        if starts:
            last = text.rsplit("\n", 1)[-1]
            if _hyphenated(last, body):
                text = text[:-1]
            elif last and body[:1].islower() and not last.endswith(_SENTENCE_END):
                text += " "
            else:
                text += "\n"
        starts.append(len(text))
        text += body
    return text, starts
