"""Property tests (hypothesis) beyond tests/test_no_loss.py, whose generated papers they reuse:

- the section splitter on any text at all (not only paper-like lines): never crashes, loses
  no character, and its labels come out in the paper's order, each standing where its unit
  begins;
- the metadata parser: never crashes; dates written in any of the forms papers use come back
  exactly; what it reads is in the text;
- a bounded fuzz of the loaders' error paths (mutated PDF bytes, random bytes, odd encodings):
  ``load`` returns text or raises LoadError, never anything else.

Every run is derandomized with a fixed number of examples, so CI is repeatable;
PROPERTY_EXAMPLES scales them for a longer hunt.
"""
from __future__ import annotations

import datetime as dt
import re
import os
import random
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cs_archive.chunking.load import load
from cs_archive.chunking.dates import parse_date
from cs_archive.chunking.exempt import exempt_marking
from cs_archive.chunking.councils import councils_in
from cs_archive.chunking.metadata import read_meta
from cs_archive.chunking.overrides import DOC_TYPES
from cs_archive.chunking.sections import parse_label, split_units
from cs_archive.models import LoadedText, LoadError
from test_no_loss import ink, paper_lines

ROOT = Path(__file__).resolve().parents[1]
PDFS = ROOT / "tests" / "fixtures" / "pdf"
BAD = ROOT / "tests" / "fixtures" / "bad"
SCALE = float(os.environ.get("PROPERTY_EXAMPLES", 1))


