"""Scanned pages read with Tesseract, one page at a time, cached by the file's content.

A page needs OCR when it has no text layer but a picture (a scan), or when its text layer is
junk (``junk_text``: the invisible garbage layer some scanners write). ``survey`` finds those
pages with poppler's ``pdftotext`` and ``pdfimages`` (fast: no page is rendered). ``read_page``
renders one page with ``pdftoppm -r 300 -gray`` and reads it with ``tesseract … -l eng --psm 1``
(orientation detected: a page scanned on its side is read upright), each under a time limit;
a page it cannot read (blank, scanned too coarsely, too faint) comes back with its ``problem``
said in words, never an exception. ``OcrCache`` keeps each page's result by the file's SHA-256, so an
interrupted ingest resumes where it stopped and an unchanged scan is never read twice.

Settings (``config.settings()``, read when used): ``ocr``, ``ocr_cache``, ``ocr_timeout``.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from ..config import settings
from ..files import write_atomically

DPI = 300  # what pages are rendered at for Tesseract
LOW_PPI = 100  # a scan coarser than this is too low a resolution to read reliably
_TOOLS = ("pdftoppm", "pdftotext", "pdfimages", "tesseract")
_WORD = re.compile(r"[^\W\d_]{2,}(?:['’-][^\W\d_]+)*")  # two or more letters (don't, well-being)
_NUMBER = re.compile(r"[£$€]?\(?\d[\d,.:/%-]*\)?[%p]?")  # 4,812  £3.4m-style amounts, dates, 10%
_EDGE_PUNCT = ".,;:!?()[]{}\"'’‘“”*"
_PLAIN_PUNCT = set(".,;:!?()[]{}\"'’‘“”-–—/&%£$€@#*+=_<>|")


def available() -> str | None:
    """None when OCR can run here; otherwise why not, in one line."""
    if not settings().ocr:
        return "OCR is turned off (CS_ARCHIVE_OCR=0)"
    missing = [tool for tool in _TOOLS if shutil.which(tool) is None]
    if missing:
        return (f"OCR is not installed ({', '.join(missing)} not found; "
                "install tesseract-ocr, tesseract-ocr-eng and poppler-utils, e.g. `make ocr`)")
    return None


def timeout() -> float:
    return settings().ocr_timeout


# -- what counts as text ---------------------------------------------------------------------
def words(text: str, least: int = 2) -> int:
    """How many word-like tokens (``least`` or more letters, edge punctuation aside) the text has."""
    tokens = (token.strip(_EDGE_PUNCT) for token in text.split())
    return sum(1 for t in tokens if _WORD.fullmatch(t) and sum(c.isalpha() for c in t) >= least)


def junk_text(text: str) -> bool:
    """Whether a page's text layer is garbage rather than words: mostly symbols, control or
    private-use characters, or tokens that are neither words nor numbers (an invisible layer
    a scanner wrote from bad OCR, or a font with no character map). Empty text is not junk,
    just empty; a table of figures is not junk."""
    tokens = text.split()
    if not tokens:
        return False
    chars = [c for c in text if not c.isspace()]
    odd = sum(1 for c in chars if not (c.isalnum() or c in _PLAIN_PUNCT)
              or unicodedata.category(c) in ("Co", "Cn", "Cc", "Cs"))
    if odd > 0.3 * len(chars) or text.count("(cid:") >= 3:
        return True
    sensible = words(text) + sum(1 for t in tokens if _NUMBER.fullmatch(t.strip(_EDGE_PUNCT)))
    return sensible < 0.5 * len(tokens)


def clean(text: str) -> str:
    """Tesseract's output as page text: no form feeds, no trailing spaces, at most one blank
    line in a row. Words hyphenated at line ends are left for the PDF loader to rejoin."""
    lines = [line.rstrip() for line in text.replace("\f", "\n").replace("\r\n", "\n").split("\n")]
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out).strip()


# -- which pages need it ---------------------------------------------------------------------
def survey(path: str | os.PathLike, limit: float | None = None) -> tuple[int, ...] | None:
    """The pages of a PDF that need OCR: no text but a picture, or junk text. Empty when the
    file cannot be read (the loader says what is wrong with it); None when the survey could
    not run (a time-out)."""
    try:
        out = subprocess.run(["pdftotext", "-q", "-enc", "UTF-8", os.fspath(path), "-"], capture_output=True,
                             timeout=limit or 10 * timeout(), check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if out.returncode != 0:
        return ()
    pages = out.stdout.decode("utf-8", "replace").split("\f")
    if pages and not pages[-1].strip():
        pages.pop()  # pdftotext ends every page with a form feed
    junk = {n for n, text in enumerate(pages, 1) if junk_text(text)}
    empty = {n for n, text in enumerate(pages, 1) if not text.strip()}
    if empty and len(empty) == len(pages):
        # No text on any page: a whole scan, whatever its pages are drawn with (some scanners
        # draw pages in ways ``pdfimages`` does not list). A blank page is named when read.
        return tuple(sorted(empty))
    pictured = set(images(path)) if empty else set()
    return tuple(sorted(junk | (empty & pictured)))


def images(path: str | os.PathLike, page: int | None = None) -> dict[int, float]:
    """Pages holding an image, each with its coarsest image's resolution (pixels per inch)."""
    where = ["-f", str(page), "-l", str(page)] if page else []
    try:
        out = subprocess.run(["pdfimages", "-list", *where, os.fspath(path)], capture_output=True, text=True,
                             timeout=10 * timeout(), check=False)
    except (OSError, subprocess.TimeoutExpired):
        return {}
    found: dict[int, float] = {}
    for line in out.stdout.splitlines()[2:]:  # a header line and a rule come first
        cols = line.split()
        if len(cols) >= 14 and cols[0].isdigit() and cols[2] == "image":
            try:
                ppi = min(float(cols[12]), float(cols[13]))
            except ValueError:
                ppi = 0.0
            page_no = int(cols[0])
            found[page_no] = min(found.get(page_no, ppi), ppi)
    return found


