"""Stage 1: a file on disk -> LoadedText, whatever its type.

``load`` raises nothing but ``LoadError`` (a reason and what to do), whatever the bytes:
tests/test_properties.py fuzzes it with mutated PDFs, random bytes and odd encodings.
A scanned PDF raises the ``NeedsOCR`` kind of LoadError, which the ingest records, unless the
ingest passes the text its pages were read into by OCR (``chunking.ocr``).
"""
from __future__ import annotations

from pathlib import Path
from typing import Mapping

from ..models import LoadedText, LoadError
from .pdf import NeedsOCR

__all__ = ["load", "supported_suffix", "SUPPORTED", "LoadError", "NeedsOCR"]

TEXT_SUFFIXES = {".txt", ".md", ".markdown", ".text"}
HTML_SUFFIXES = {".html", ".htm", ".xhtml"}
PDF_SUFFIXES = {".pdf"}
SUPPORTED = TEXT_SUFFIXES | HTML_SUFFIXES | PDF_SUFFIXES


def supported_suffix(path: str | Path) -> str:
    """The file's suffix, lower case; ``LoadError`` when cs-archive does not read that type."""
    suffix = Path(path).suffix.lower()
    if suffix not in SUPPORTED:
        raise LoadError(f"unsupported file type '{suffix or 'none'}'",
                        "Convert it to PDF, HTML or text (supported: .pdf .html .htm .txt .md).")
    return suffix


def load(path: str | Path, ocr: Mapping[int, str] | None = None) -> LoadedText:
    """Read one paper. Raises LoadError with a reason and what to do. ``ocr``: a PDF's pages
    read by OCR (page number -> text), used where the page has no text of its own."""
    path = Path(path)
    suffix = supported_suffix(path)
    try:
        size = path.stat().st_size
    except OSError as e:
        raise LoadError(f"cannot read the file ({e.strerror})", "Check the path and its permissions.") from None
    if size == 0:
        raise LoadError("empty file (0 bytes)", "Download the paper again.")
    if suffix in PDF_SUFFIXES:
        from .pdf import load_pdf

        loaded = load_pdf(path, ocr)
    else:
        from .text import decode

        try:
            raw = decode(path.read_bytes())
        except OSError as e:
            raise LoadError(f"cannot read the file ({e.strerror})", "Check the path and its permissions.") from None
        except UnicodeDecodeError as e:  # a UTF-16 byte-order mark over bytes that are not UTF-16
            raise LoadError(f"cannot decode the text ({e.encoding}: {e.reason})",
                            "Save it again as UTF-8 text.") from None
        if "\x00" in raw:
            raise LoadError("binary data in a text file", "Check the file is really text, or give it its proper extension.")
        if suffix in HTML_SUFFIXES:
            from .html import html_to_text

            loaded = html_to_text(raw)
        else:
            from .text import clean_text

            loaded = clean_text(raw)
    if not loaded.text.strip():
        raise LoadError("no text found", "Check the file has text (a scanned PDF needs OCR first).")
    return loaded
