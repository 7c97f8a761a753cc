"""Load a PDF's text layer into one string, knowing the page of every character.

Each page's text comes from pypdf's ``extract_text()`` (lines in content-stream order, no
blank lines between paragraphs). Typographic quotes, non-breaking spaces and ligatures are
made plain; running headers and footers (lines at the top or bottom of most pages, digits
ignored) and bare page numbers are dropped and counted. Pages are joined with "\\n", except
that a sentence running over a page break is rejoined with a space, and a word hyphenated at
the end of a line (on one page or across two) is rejoined without its hyphen.

pypdf reads the file in a worker process, under limits (``config.settings()``: ``pdf_timeout``,
``pdf_memory_mb``, ``pdf_max_chars``), so that a malformed or hostile PDF fails alone, with its
reason, instead of running for hours or growing without end while the ingest holds the lock.
"""
from __future__ import annotations

import logging
import os
import re
import socket
import subprocess
import sys
import threading
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Iterator, Mapping

if TYPE_CHECKING:
    from pypdf import PdfReader

from ..config import settings
from ..models import LoadedText, LoadError
from .ocr import junk_text

# pypdf logs its own complaints ("invalid pdf header", "EOF marker not found") as warnings on
# stderr, as extra lines naming no file. The one line the user gets carries the reason instead.
logging.getLogger("pypdf").setLevel(logging.ERROR)

CHECK_FILE = "Check the file is a complete PDF."
DOWNLOAD_AGAIN = "Download it again: this copy is not a complete PDF."
RESAVE = "The PDF may be malformed: re-save it (e.g. print it to a new PDF)."
MALFORMED = "The PDF may be malformed: re-save it (e.g. print it to a new PDF), or raise the limit."
START_TIMEOUT = 120  # seconds for a fresh worker to import pypdf: not counted against a file
PAGE_CHARS = 200_000  # characters of text on one page: a dense page of tables holds 10,000
_worker = None  # (process, pipe): the process reading PDFs for this one, once started
_worker_lock = threading.Lock()


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
_INLINE_IMAGE = re.compile(rb"BI\s")  # the operator that begins an inline image (after a space)
_SENTENCE_END = (".", "!", "?", ":", ";")
RELEASE_EVERY = 50  # pages read between emptyings of pypdf's object cache
_EDGE = 2  # how many non-empty lines at the top and at the bottom may be boilerplate


def load_pdf(path, ocr: Mapping[int, str] | None = None) -> LoadedText:
    """Read ``path``; raise ``LoadError`` if it is not a PDF with text in it.

    The file is read through an open handle, not slurped: pypdf seeks to the objects it
    needs, so a large PDF costs memory for its text, not for its images. Each page is kept
    as one string (not a list of lines) until it is joined, and let go as it is; running
    headers are found from counts of edge lines taken as the pages are read.

    ``ocr`` maps page numbers (from 1) to text read from them by OCR (``chunking.ocr``): a page
    with no text of its own, or only junk (``ocr.junk_text``), takes its OCR text instead and is
    listed in ``ocr_done``. Pages with no text but a picture on them (scanned pages among typed
    ones) and no OCR text are listed in ``ocr_pages``; a PDF with no text on any page raises
    ``NeedsOCR``."""
    pages: list[str | None] = []  # each page's lines, joined by "\n" (one string, not a list)
    edges: Counter = Counter()  # edge lines (digits ignored), counted once per page with text
    with_text, failed, has_text, ocr_pages, ocr_done = 0, 0, False, [], []
    extracted = read_pages(path)
    for number, (raw, pictured) in enumerate(extracted, 1):
        extracted[number - 1] = None  # let each page's raw text go once it is split into lines
        if ocr and ocr.get(number) and (not (raw and raw.strip()) or junk_text(raw)):
            raw, pictured = ocr[number], False
            ocr_done.append(number)
        failed += raw is None
        has_text = has_text or bool(raw and raw.strip())
        if pictured:
            ocr_pages.append(number)
        lines = _lines(raw or "")
        if any(lines):
            with_text += 1
            edges.update({_key(lines[i]) for i in _edges(lines)})
        pages.append("\n".join(lines))
    if failed == len(pages):
        raise LoadError("not a readable PDF (text extraction failed on every page)", CHECK_FILE)
    if not has_text:
        raise NeedsOCR(len(pages))
    running = _running_keys(edges, with_text)
    first = next((n for n, page in enumerate(pages) if page.strip()), 0)
    dropped: Counter = Counter()

    def bodies():
        for n, page in enumerate(pages):
            pages[n] = None
            lines = page.split("\n")
            _drop_boilerplate(lines, running, n == first, dropped)
            yield _page_body(lines)

    text, starts = _join(bodies())
    return LoadedText(text=text, page_starts=tuple(starts), dropped=dict(dropped), kind="pdf",
                      ocr_pages=tuple(ocr_pages), ocr_done=tuple(ocr_done))