# -- reading one page ------------------------------------------------------------------------
@dataclass(frozen=True)
class PageText:
    """One page read by OCR: its text, or (text empty) why there is none."""

    page: int
    text: str = ""
    problem: str | None = None
    lasting: bool = True  # the same bytes would give the same result: worth keeping in the cache


def read_page(path: str | os.PathLike, page: int, limit: float | None = None) -> PageText:
    """Render one page (1-based) and read it with Tesseract. Never raises."""
    limit = limit or timeout()
    env = dict(os.environ, OMP_THREAD_LIMIT="1")  # pages run in parallel: one thread each
    try:
        with tempfile.TemporaryDirectory(prefix="cs-archive-ocr-") as tmp:
            stem = Path(tmp) / "page"
            subprocess.run(["pdftoppm", "-r", str(DPI), "-gray", "-f", str(page), "-l", str(page), "-png",
                            "-singlefile", os.fspath(path), str(stem)],
                           capture_output=True, timeout=limit, check=True)
            text = _tesseract(stem.with_suffix(".png"), limit, env)
            if words(text) >= 3 and not junk_text(text):
                return PageText(page, text)
            return PageText(page, "", _why_unread(path, page, text))
    except subprocess.TimeoutExpired:
        return PageText(page, "", f"OCR took longer than {limit:g} s (CS_ARCHIVE_OCR_TIMEOUT)", lasting=False)
    except subprocess.CalledProcessError as e:
        tool = Path(str(e.cmd[0])).name
        detail = " ".join((e.stderr or b"").decode("utf-8", "replace").split())[:80]
        return PageText(page, "", f"{tool} failed ({detail or f'exit {e.returncode}'})", lasting=False)
    except OSError as e:
        return PageText(page, "", f"OCR could not run ({e.strerror or e})", lasting=False)


def _tesseract(image: Path, limit: float, env: dict) -> str:
    """The page's text. ``--psm 1``: layout analysis with orientation detection, so that a
    page scanned on its side or upside down is read turned upright."""
    out = subprocess.run(["tesseract", str(image), "stdout", "-l", "eng", "--psm", "1"], capture_output=True,
                         timeout=limit, check=True, env=env)
    return clean(out.stdout.decode("utf-8", "replace"))


def _why_unread(path, page: int, text: str) -> str:
    ppi = images(path, page).get(page)
    if ppi is not None and 0 < ppi < LOW_PPI:
        return f"scanned at {ppi:g} dpi, too coarse to read (scan it at 300 dpi)"
    if words(text, least=3) < 3:  # specks read as "it", "ae": a blank page
        return "no words found (a blank page, or a picture with no text)"
    return "no readable text found (the scan may be faint, blurred or skewed)"


# -- the cache -------------------------------------------------------------------------------
SURVEY = "pages-2"  # the survey's answer; a new name when its rules change, so files are surveyed again


