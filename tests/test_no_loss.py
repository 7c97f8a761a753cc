"""No loss: every character of a loaded paper lands in exactly one chunk, in order.

Whitespace may move (chunks are trimmed, parts are cut between sentences) but every other
character of ``LoadedText.text`` is in one chunk's ``text``, in the order it was printed, and
what the loader dropped on purpose (logos, page numbers, running headers) is counted in
``LoadedText.dropped``. Checked on every seed, every readable PDF fixture, and on generated
papers.
"""
from __future__ import annotations

import os
import random
import re
import string
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cs_archive.chunking import chunks_of, papers_of, read_file
from cs_archive.chunking.pdf import _PLAIN
from cs_archive.chunking.sections import split_units
from cs_archive.chunking.text import decode, strip_markup
from cs_archive.models import LoadedText

ROOT = Path(__file__).resolve().parent.parent
SEEDS = sorted((ROOT / "seeds").glob("*.txt"))
PDFS = ROOT / "tests" / "fixtures" / "pdf"
READABLE_PDFS = ["report_running_headers.pdf", "minutes_layout.pdf", "encrypted_empty_password.pdf"]
FILES = SEEDS + [PDFS / name for name in READABLE_PDFS]


def ink(s: str) -> str:
    """The non-whitespace characters of ``s``, in order."""
    return re.sub(r"\s+", "", s)


def test_there_is_something_to_check():
    assert [p.name[:3] for p in SEEDS] == ["000", "001", "002", "003", "004"]
    assert all(p.exists() for p in FILES)


@pytest.fixture(scope="module", params=FILES, ids=lambda p: p.name)
def read(request):
    return read_file(request.param)


def test_every_character_lands_in_one_chunk_in_order(read):
    assert read.chunks, "a readable paper gives at least one chunk"
    assert "".join(ink(c.text) for c in read.chunks) == ink(read.loaded.text)


def test_chunk_spans_are_increasing_and_disjoint(read):
    text = read.loaded.text
    for c in read.chunks:
        assert 0 <= c.start < c.end <= len(text)
        assert text[c.start:c.end] == c.text, c.chunk_id
        assert c.text == c.text.strip(), f"{c.chunk_id} is not trimmed"
    for a, b in zip(read.chunks, read.chunks[1:]):
        assert a.end <= b.start, f"{a.chunk_id} overlaps {b.chunk_id}"


def test_papers_tile_the_file_and_own_their_chunks(read):
    papers = read.papers
    assert papers[0].start == 0 and papers[-1].end == len(read.loaded.text)
    for a, b in zip(papers, papers[1:]):
        assert a.end == b.start
    for p in papers:
        mine = [c for c in read.chunks if c.doc_id == p.doc_id]
        assert mine, f"paper {p.doc_id} has no chunks"
        assert [c.seq for c in mine] == list(range(len(mine)))
        assert all(p.start <= c.start and c.end <= p.end for c in mine)


def test_parts_of_a_unit_are_numbered_from_one(read):
    runs: list[list] = []
    for c in read.chunks:
        if c.part is None:
            runs.append([])
            continue
        if c.part == 1:
            runs.append([])
        runs[-1].append(c.part)
    for run in runs:
        assert run == list(range(1, len(run) + 1))
        assert len(run) != 1, "a unit split into one part should have part None"


# Dropped boilerplate, counted -------------------------------------------------------------

SEED_DROPPED = {
    "000": {},
    "001": {},
    # "INVESTOR IN PEOPLE" (16) and the slide-pack page numbers "45" and "46" (4).
    "002": {"logo_text": 16, "page_number": 4},
    "003": {},
    "004": {},
}


@pytest.mark.parametrize("seed", SEEDS, ids=lambda p: p.name[:3])
def test_text_loader_drops_only_what_it_counts(seed):
    """Markup is not text; after it is stripped, what is missing is exactly what was counted."""
    raw = ink(strip_markup(decode(seed.read_bytes())))
    loaded = read_file(seed).loaded
    text = ink(loaded.text)
    assert not Counter(text) - Counter(raw), "the loader invented characters"
    assert len(raw) - len(text) == sum(loaded.dropped.values())


@pytest.mark.parametrize(
    "seed",
    SEEDS,
    ids=lambda p: p.name[:3],
)
def test_seed_dropped_counts(seed):
    assert read_file(seed).loaded.dropped == SEED_DROPPED[seed.name[:3]]


def test_logo_in_002_is_dropped_and_counted():
    loaded = read_file(SEEDS[2]).loaded
    assert loaded.dropped["logo_text"] == len("INVESTORINPEOPLE")
    assert "INVESTOR IN PEOPLE" not in loaded.text