def read_pages(path) -> list[tuple[str | None, bool] | None]:
    """Each page's text (None when its extraction failed) and whether it is a scanned page;
    ``LoadError`` when the file is not a readable PDF or breaks a limit.

    pypdf runs in a worker process under the limits (``_serve``), started when first needed and
    kept for the next file: a fresh one costs a second of imports. A worker that broke a limit,
    or died, is killed and replaced. One file at a time: callers in other threads wait."""
    global _worker
    try:
        size = os.path.getsize(path)
    except OSError:
        size = 0  # the worker says what is wrong with it
    limits = settings()
    limit = round(limits.pdf_timeout * max(1.0, size / (5 << 20)), 1)
    memory_mb, max_chars = limits.pdf_memory_mb, limits.pdf_max_chars
    with _worker_lock:
        if _worker is None or _worker[0].poll() is not None:  # (or it was killed from outside while idle)
            _worker = _start_worker()
        process, pipe = _worker
        try:
            pipe.send((os.fspath(path), limit, memory_mb, max_chars, PAGE_CHARS))
            answer = pipe.recv() if pipe.poll(limit) else ("timeout",)
        except (EOFError, OSError):  # it died: killed from outside, or a crash
            answer = ("died",)
        if answer[0] not in ("pages", "error"):
            _worker = None
            process.kill()
            process.wait()
            pipe.close()
    if answer[0] == "pages":
        return answer[1]
    if answer[0] == "error":
        raise LoadError(*answer[1:])
    raise LoadError({"timeout": f"text extraction took over {limit:g} s (CS_ARCHIVE_PDF_TIMEOUT)",
                     "memory": f"text extraction needed over {memory_mb:g} MB of memory (CS_ARCHIVE_PDF_MEMORY_MB)",
                     "died": f"text extraction failed (its process ended with code {process.returncode})"}[answer[0]],
                    MALFORMED)


def _start_worker():
    """A fresh Python running ``_serve``, and a pipe to it: a plain subprocess, not a
    multiprocessing one, which would import the caller's main script again (the Streamlit
    app's, under Streamlit)."""
    from multiprocessing.connection import Connection

    here, there = socket.socketpair()
    src = os.fspath(Path(__file__).resolve().parents[2])  # where this copy of cs_archive is
    code = (f"import sys; sys.path.insert(0, {src!r}); "
            f"from cs_archive.chunking.pdf import _serve; _serve({there.fileno()})")
    process = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                               pass_fds=(there.fileno(),))
    there.close()
    pipe = Connection(here.detach())
    # Its imports take a second or more on a busy machine: a file's time limit starts after them.
    try:
        if pipe.poll(START_TIMEOUT):
            pipe.recv()
    except (EOFError, OSError):
        pass  # it died starting: the request that follows says so
    return process, pipe