def bounded(n: int):
    return settings(max_examples=max(1, int(n * SCALE)), deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


# Any text: every code point but surrogates, with the line breaks and spaces papers are made of
# over-represented, and label-shaped lines mixed in.
_LABELS = st.sampled_from(["1.", "1.1", "2.", "2.1", "2.3", "10.", "A.", "B.", "3a.", "12 ITEM TITLE", "(a)", "iv.",
                           "1)", "•", "-", "4.5.6", "0.", "999.", "1000."])
_ANY_CHAR = st.characters(exclude_categories=("Cs",))
_piece = st.one_of(
    st.text(_ANY_CHAR, max_size=30),
    st.sampled_from(["\n", "\n\n", "\r\n", "\t", " ", "\x0c", "\u2028", "\u00a0", "\u200b", "\ufeff"]),
    st.builds(lambda label, words: f"\n{label} {words}", _LABELS, st.text(_ANY_CHAR, max_size=20)),
)
any_text = st.lists(_piece, max_size=40).map("".join)
paper_text = paper_lines().map("\n".join)


def _check_units(text: str, numbered: bool) -> None:
    units = split_units(text, numbered=numbered)
    assert "".join(ink(text[u.start:u.end]) for u in units) == ink(text), "a character was lost or repeated"
    for u in units:
        assert 0 <= u.start < u.end <= len(text)
    for a, b in zip(units, units[1:]):
        assert a.end <= b.start, "units overlap or are out of order"
    where = -1
    for u in units:
        if u.section is None:
            continue
        assert numbered
        # The label is printed in its own unit, on a line that parses to it: so the labels
        # come out in the order the paper prints them.
        lines = [(pos, line) for pos, line in _lines(text) if u.start <= pos + len(line) and pos < u.end]
        starts = [pos for pos, line in lines
                  if (lab := parse_label(line)) is not None and lab.printed == u.section and pos >= u.start - len(line)]
        assert starts, f"label {u.section!r} is not printed in its unit"
        assert starts[0] > where, f"label {u.section!r} comes before the previous unit's label"
        where = starts[0]


def _lines(text: str):
    pos = 0
    for line in text.split("\n"):
        yield pos, line
        pos += len(line) + 1


@bounded(300)
@given(any_text)
def test_split_units_on_any_text(text):
    _check_units(text, numbered=True)
    _check_units(text, numbered=False)


@bounded(300)
@given(paper_text)
def test_split_units_labels_come_out_in_the_papers_order(text):
    _check_units(text, numbered=True)


# -- metadata -------------------------------------------------------------------------------

MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December"]


def _written(d: dt.date, form: int) -> str:
    month = MONTHS[d.month - 1]
    suffix = {1: "st", 2: "nd", 3: "rd", 21: "st", 22: "nd", 23: "rd", 31: "st"}.get(d.day, "th")
    return [
        f"{d.day} {month} {d.year}",
        f"{d.day}{suffix} {month} {d.year}",
        f"{d.day} {month[:3]} {d.year}",
        f"{d.day} {month}, {d.year}",
        f"{month} {d.day}, {d.year}",
        f"{d.day:02d}/{d.month:02d}/{d.year}",
        f"{d:%A} {d.day} {month} {d.year}",
        f"{d.day} {suffix} {month} {d.year}",  # "20 th September 2016", as converters space it
    ][form]


@bounded(300)
@given(st.dates(dt.date(1900, 1, 1), dt.date(2099, 12, 31)), st.integers(0, 7),
       st.text(_ANY_CHAR, max_size=20).filter(lambda s: not any(c.isdigit() for c in s)), st.text(max_size=20))
def test_parse_date_reads_every_written_form_exactly(day, form, before, after):
    written = _written(day, form)
    after = after if not after[:1].isdigit() else " " + after
    assert parse_date(f"{before} {written}{' ' if after else ''}{after}") == day.isoformat()


@bounded(300)
@given(st.one_of(any_text, paper_text))
def test_parse_date_never_crashes_and_returns_real_dates(text):
    iso = parse_date(text)
    if iso is not None:
        assert 1900 <= dt.date.fromisoformat(iso).year <= 2099


_FRONT = st.sampled_from([
    "Report to Cabinet", "Report to the Children's Select Committee - 4 January 2024", "Date:\t20 th September 2016",
    "Date: 31/02/2024", "Title: Household Support Fund", "Buckinghamshire County Council", "To: Cabinet – 30 January 2025",
    "MINUTES of a meeting of the Cabinet held on Thursday, 30 January 2025", "Minutes from the meeting held on 5 July",
    "AGENDA", "Appendix 2", "Decision", "NOT FOR PUBLICATION", "Is the report confidential? No", "Subject:",
    "CHILDREN'S SERVICES SELECT COMMITTEE", "Select Committee", "Date Topic Lead", "Committee date: 32 Smarch 2024",
])


@bounded(300)
@given(st.lists(st.one_of(_FRONT, st.text(_ANY_CHAR, max_size=40)), max_size=25).map("\n".join),
       st.sampled_from(["", "report", "minutes", "agenda", "appendix", "strategy", "other"]))
def test_read_meta_never_crashes_and_reads_only_what_is_there(text, kind):
    meta = read_meta(text, kind)
    words = lambda s: set(re.findall(r"[a-z0-9]+", s.lower().replace("&", " and ")))  # noqa: E731
    if meta.council is not None:
        assert meta.council in {name for *_, name in councils_in(text)}
    if meta.title is not None and meta.title not in ("Minutes", "Agenda", "Work programme"):
        assert words(meta.title) <= words(text)  # as printed, capitals and line breaks aside
    if meta.committee is not None:
        assert words(meta.committee) <= words(text)
    if meta.date is not None:
        dt.date.fromisoformat(meta.date)
    assert meta.doc_type in DOC_TYPES
    mark = exempt_marking(text, meta.doc_type)
    assert mark is None or " ".join(mark.split())[:40] in " ".join(text.split())


# -- fuzzing the loaders' error paths --------------------------------------------------------

PDF_SEEDS = [(PDFS / n).read_bytes() for n in ("report_running_headers.pdf", "minutes_layout.pdf")] + [
    (BAD / n).read_bytes() for n in ("encrypted_password.pdf", "encrypted_empty_password.pdf",
                                     "scanned_image_only.pdf")]
RUNS = {"pdf": 0, "bytes": 0, "text": 0}


def _load_bytes(data: bytes, suffix: str) -> None:
    """Write the bytes to a file and load it: text comes back, or LoadError, never another exception."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"fuzz{suffix}"
        path.write_bytes(data)
        try:
            loaded = load(path)
        except LoadError as e:
            assert e.reason and e.advice
            assert "\n" not in e.line(path)
            return
        assert isinstance(loaded, LoadedText) and loaded.text.strip()


@st.composite
def mutated_pdf(draw):
    data = bytearray(draw(st.sampled_from(PDF_SEEDS)))
    rng = random.Random(draw(st.integers(0, 2**32)))
    for _ in range(draw(st.integers(1, 12))):
        op = rng.choice(["flip", "cut", "insert", "truncate", "dup"])
        i = rng.randrange(len(data))
        if op == "flip":
            data[i] = rng.randrange(256)
        elif op == "cut":
            del data[i:i + rng.randint(1, 64)]
        elif op == "insert":
            data[i:i] = bytes(rng.choice([b"obj", b"endobj", b"<<", b">>", b"(", b")", b"[", b"/", b"0 R",
                                          b"stream\n", b"\x00", b"%%EOF", b"9999999999"]))
        elif op == "truncate":
            del data[i:]
        else:
            j = rng.randrange(len(data))
            data[i:i] = data[j:j + rng.randint(1, 256)]
        if not data:
            break
    return bytes(data)


@bounded(150)
@given(mutated_pdf())
def test_fuzz_mutated_pdfs_raise_only_load_error(data):
    RUNS["pdf"] += 1
    _load_bytes(data, ".pdf")


@bounded(100)
@given(st.binary(max_size=2048), st.sampled_from([".pdf", ".txt", ".md", ".html", ".htm"]),
       st.sampled_from([b"", b"%PDF-1.4\n", b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff", b"<html>"]))
def test_fuzz_random_bytes_raise_only_load_error(data, suffix, prefix):
    RUNS["bytes"] += 1
    _load_bytes(prefix + data, suffix)


_ENCODINGS = ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "cp1252", "latin-1", "utf-32", "mac_roman",
              "shift_jis", "koi8-r"]


@bounded(150)
@given(st.one_of(any_text, paper_text), st.sampled_from(_ENCODINGS), st.sampled_from([".txt", ".md", ".html"]),
       st.integers(0, 3))
def test_fuzz_odd_encodings_raise_only_load_error(text, encoding, suffix, chop):
    RUNS["text"] += 1
    data = text.encode(encoding, errors="replace")
    _load_bytes(data[: len(data) - chop] if chop else data, suffix)


def test_fuzz_ran(request):
    """Report how many fuzz examples ran (pytest -s shows it)."""
    if sum(RUNS.values()):
        print(f"\nfuzz examples run: {RUNS}")