# (pdf, characters dropped, line-end hyphens removed when a word was made whole again)
PDF_DROPPED = [
    ("report_running_headers.pdf", {"running_header": 56, "page_number": 24}, 2),  # safe-guarding, Depart-ment
    ("minutes_layout.pdf", {"running_header": 21, "page_number": 6}, 0),
    ("encrypted_empty_password.pdf", {}, 1),  # safe-guarding
]


@pytest.mark.parametrize("name, dropped, hyphens", PDF_DROPPED, ids=[d[0] for d in PDF_DROPPED])
def test_pdf_loader_drops_only_what_it_counts(name, dropped, hyphens):
    from pypdf import PdfReader

    reader = PdfReader(PDFS / name)
    if reader.is_encrypted:
        reader.decrypt("")
    raw = "".join(ink((page.extract_text() or "").translate(_PLAIN)) for page in reader.pages)
    loaded = read_file(PDFS / name).loaded
    text = ink(loaded.text)
    assert loaded.dropped == dropped
    missing = Counter(raw) - Counter(text)
    assert not Counter(text) - Counter(raw), "the loader invented characters"
    assert sum(missing.values()) == sum(dropped.values()) + hyphens
    assert missing["-"] >= hyphens


# Generated papers -------------------------------------------------------------------------

WORDS = ("the council cabinet children care report placements budget school £3m 10,000 per cent "
         "RESOLVED ACTION: (a) 2024 Ofsted SEND 4 outstanding 12 – “quoted” ’s".split())
TITLE_WORDS = ["Executive", "Summary", "Background", "Placements", "Local", "Context", "Review", "SEND",
               "Demand", "levels", "and", "of"]
KINDS = ["int", "int", "dec", "dec", "dec", "heading", "bullet", "sub", "table", "blank", "blank",
         "unicode", "sentence", "caps_item", "letter", "restart", "toc", "jump"]


def _line(kind: str, rng: random.Random, state: dict) -> str:
    def words(n=12):
        return " ".join(rng.choice(WORDS) for _ in range(rng.randint(1, n)))

    def title():
        return " ".join(rng.choice(TITLE_WORDS) for _ in range(rng.randint(1, 6))).capitalize()

    if kind == "int":
        state["major"], state["minor"] = state["major"] + rng.choice([1, 1, 1, 2]), 0
        return f"{state['major']}. {words()}"
    if kind == "dec":
        state["minor"] += 1
        return f"{max(state['major'], 1)}.{state['minor']} {words()}"
    if kind == "jump":  # a number out of sequence: a table row, a figure, a stray label
        return f"{rng.randint(0, 120)}{rng.choice(['.', '', '.1', 'a.'])} {words()}"
    if kind == "heading":
        return title()
    if kind == "bullet":
        return rng.choice(["- ", " - ", "• ", "* "]) + words()
    if kind == "sub":
        return f"{rng.choice(['i.', 'ii.', 'iv.', 'vii.', 'a)', '(b)', '1)'])} {words()}"
    if kind == "table":
        cells = [rng.choice([words(3), str(rng.randint(0, 999)), ""]) for _ in range(rng.randint(2, 5))]
        return "\t".join(cells)
    if kind == "blank":
        return rng.choice(["", "", "   ", "\t"])
    if kind == "unicode":  # any code point but surrogates, line and paragraph separators included
        return "".join(chr(c) for c in (rng.randrange(0x110000) for _ in range(rng.randint(0, 30)))
                       if not 0xD800 <= c <= 0xDFFF)
    if kind == "sentence":
        return words().capitalize() + rng.choice([".", "", ":", ";"])
    if kind == "caps_item":  # "12 THE ITEM TITLE", as minutes number their items
        state["major"] += 1
        return f"{state['major']} {title().upper()}"
    if kind == "letter":
        state["letter"] += 1
        return f"{string.ascii_uppercase[min(state['letter'], 26) - 1]}. {title()}"
    if kind == "restart":  # a list that restarts its count inside a paragraph
        return f"1. {words().capitalize()}"
    if kind == "toc":
        return f"{rng.randint(1, 12)}. {title()}\t{rng.randint(1, 40)}"
    raise AssertionError(kind)


@st.composite
def paper_lines(draw):
    """A paper as lines: numbered paragraphs that mostly follow on, with the noise around them.

    Hypothesis picks the kind of every line; a seeded Random fills in its words (cheap to
    generate, and a failing example still shrinks to few lines)."""
    kinds = draw(st.lists(st.sampled_from(KINDS), min_size=1, max_size=40))
    rng = random.Random(draw(st.integers(0, 2**32)))
    state = {"major": 0, "minor": 0, "letter": 0}
    return [_line(kind, rng, state) for kind in kinds]


