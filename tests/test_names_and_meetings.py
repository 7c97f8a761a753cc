"""What file names and folders say (chunking/filenames.py), and papers of one meeting sharing
what one of them prints (chunking/meetings.py)."""
from __future__ import annotations

import pytest

from cs_archive.chunking import from_names
from cs_archive.chunking.filenames import NameHints, date_in_name, hints
from cs_archive.chunking.meetings import Filed, own, same_body, share
from cs_archive.models import PaperMeta


@pytest.mark.parametrize("name, expected", [
    ("Printed minutes 30th-Jan-2025 10.00 Cabinet", NameHints("2025-01-30", "minutes", "Cabinet")),
    ("Agenda frontsheet 13th-Feb-2025 10.00 County Council", NameHints("2025-02-13", "agenda", "County Council")),
    ("Public reports pack 13th-Mar-2025 15.00 Cabinet", NameHints("2025-03-13", "agenda_pack", "Cabinet")),
    ("Decision 5th-Dec-2024 Cabinet Member for Highways", NameHints("2024-12-05", "decision", "Cabinet Member for Highways")),
    ("2014-11-20 SPC minutes", NameHints("2014-11-20", "minutes", None)),
    ("agendas_2020-07-14_", NameHints("2020-07-14", "agenda", None)),
    ("20171127", NameHints("2017-11-27", None, None)),
    ("Minutes 7.5.19", NameHints("2019-05-07", "minutes", None)),
    ("appendix-b-eqia-parking-levy-final-2024-08-20", NameHints("2024-08-20", "appendix", None)),
    ("committee-report-parking-levy-12-september-2024", NameHints("2024-09-12", "report", None)),
    ("forward-plan-2026-01-21", NameHints("2026-01-21", "forward_plan", None)),
])
def test_file_names(name, expected):
    assert hints(f"papers/{name}.pdf")[0] == expected


@pytest.mark.parametrize("name", [
    "15-06-10",  # year-month-day or day-month-year: either way round
    "2024-02-30 minutes",  # no such day
    "minutes 2024-01-04 and 2024-02-01",  # two dates: which meeting?
    "report-v2-final",
])
def test_names_that_give_no_date(name):
    assert date_in_name(name) is None


def test_folder_named_after_a_meeting():
    _, folder = hints("archive/2025-01-30 Planning Committee/Appendix A.pdf")
    assert folder == NameHints("2025-01-30", None, "Planning Committee")


def test_names_fill_only_what_the_paper_leaves_unknown():
    printed = PaperMeta(date="2025-01-28", doc_type="minutes", provenance=(("date", "paper"), ("doc_type", "paper")))
    got = from_names(printed, "x/Printed minutes 30th-Jan-2025 10.00 Cabinet.pdf", whole=True)
    assert (got.date, got.committee, got.origin("date"), got.origin("committee")) == (
        "2025-01-28", "Cabinet", "paper", "filename")
    bare = from_names(PaperMeta(), "x/2014-11-20 SPC minutes.pdf", whole=True)
    assert (bare.date, bare.doc_type, bare.provenance) == (
        "2014-11-20", "minutes", (("date", "filename"), ("doc_type", "filename")))


def test_a_date_months_from_the_files_name_is_not_trusted():
    """A template's old date left in the paper: the paper says 2018, its file 2019."""
    printed = PaperMeta(date="2018-05-24", provenance=(("date", "paper"),))
    assert from_names(printed, "x/2019-05-23 minutes.pdf", whole=True).date is None


def test_an_appendix_name_date_is_not_the_meeting():
    got = from_names(PaperMeta(), "x/appendix-b-eqia-final-2024-08-20.pdf", whole=True)
    assert (got.doc_type, got.date) == ("appendix", None)


def test_same_body():
    assert same_body("Transport and Connectivity Committee", "Transport & Connectivity Policy Committee")
    assert not same_body("Planning Committee", "Licensing Committee")
    assert not same_body(None, "Cabinet")


def _filed(doc_id, source, idx=0, pack=False, **meta):
    prov = tuple((k, "paper") for k in ("council", "committee", "date", "doc_type") if meta.get(k))
    return Filed(doc_id, source, idx, pack, PaperMeta(**meta, provenance=prov))


def test_a_decision_notice_takes_the_council_its_meeting_prints():
    papers = [
        _filed("m", "bcc/minutes.pdf", council="Bristol City Council", committee="Transport and Connectivity Policy Committee",
               date="2024-09-12", doc_type="minutes"),
        _filed("d", "bcc/decision.pdf", committee="Transport & Connectivity Policy Committee", date="2024-09-12",
               doc_type="decision"),
        _filed("x", "bcc/other.pdf", committee="Licensing Committee", date="2024-09-12", doc_type="report"),
    ]
    changed = share(papers)
    assert set(changed) == {"d"}
    assert (changed["d"].council, changed["d"].origin("council")) == ("Bristol City Council", "meeting")


def test_councils_that_disagree_share_nothing():
    papers = [
        _filed("a", "x/a.pdf", council="Kent County Council", committee="Cabinet", date="2025-01-30"),
        _filed("b", "y/b.pdf", council="Medway Council", committee="Cabinet", date="2025-01-30"),
        _filed("c", "z/c.pdf", committee="Cabinet", date="2025-01-30"),
    ]
    assert share(papers) == {}


def test_a_folder_of_one_meeting_gives_it_to_a_bare_appendix():
    papers = [
        _filed("r1", "m/report 1.pdf", council="Kent County Council", committee="Cabinet", date="2025-01-30", doc_type="report"),
        _filed("r2", "m/report 2.pdf", committee="Cabinet", date="2025-01-30", doc_type="report"),
        _filed("t", "m/appendix table.pdf", doc_type="appendix"),
    ]
    t = share(papers)["t"]
    assert (t.committee, t.date, t.council) == ("Cabinet", "2025-01-30", "Kent County Council")
    assert dict(t.provenance) == {"council": "meeting", "committee": "meeting", "date": "meeting", "doc_type": "paper"}


def test_a_folder_of_many_meetings_gives_nothing():
    papers = [
        _filed("a", "all/a.pdf", committee="Cabinet", date="2025-01-30"),
        _filed("b", "all/b.pdf", committee="Cabinet", date="2025-02-27"),
        _filed("t", "all/table.pdf"),
    ]
    assert "t" not in share(papers)


def test_pack_components_take_the_cover_and_inferences_are_redone():
    cover = _filed("p-1", "pack.pdf", 0, True, council="Kent County Council", committee="Cabinet", date="2025-01-30",
                   doc_type="agenda")
    minutes = _filed("p-2", "pack.pdf", 1, True, doc_type="minutes", date="2024-12-05")
    report = _filed("p-3", "pack.pdf", 2, True, doc_type="report")
    changed = share([cover, minutes, report])
    assert (changed["p-3"].committee, changed["p-3"].date) == ("Cabinet", "2025-01-30")
    assert (changed["p-2"].date, changed["p-2"].committee) == ("2024-12-05", "Cabinet")
    # Once the cover is corrected, what the components took from it follows.
    fixed = Filed("p-1", "pack.pdf", 0, True, cover.meta.given("correction", committee="Council"))
    again = share([fixed, Filed("p-3", "pack.pdf", 2, True, changed["p-3"])])
    assert again["p-3"].committee == "Council"
    assert own(changed["p-3"]).committee is None