def _serve(fd: int) -> None:
    """The worker: read the file each request names, under its limits, and send back its pages
    or the reason it could not be read, until the pipe is closed. Its own CPU-time limit ends it
    should its caller die while it reads."""
    import resource
    from multiprocessing.connection import Connection

    pipe = Connection(fd)
    import pypdf  # noqa: F401  (imported before the caller's clock starts)

    pipe.send(("ready",))
    try:
        while True:
            try:
                path, limit, memory_mb, max_chars, page_chars = pipe.recv()
            except EOFError:
                return
            used = resource.getrusage(resource.RUSAGE_SELF)
            for which, soft in ((resource.RLIMIT_AS, memory_mb * 2**20),
                                (resource.RLIMIT_CPU, used.ru_utime + used.ru_stime + 2 * limit + 1)):
                try:
                    resource.setrlimit(which, (int(soft), resource.getrlimit(which)[1]))
                except (ValueError, OSError):
                    pass  # over the hard limit: the caller's time limit still holds
            try:
                answer = ("pages", _read_pages(path, max_chars, page_chars))
            except LoadError as e:
                answer = ("error", e.reason, e.advice)
            except MemoryError:
                answer = ("memory",)
            try:
                pipe.send(answer)
            except MemoryError:  # no room left to pack the pages up
                pipe.send(("memory",))
    except KeyboardInterrupt:  # Ctrl-C reaches the whole process group: the caller says so
        return


def _read_pages(path, max_chars: int, page_chars: int) -> list[tuple[str | None, bool]]:
    head, tail = _ends(path)
    total, pages = 0, []
    with open(path, "rb") as stream:
        for number, (raw, pictured) in enumerate(_extract(_open(stream, head, tail)), 1):
            total += len(raw or "")
            if len(raw or "") > page_chars:
                raise LoadError(f"over {page_chars:,} characters of text on page {number} alone, more than a real "
                                "page holds", RESAVE)
            if total > max_chars:
                raise LoadError(f"over {max_chars:,} characters of text (CS_ARCHIVE_PDF_MAX_CHARS)", MALFORMED)
            pages.append((raw, pictured))
    return pages


def _open(stream, head: bytes, tail: bytes) -> PdfReader:
    if head and b"%PDF-" not in head:
        low = head.lower()
        what = "an HTML page, perhaps an error page" if b"<html" in low or b"<!doctype" in low else "no %PDF header"
        raise LoadError(f"not a readable PDF (not a PDF at all: {what})",
                        "Check the file is a complete PDF; download the paper again.")
    try:
        from pypdf import PdfReader  # here, not at import: a search never reads a PDF (start-up)

        reader = PdfReader(stream)
        locked = reader.is_encrypted and not reader.decrypt("")
        count = 0 if locked else len(reader.pages)
    except MemoryError:
        raise
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


def _extract(reader: PdfReader) -> Iterator[tuple[str | None, bool]]:
    """Each page's text (None when its extraction fails), and whether it is a page with no
    text but a picture: a scanned page.

    pypdf keeps every object it has parsed (content streams decoded, fonts, resources) for
    the life of the reader, which on a PDF of thousands of pages costs far more than the
    text. The cache is emptied every ``RELEASE_EVERY`` pages, so memory follows the text:
    objects still needed (a shared font) are simply parsed again from the file."""
    for index in range(len(reader.pages)):
        try:
            page = reader.pages[index]
            text = page.extract_text() or ""
        except RecursionError:  # objects drawing themselves, or nested thousands deep
            raise LoadError(f"page {index + 1} is nested too deeply to read (RecursionError)", RESAVE) from None
        except MemoryError:
            raise
        except Exception:
            page, text = None, None
        yield text, text is not None and not text.strip() and _has_picture(page)
        if index % RELEASE_EVERY == RELEASE_EVERY - 1:
            _forget_parsed_objects(reader)