class OcrCache:
    """OCR results of one file's pages, by the file's SHA-256, shared by every archive (a scan's
    text depends on its bytes only): ``<folder>/<sha256>/<page>.txt``
    holds a page's text; ``<page>.unread`` why a page could not be read (kept only when the
    same bytes would fail the same way: not a time-out); ``pages-N`` which pages need OCR (none,
    for a typed PDF: it is not surveyed again; N moves on when the survey's rules change). Each is written atomically."""

    def __init__(self, sha256: str, folder: Path | None = None):
        self.folder = (folder or settings().ocr_cache) / sha256

    def get(self, page: int) -> PageText | None:
        for suffix, is_text in ((".txt", True), (".unread", False)):
            try:
                said = (self.folder / f"{page}{suffix}").read_text(encoding="utf-8")
            except OSError:
                continue
            return PageText(page, said) if is_text else PageText(page, "", said.strip() or "unreadable")
        return None

    def surveyed(self) -> tuple[int, ...] | None:
        """The pages that need OCR, as surveyed before (``pages``: numbers, or empty), or None."""
        try:
            return tuple(int(p) for p in (self.folder / SURVEY).read_text().split())
        except (OSError, ValueError):
            return None

    def put_survey(self, pages: tuple[int, ...]) -> None:
        self._write(SURVEY, " ".join(map(str, pages)))

    def put(self, result: PageText) -> None:
        if result.lasting:
            self._write(f"{result.page}{'.txt' if not result.problem else '.unread'}",
                        result.text if not result.problem else result.problem)

    def _write(self, name: str, said: str) -> None:
        """Best effort: a cache that cannot be written (a full disk, a read-only home) costs
        the next ingest the same OCR again, nothing worse."""
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            write_atomically(self.folder / name, said)
        except OSError:
            pass

    def texts(self, pages) -> dict[int, PageText]:
        """The cached results among ``pages``."""
        return {p: r for p in pages if (r := self.get(p)) is not None}


# -- a batch of files, before the ingest takes the archive's lock ------------------------------
@dataclass(frozen=True)
class Scan:
    """A PDF's pages that need OCR, and what OCR made of each (text, or why none)."""

    sha256: str
    pages: tuple[int, ...]
    results: dict[int, PageText]

    @property
    def texts(self) -> dict[int, str]:
        return {p: r.text for p, r in self.results.items() if r.text}

    @property
    def unread(self) -> dict[int, str]:
        return {p: r.problem for p, r in self.results.items() if r.problem}


def read_scans(paths, progress=lambda line: None, workers: int | None = None) -> dict[Path, Scan]:
    """Find the PDFs among ``paths`` with pages that need OCR and read those pages, in worker
    processes (as many as there are CPUs), each page's result kept in the cache as it comes.
    Pages already in the cache are not read again. Empty when OCR is not available."""
    if available():
        return {}
    scans: dict[Path, Scan] = {}
    todo: list[tuple[Path, int]] = []
    for path in paths:
        path = Path(path)
        if path.suffix.lower() != ".pdf":
            continue
        try:
            sha = sha256_of(path)
        except OSError:
            continue
        cache = OcrCache(sha)
        pages = cache.surveyed()
        if pages is None and (pages := survey(path)) is not None:
            cache.put_survey(pages)
        if not pages:
            continue
        scan = scans[path] = Scan(sha, pages, cache.texts(pages))
        todo += [(path, p) for p in pages if p not in scan.results]
    if not todo:
        return scans
    workers = max(1, min(workers or os.cpu_count() or 1, len(todo)))
    progress(f"OCR: {len(todo)} scanned pages to read in {len({p for p, _ in todo})} file(s), {workers} at a time")
    from concurrent.futures import ProcessPoolExecutor, as_completed

    limit = timeout()
    with ProcessPoolExecutor(workers) as pool:
        running = {pool.submit(read_page, path, page, limit): (path, page) for path, page in todo}
        for n, future in enumerate(as_completed(running), 1):
            path, page = running[future]
            try:
                result = future.result()
            except Exception as e:  # noqa: BLE001 — a worker that died: the page stays unread, not the batch
                result = PageText(page, "", f"OCR failed ({type(e).__name__})", lasting=False)
            OcrCache(scans[path].sha256).put(result)
            scans[path].results[page] = result
            progress(f"OCR: {n} of {len(todo)} pages ({path.name})")
    return scans


def sha256_of(path: Path) -> str:
    """The file's SHA-256, read in blocks so that a large file costs no memory."""
    import hashlib

    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()