_paper_text = paper_lines().map("\n".join)
# NO_LOSS_EXAMPLES=5000 for a longer hunt; the default keeps the suite to a few seconds.
SETTINGS = settings(max_examples=int(os.environ.get("NO_LOSS_EXAMPLES", 200)), deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


def _plain_ints(sections) -> list[int]:
    return [int(s) for s in sections if s is not None and s.isdigit()]


@SETTINGS
@given(_paper_text)
def test_split_units_loses_and_repeats_nothing(text):
    units = split_units(text)
    assert "".join(ink(text[u.start:u.end]) for u in units) == ink(text)
    for u in units:
        assert 0 <= u.start < u.end <= len(text)
    for a, b in zip(units, units[1:]):
        assert a.end <= b.start
    ints = _plain_ints(u.section for u in units)
    assert ints == sorted(set(ints)), f"integer sections out of order: {ints}"


@SETTINGS
@given(_paper_text)
def test_split_units_unnumbered_mode_has_no_sections(text):
    units = split_units(text, numbered=False)
    assert "".join(ink(text[u.start:u.end]) for u in units) == ink(text)
    assert all(u.section is None for u in units)


@SETTINGS
@given(st.lists(_paper_text, min_size=1, max_size=3),
       st.sampled_from(["", "Report to Cabinet\n\nDate:\t4 January 2024\n\n", "AGENDA\n\n", "Minutes\n\n"]))
def test_papers_and_chunks_lose_and_repeat_nothing(bodies, head):
    # Several papers run together, the way an agenda pack holds them.
    text = "\n\n".join(head + b if i == 0 else f"Report to Cabinet\n\nTitle:\tPaper {i}\n\n{b}"
                       for i, b in enumerate(bodies))
    if not text.strip():
        return
    loaded = LoadedText(text=text)
    papers = papers_of(loaded, "generated.txt", "0" * 64)
    chunks = [c for p in papers for c in chunks_of(p, loaded)]
    assert "".join(ink(c.text) for c in chunks) == ink(text)
    for a, b in zip(chunks, chunks[1:]):
        assert a.end <= b.start
    for p in papers:
        ints = _plain_ints(c.section for c in chunks if c.doc_id == p.doc_id)
        ints = [n for i, n in enumerate(ints) if i == 0 or n != ints[i - 1]]  # parts repeat a section
        assert ints == sorted(set(ints)), f"integer sections out of order in {p.doc_id}: {ints}"


def test_a_unit_longer_than_a_window_is_cut_window_by_window(monkeypatch):
    """Pages of text with no numbering make one huge unit; it is split into parts a window
    at a time (bounded memory), losing nothing, each part within the model's budget, and each
    later part cited to the sub-item ("iv") it starts in, across windows too."""
    import cs_archive.chunking as chunking

    monkeypatch.setattr(chunking, "WINDOW", 3000)
    rng = random.Random(5)
    lines = ["Appendix B: Schedule of works"]
    for n in range(400):
        if n % 37 == 0:
            lines.append(f"({['i', 'ii', 'iii', 'iv', 'v', 'vi', 'vii', 'viii', 'ix', 'x', 'xi'][n // 37]}) Works group {n}")
        words = " ".join(rng.choice(["road", "bridge", "drain", "verge", "school", "library"]) for _ in range(rng.randint(5, 30)))
        lines.append(f"Item {n} covers the {words} in ward {n % 19}.")
    text = "\n".join(lines) + "\n"
    loaded = LoadedText(text=text)
    [paper] = papers_of(loaded, "long.txt", "0" * 64)
    chunks = chunks_of(paper, loaded)
    assert len(text) > 10 * chunking.WINDOW and len(chunks) > 20
    assert len({c.heading for c in chunks}) == 1 and chunks[-1].part == len(chunks), "one unit, in parts"
    assert "".join(ink(c.text) for c in chunks) == ink(text)
    # pieces() is an estimate: summed over sentences it rounds a little differently than whole.
    assert all(chunking.pieces(c.text) <= chunking.MAX_PIECES * 1.05 for c in chunks)
    for c in chunks:
        if c.part and c.part > 1:
            before = [m.group(1) for m in re.finditer(r"(?m)^\(([ivx]+\))", text[:c.start])]  # "(iv)" is cited "iv)"
            assert c.subsection == (before[-1] if before else None), c.chunk_id


def test_subsections_are_read_in_place_as_from_a_copy():
    from cs_archive.chunking.sections import subsection_of, subsections_of

    unit = "Heading\n(i) first\nwords\n b) second\nmore words\n\n(iv) fourth\nend"
    text = "PREFIX\n" + unit + "\nSUFFIX (v) x"
    offsets = [0, 8, 20, 30, 45, len(unit) - 1]
    start = len("PREFIX\n")
    assert subsections_of(text, offsets, start, start + len(unit)) == [subsection_of(unit, o) for o in offsets]
    assert [subsection_of(unit, o) for o in offsets] == [None, "i)", "i)", "b)", "b)", "iv)"]
