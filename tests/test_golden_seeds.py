"""Golden expectations for the seed papers: tests/golden/seeds.json, one test per expectation.

The expectations say where a clerk would cite each passage (section, heading, part) and what
each paper is (council, committee, date, title, type, url), written from the papers themselves.
A case the chunker does not meet yet carries an "xfail" reason and runs as xfail(strict=True),
so fixing the chunker turns it into a failure that asks for the mark to be removed.
"""
from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path

import pytest

from cs_archive.chunking import ReadFile, read_file
from conftest import shared_file

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
GOLDEN = json.loads((Path(__file__).parent / "golden" / "seeds.json").read_text(encoding="utf-8"))
META_FIELDS = ("council", "committee", "date", "title", "doc_type", "url")


@lru_cache(maxsize=None)
def read(prefix: str) -> ReadFile:
    matches = sorted(SEEDS.glob(f"{prefix}_*.txt"))
    assert len(matches) == 1, f"expected one seed named {prefix}_*.txt, found {matches}"
    return read_file(matches[0])


def norm(s: str) -> str:
    """Runs of spaces and tabs are one space; blank lines and line-edge spaces go; line breaks stay."""
    lines = (re.sub(r"[ \t]+", " ", line).strip() for line in s.split("\n"))
    return "\n".join(line for line in lines if line)


def same_committee(name: str | None) -> str | None:
    return re.sub(r"\s+&\s+", " and ", name) if name else name


def _param(case: dict, case_id: str):
    marks = [pytest.mark.xfail(strict=True, reason=case["xfail"])] if case.get("xfail") else []
    return pytest.param(case, id=case_id, marks=marks)


# ------------------------------------------------------------------------------ the golden file

def test_golden_file_covers_every_seed():
    prefixes = sorted(p.name[:3] for p in SEEDS.glob("*.txt"))
    assert prefixes == ["000", "001", "002", "003", "004"]
    assert sorted(GOLDEN["papers"]) == prefixes
    by_file = {p: [e for e in GOLDEN["expectations"] if e["file"] == p] for p in prefixes}
    assert all(len(cases) >= 8 for cases in by_file.values()), {p: len(c) for p, c in by_file.items()}
    ids = [e["id"] for e in GOLDEN["expectations"]]
    assert len(ids) == len(set(ids)) and len(ids) >= 60
    for e in GOLDEN["expectations"]:
        assert e["id"].startswith(e["file"] + "-"), e["id"]
        assert "section" in e and e["contains"].strip(), e["id"]
        assert set(e) <= {"id", "file", "contains", "section", "paper", "occurrence", "heading", "part",
                          "xfail", "source", "note", *META_FIELDS}, e["id"]


def test_every_dev_question_section_is_a_golden_expectation():
    """The dev questions that name a section are checked here too (copied, so this suite
    does not depend on /work/shared being present)."""
    golden = {(e["file"], norm(e["contains"]), e["section"]) for e in GOLDEN["expectations"] if not e.get("xfail")}
    dev_file = shared_file("eval/dev_questions.jsonl")
    dev = [x for line in dev_file.read_text().splitlines() if line.strip()
           for x in json.loads(line)["expect"] if x.get("section")]
    assert len(dev) >= 15
    missing = [x for x in dev if (x["file"], norm(x["contains"]), x["section"]) not in golden]
    assert not missing


# ------------------------------------------------------------------------------ passages

def _find(case: dict):
    rf = read(case["file"])
    papers = rf.papers
    if "paper" in case:
        assert case["paper"] < len(papers), f"{case['file']} has {len(papers)} papers"
        papers = (papers[case["paper"]],)
    ids = {p.doc_id for p in papers}
    phrase = norm(case["contains"])
    found = [c for c in rf.chunks if c.doc_id in ids and phrase in norm(c.text)]
    shown = [(c.section, c.part, c.heading, c.text[:60]) for c in found]
    if "occurrence" in case:
        assert len(found) > case["occurrence"], f"{phrase!r} found {len(found)} times: {shown}"
        chunk = found[case["occurrence"]]
    else:
        assert len(found) == 1, f"{phrase!r} should be in exactly one chunk, found in {len(found)}: {shown}"
        chunk = found[0]
    paper = next(p for p in rf.papers if p.doc_id == chunk.doc_id)
    return chunk, paper


@pytest.mark.parametrize("case", [_param(e, e["id"]) for e in GOLDEN["expectations"]])
def test_passage(case):
    chunk, paper = _find(case)
    where = f"{chunk.chunk_id} section={chunk.section!r} heading={chunk.heading!r}"
    assert chunk.section == case["section"], where
    if "heading" in case:
        assert case["heading"] in chunk.heading, where
    if "part" in case:
        assert chunk.part == case["part"], where
    for field in META_FIELDS:
        if field in case:
            got, want = getattr(paper.meta, field), case[field]
            if field == "committee":
                got, want = same_committee(got), same_committee(want)
            assert got == want, f"{field} of paper {paper.doc_id}"


# ------------------------------------------------------------------------------ papers

def _paper_cases() -> list:
    return [pytest.param(prefix, len(papers), id=f"{prefix}-count") for prefix, papers in GOLDEN["papers"].items()]


@pytest.mark.parametrize("prefix, count", _paper_cases())
def test_paper_count(prefix, count):
    got = [(p.meta.doc_type, p.meta.title) for p in read(prefix).papers]
    assert len(got) == count, got


def _meta_cases() -> list:
    cases = []
    for prefix, papers in GOLDEN["papers"].items():
        for n, want in enumerate(papers):
            slug = re.sub(r"[^a-z0-9]+", "-", (want["title"] or want["doc_type"]).lower()).strip("-")[:40]
            cases.append(_param({"file": prefix, "paper": n, **want}, f"{prefix}-paper{n}-{slug}"))
    return cases


@pytest.mark.parametrize("case", _meta_cases())
def test_paper_metadata(case):
    papers = read(case["file"]).papers
    assert case["paper"] < len(papers)
    meta = papers[case["paper"]].meta
    got = {f: getattr(meta, f) for f in META_FIELDS}
    want = {f: case[f] for f in META_FIELDS}
    got["committee"], want["committee"] = same_committee(got["committee"]), same_committee(want["committee"])
    assert got == want


def test_pack_papers_are_marked_as_parts_of_a_pack():
    assert all(p.part_of_pack for p in read("002").papers)
    assert len({p.doc_id for p in read("002").papers}) == 10
    for prefix in ("000", "001", "003", "004"):
        (paper,) = read(prefix).papers
        assert not paper.part_of_pack and paper.doc_id == read(prefix).sha256[:16]


# ------------------------------------------------------------------------------ section sequences

def _collapse(values: list) -> list:
    return [v for i, v in enumerate(values) if i == 0 or v != values[i - 1]]


@pytest.mark.parametrize("case", [_param(s, f"{s['file']}-paper{s['paper']}") for s in GOLDEN["sections"]])
def test_section_sequence(case):
    rf = read(case["file"])
    paper = rf.papers[case["paper"]]
    got = _collapse([c.section for c in rf.chunks if c.doc_id == paper.doc_id])
    assert got == case["sections"]


def test_no_letter_suffix_sections_in_000():
    """'5a.' and '5b.' head paragraphs 5.2 and 5.3; they are not sections."""
    assert not {"5a", "5b", "5"} & {c.section for c in read("000").chunks}
