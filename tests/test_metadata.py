"""What a paper says about itself (chunking/metadata.py), one fixture per layout of UK council
papers: tests/fixtures/metadata/*.txt against expected.json beside them."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from cs_archive.chunking.dates import parse_date
from cs_archive.chunking.metadata import read_meta

HERE = Path(__file__).parent / "fixtures" / "metadata"
EXPECTED = json.loads((HERE / "expected.json").read_text(encoding="utf-8"))
FIELDS = ("council", "committee", "date", "doc_type", "title")


def test_every_fixture_has_an_expectation():
    assert sorted(p.stem for p in HERE.glob("*.txt")) == sorted(k for k in EXPECTED if not k.startswith("_"))


@pytest.mark.parametrize("name", sorted(k for k in EXPECTED if not k.startswith("_")))
def test_fixture(name):
    meta = read_meta((HERE / f"{name}.txt").read_text(encoding="utf-8"))
    assert {f: getattr(meta, f) for f in FIELDS} == EXPECTED[name]
    known = {f for f in FIELDS if getattr(meta, f) and not (f == "doc_type" and meta.doc_type == "other")}
    assert dict(meta.provenance) == {f: "paper" for f in known}


def test_minutes_are_dated_by_the_meeting_they_record_not_the_one_they_approve():
    text = ("MINUTES of a meeting of the Cabinet held on Thursday, 30 January 2025.\n"
            "1. Minutes\nRESOLVED that the minutes of the meeting held on 5 December 2024 are correctly recorded.")
    assert read_meta(text).date == "2025-01-30"
    approving_only = "1. Minutes\nThe minutes of the meeting held on 5 December 2024 were approved as a correct record."
    assert read_meta(approving_only).date is None


def test_a_web_pages_own_fields_win_and_are_the_papers():
    meta = read_meta("Some words of the page.", fields=(("council", "KENT COUNTY COUNCIL"), ("committee", "Cabinet"),
                                                       ("date", "Thursday, 30th January, 2025"), ("doc_type", "agenda")))
    assert (meta.council, meta.committee, meta.date, meta.doc_type) == ("Kent County Council", "Cabinet", "2025-01-30", "agenda")
    assert dict(meta.provenance) == {"council": "paper", "committee": "paper", "date": "paper", "doc_type": "paper"}


@pytest.mark.parametrize("written, iso", [
    ("Thursday, 13 February 2025", "2025-02-13"),
    ("13th Feb. 2025", "2025-02-13"),
    ("February 13, 2025", "2025-02-13"),
    ("13/02/2025", "2025-02-13"),
    ("13.02.2025", "2025-02-13"),
    ("10fed Chwefror 2016", "2016-02-10"),
    ("1af Mawrth 2019", "2019-03-01"),
    ("the 21ain o Fai 2018", "2018-05-21"),
    ("2025-02-13", "2025-02-13"),
    ("30 February 2024", None),
    ("20th of September 2016", "2016-09-20"),
])
def test_dates_as_papers_print_them(written, iso):
    assert parse_date(written) == iso


def test_a_moderngov_meeting_page_reaches_the_papers_fields():
    from cs_archive.chunking import read_file

    rf = read_file(Path(__file__).parent / "fixtures" / "html" / "moderngov_meeting_minutes.html")
    (paper,) = rf.papers
    m = paper.meta
    assert (m.council, m.committee, m.date, m.doc_type) == ("Kent County Council", "Cabinet", "2025-01-30", "minutes")
    assert dict(m.provenance)["date"] == "paper"
    assert len({c.section for c in rf.chunks if c.section}) >= 3  # each agenda item its own numbered unit