def _has_picture(page) -> bool:
    """An image on the page: an image XObject among its resources (also inside a form), or an
    inline image (``BI``) in its content. Found in the resources and the raw content bytes, not
    with pypdf's ``page.images``, which parses every operator: seconds on some scanned pages."""
    try:
        contents = page.get_contents()
        data = contents.get_data() if contents is not None else b""
        inline = any(m.start() == 0 or data[m.start() - 1:m.start()].isspace() for m in _INLINE_IMAGE.finditer(data))
        return inline or _has_image_xobject(page, set())
    except MemoryError:
        raise
    except Exception:
        return False


def _has_image_xobject(holder, seen: set[int]) -> bool:
    resources = holder.get("/Resources")
    xobjects = resources.get_object().get("/XObject") if resources else None
    for ref in xobjects.get_object().values() if xobjects else ():
        xobject = ref.get_object()
        if id(xobject) not in seen:
            seen.add(id(xobject))
            kind = xobject.get("/Subtype")
            if kind == "/Image" or (kind == "/Form" and _has_image_xobject(xobject, seen)):
                return True
    return False


def _forget_parsed_objects(reader: PdfReader) -> None:
    cache = getattr(reader, "resolved_objects", None)  # pypdf's cache of parsed objects
    if isinstance(cache, dict):
        cache.clear()


def _lines(raw: str) -> list[str]:
    text = raw.replace("\r\n", "\n").replace("\r", "\n").translate(_PLAIN)
    return [line.strip() for line in text.split("\n")]


def _edges(lines: list[str]) -> list[int]:
    """Indexes of the first and last few non-empty lines of a page."""
    filled = [i for i, line in enumerate(lines) if line]
    return sorted(set(filled[:_EDGE] + filled[-_EDGE:]))


def _key(line: str) -> str:
    return re.sub(r"\d", "#", " ".join(line.split()))


def _running_keys(edges: Counter, with_text: int) -> set[str]:
    """Edge lines (digits ignored) found on at least half the pages with text, and on 3
    or more of them (both, when there are only two). ``edges`` counts each page's edge lines
    once per page."""
    need = 2 if with_text == 2 else max(3, (with_text + 1) // 2)
    return {key for key, count in edges.items() if count >= need}


def _drop_boilerplate(lines: list[str], running: set[str], first: bool, dropped: Counter) -> None:
    """Blank out a page's page number and running header/footer lines in place; count their
    characters in ``dropped``.

    The first page with text keeps its running lines: there they are the paper's own
    heading ("Report to Cabinet - 4 January 2024"), which metadata is read from."""
    for i in _edges(lines):
        if _PAGE_NUMBER.fullmatch(lines[i]):
            reason = "page_number"
        elif not first and _key(lines[i]) in running:
            reason = "running_header"
        else:
            continue
        dropped[reason] += len("".join(lines[i].split()))
        lines[i] = ""


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
    """Concatenate the pages, noting where each begins.

    Built as a list of pieces, with the last line kept aside for the joining rules: adding
    each page to one growing string (and looking back into it) would copy the whole text
    again for every page, quadratic in time and doubling memory at the end."""
    parts: list[str] = []
    starts: list[int] = []
    length, last = 0, ""  # characters so far; the text after its last "\n"
    for body in bodies:
        if starts:
            if _hyphenated(last, body):
                parts[-1] = parts[-1][:-1]  # the piece ending in that hyphen (pieces are never empty)
                if not parts[-1]:
                    parts.pop()
                length -= 1
                last, sep = last[:-1], ""
            elif last and body[:1].islower() and not last.endswith(_SENTENCE_END):
                sep = " "
            else:
                sep = "\n"
            if sep:
                parts.append(sep)
                length += 1
            last = "" if sep == "\n" else last + sep
        starts.append(length)
        if body:
            parts.append(body)
            length += len(body)
            cut = body.rfind("\n")
            last = body[cut + 1:] if cut >= 0 else last + body
    return "".join(parts), starts
