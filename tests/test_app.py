"""The app driven headlessly through Streamlit's AppTest: the real script, the real archive.

Tests marked ``model`` use the seed archive built with the real model; the others build small
archives with the fast hash embedder to test the mechanics (URL state, errors, uploads,
corrections).
"""
import csv
import json
import re
import shutil
from datetime import date
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from conftest import open_page

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
SEEDS = ROOT / "seeds"
CITATION = "Cabinet · 4 January 2024 · Children's Services Update · para 2.23"


def run_app(monkeypatch, index, page: str | None = None, *, env: str = "CS_ARCHIVE_INDEX", **params) -> AppTest:
    """The app on the archive at ``index``, named by ``env`` (``CS_ARCHIVE_STORE`` for a store URL)."""
    monkeypatch.setenv(env, str(index))
    at = AppTest.from_file(APP, default_timeout=180)
    if page:
        at.run()
        open_page(at, page)
    for k, v in params.items():
        at.query_params[k] = v
    at.run()
    assert not at.exception, at.exception
    return at


def copy_boxes(at) -> list[str]:
    """The citation in each card's copy box (common.copy_citation), in order."""
    return [json.loads(e.proto.json)["citation"] for e in at.get("bidi_component") if e.proto.component_name == "csa_copy_citation"]


def cards(at) -> list[str]:
    """The citation line of every result card, in order."""
    return [m.value for m in at.markdown if m.value.startswith("**") and m.value[2:3].isdigit()]


def qp(at, key):
    v = at.query_params.get(key)
    return v[0] if isinstance(v, list) else v


@pytest.fixture
def hash_archive(tmp_path, hash_env, monkeypatch):
    """seeds/ copied to a folder of papers and ingested with the hash embedder."""
    from cs_archive.embed import get_embedder
    from cs_archive.ingest import ingest

    papers = tmp_path / "papers"
    shutil.copytree(SEEDS, papers)
    index = tmp_path / "index"
    report = ingest([papers], index, get_embedder())
    assert not report.failed
    monkeypatch.setenv("CS_ARCHIVE_UPLOADS", str(tmp_path / "uploads"))
    return index


# -- searching (real model) ---------------------------------------------------------------
@pytest.mark.model
def test_shared_link_runs_the_search_and_cites_the_paragraph(monkeypatch, seed_index, real_env):
    at = run_app(monkeypatch, seed_index, q="how many children are in care per 10,000")
    assert CITATION in cards(at)[0]
    assert at.text_input(key="w_q").value == "how many children are in care per 10,000"
    assert qp(at, "q") == "how many children are in care per 10,000"
    # the card shows the copy-able citation (its copy box) and the published paper's link
    assert CITATION in copy_boxes(at)[0]
    assert any("moderngov" in m.value for m in at.markdown)


@pytest.mark.model
def test_filters_come_from_the_url_and_show_in_the_sidebar(monkeypatch, seed_index, real_env):
    at = run_app(monkeypatch, seed_index, q="children in care", until="2019-12-31")
    found = cards(at)
    assert found and not any("2023" in c or "2024" in c for c in found)
    assert at.date_input(key="w_until").value == date(2019, 12, 31)


@pytest.mark.model
def test_changing_a_filter_writes_the_url_and_the_url_reloads_the_same_results(monkeypatch, seed_index, real_env):
    at = run_app(monkeypatch, seed_index, q="children in care")
    at.selectbox(key="w_committee").set_value("Cabinet")
    at.radio(key="w_sort").set_value("oldest")
    at.run()
    assert not at.exception
    first = cards(at)
    assert first and all("Cabinet ·" in c for c in first)
    assert qp(at, "committee") == "Cabinet" and qp(at, "sort") == "oldest"
    shared = {k: qp(at, k) for k in at.query_params}
    again = run_app(monkeypatch, seed_index, **shared)
    assert cards(again) == first


@pytest.mark.model
def test_newest_first_orders_the_cards_by_meeting_date(monkeypatch, seed_index, real_env):
    at = run_app(monkeypatch, seed_index, q="placements for looked after children", sort="newest", k="15")
    from cs_archive.chunking.dates import parse_date

    dates = [parse_date(c) for c in cards(at)]
    known = [d for d in dates if d]
    assert len(known) >= 3 and known == sorted(known, reverse=True)


@pytest.mark.model
def test_off_topic_question_says_no_confident_match_and_labels_the_weak_ones(monkeypatch, seed_index, real_env):
    at = run_app(monkeypatch, seed_index, q="spaceship koala")
    assert any("No confident match" in w.value for w in at.warning)
    assert any("Weak matches" in h.value for h in at.header)
    assert any("(weak match)" in c for c in cards(at))


@pytest.mark.model
def test_export_carries_the_citations(monkeypatch, seed_index, real_env):
    at = run_app(monkeypatch, seed_index, q="how many children are in care per 10,000")
    assert len(at.get("download_button")) >= 2
    from cs_archive import explore
    from cs_archive.search import search
    from cs_archive.embed import get_embedder
    from cs_archive.index.store import Archive

    hits = search(Archive(seed_index), get_embedder(), "how many children are in care per 10,000", k=3)
    rows = list(csv.DictReader(explore.to_csv(hits).splitlines()))
    assert CITATION in rows[0]["citation"] and rows[0]["text"] == hits[0].text
    assert CITATION in explore.to_markdown(hits, "q").replace("\\", "")


@pytest.mark.model
def test_open_paper_marks_the_cited_paragraph_and_scrolls_to_it(monkeypatch, seed_index, real_env):
    from cs_archive.index.store import Archive
    from cs_archive.embed import get_embedder
    from cs_archive.search import search

    hit = search(Archive(seed_index), get_embedder(), "how many children are in care per 10,000", k=1)[0]
    at = run_app(monkeypatch, seed_index, page="paper", doc=hit.doc_id, at=hit.chunk_id)
    assert at.title[0].value == "Children's Services Update"
    bodies = [h.proto.body for h in at.get("html")]
    paper = next(b for b in bodies if "csa-cited" in b)
    cited = paper.split("csa-cited", 1)[1].split("</div>", 1)[0]
    assert "2.23" in cited and "Cited passage" in cited
    assert paper.index("2.22") < paper.index("2.23") < paper.index("2.24")  # reading order
    anchor = hit.chunk_id.rsplit(":", 1)[1]
    assert any(f"getElementById('passage-{anchor}')" in b and "scrollIntoView" in b for b in bodies)


# -- mechanics (hash embedder) ------------------------------------------------------------
def test_missing_archive_is_one_plain_sentence(monkeypatch, tmp_path, hash_env):
    at = run_app(monkeypatch, tmp_path / "nowhere", q="anything")
    assert len(at.error) == 1
    assert "There is no archive" in at.error[0].value and "Add papers" in at.error[0].value
    assert "Traceback" not in at.error[0].value


def test_damaged_archive_is_one_plain_sentence(monkeypatch, tmp_path, hash_env):
    (tmp_path / "index").mkdir()
    (tmp_path / "index" / "manifest.json").write_text("{not json")
    at = run_app(monkeypatch, tmp_path / "index", q="anything")
    assert len(at.error) == 1 and "cannot be opened" in at.error[0].value and "rebuild" in at.error[0].value.lower()


def test_empty_archive_says_so(monkeypatch, tmp_path, hash_env):
    from cs_archive.embed import get_embedder
    from cs_archive.ingest import ingest, remove

    paper = tmp_path / "papers" / "only.txt"
    paper.parent.mkdir()
    paper.write_text("Report to Cabinet\n\n1.1 The only paragraph.\n", encoding="utf-8")
    embedder = get_embedder()
    ingest([paper], tmp_path / "index", embedder)
    assert remove([str(paper)], tmp_path / "index", embedder.name, embedder.dim)  # an archive with no papers
    at = run_app(monkeypatch, tmp_path / "index")
    assert any("archive is empty" in i.value for i in at.info)
    at = run_app(monkeypatch, tmp_path / "index", q="children in care")
    assert any("archive is empty" in i.value for i in at.info)


def test_no_passage_under_the_filters_says_what_to_do(monkeypatch, hash_archive):
    at = run_app(monkeypatch, hash_archive, q='"no such phrase anywhere"')
    assert any("No passage matches" in w.value and "filters" in w.value for w in at.warning)


def test_a_cards_context_and_earlier_papers_fill_when_opened(monkeypatch, hash_archive):
    at = run_app(monkeypatch, hash_archive, q="children in care")
    context = [e for e in at.expander if e.label.startswith("Show context")]
    earlier = [e for e in at.expander if e.label.startswith("Earlier papers")]
    assert len(context) == len(earlier) == len(cards(at)) and not any(e.children for e in context + earlier)
    for e in (context[0], earlier[0]):  # open them, as a click would
        at.session_state[e.proto.id.split("-", 2)[2]] = True
    at.run()
    assert not at.exception, at.exception
    context = [e for e in at.expander if e.label.startswith("Show context")]
    earlier = [e for e in at.expander if e.label.startswith("Earlier papers")]
    shown = [m.value for m in context[0].markdown]
    assert any("csa-cited" in v for v in shown) and len(shown) >= 2  # the passage and a neighbour
    assert earlier[0].children and not context[1].children


def test_typing_a_question_writes_the_url(monkeypatch, hash_archive):
    at = run_app(monkeypatch, hash_archive)
    at.text_input(key="w_q").input("children in care")
    next(b for b in at.button if b.label == "Search").click()
    at.run()
    assert not at.exception
    assert qp(at, "q") == "children in care" and cards(at)


def test_paper_text_is_escaped_in_cards(monkeypatch, tmp_path, hash_env):
    from cs_archive.embed import get_embedder
    from cs_archive.ingest import ingest

    papers = tmp_path / "papers"
    papers.mkdir()
    (papers / "evil.txt").write_text(
        "Report to Cabinet\nDate: 4 January 2024\nTitle: Evil <b>paper</b>\n\n"
        "1. Introduction\n\n1.1 Children in care <script>alert(1)</script> **bold** [x](javascript:alert(1)) "
        "<img src=x onerror=alert(1)> and more children in care.\n")
    ingest([papers], tmp_path / "index", get_embedder())
    at = run_app(monkeypatch, tmp_path / "index", q="children in care")
    shown = " ".join(m.value for m in at.markdown)
    assert "<script>" not in shown and "<img" not in shown and "<b>" not in shown
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in shown and "&lt;img src=x onerror=alert(1)&gt;" in shown


def test_paper_text_is_escaped():
    from cs_archive.render import passage_html

    out = passage_html("<script>alert(1)</script> **bold** [x](javascript:alert(1)) "
                       "<img src=x onerror=alert(1)> ![i](http://evil/x.png) O'Brien", ["O'Brien"])
    assert "<script>" not in out and "<img" not in out
    assert "&lt;script&gt;" in out and "&#42;&#42;bold&#42;&#42;" in out and "&#91;x&#93;" in out
    assert "&#33;&#91;i&#93;" in out
    assert "<mark>O'Brien</mark>" in out


def test_meetings_page_lists_committees_and_their_papers(monkeypatch, hash_archive):
    at = run_app(monkeypatch, hash_archive, page="meetings")
    assert "Cabinet" in [h.value for h in at.header]
    labels = [e.label for e in at.expander]
    assert any(label.startswith("4 January 2024") for label in labels)


def test_upload_with_a_bad_file_reports_it_and_adds_the_good_one(monkeypatch, hash_archive, tmp_path):
    at = run_app(monkeypatch, hash_archive, page="add")
    at.file_uploader[0].set_value([
        ("broken.pdf", b"%PDF-1.4 this is not really a pdf", "application/pdf"),
        ("notes.docx", b"PK\x03\x04", "application/octet-stream"),
        ("fostering-update.txt", b"Report to Cabinet\nDate: 1 March 2025\nTitle: Fostering update\n\n"
                                 b"1. Summary\n\n1.1 We recruited twelve new foster carers this year.\n", "text/plain"),
    ])
    at.run()
    at.button[0].click()
    at.run()
    assert not at.exception, at.exception
    errors = [e.value for e in at.error]
    assert any(e.startswith("broken.pdf:") for e in errors), errors
    assert any(e.startswith("notes.docx:") for e in errors), errors
    assert any("Added 1 file" in s.value for s in at.success)
    assert [p.name for p in (tmp_path / "uploads" / "uploads").iterdir()] == ["fostering-update.txt"]
    at = run_app(monkeypatch, hash_archive, q='"twelve new foster carers"')
    assert cards(at) and "Fostering update" in cards(at)[0]


def _choose(at, title_part: str):
    box = at.selectbox(key="doc_choice")
    choice = next(o for o in box.options if title_part in o)
    box.select_index(box.options.index(choice))
    at.run()
    assert not at.exception, at.exception


def test_a_clerks_correction_goes_to_the_manifest_and_survives_a_rebuild(monkeypatch, hash_archive, tmp_path):
    at = run_app(monkeypatch, hash_archive, page="documents")
    _choose(at, "Buckinghamshire Looked After Children Strategy")
    form = {t.label: t for t in at.text_input}
    form["Committee"].input("Corporate Parenting Panel")
    form["Meeting date"].input("21 September 2016")
    at.button[0].click()  # the form's "Save correction"
    at.run()
    assert not at.exception, at.exception
    assert any("Saved to" in s.value and "rebuilt" in s.value for s in at.success), [e.value for e in at.error]
    rows = {r["file"]: r for r in csv.DictReader((tmp_path / "papers" / "manifest.csv").open())}
    row = next(r for r in rows.values() if r["committee"] == "Corporate Parenting Panel")
    assert row["date"] == "2016-09-21" and row["council"] == "Buckinghamshire County Council"
    assert len(rows) == 5  # the other rows are kept

    from cs_archive.embed import get_embedder
    from cs_archive.index.store import Archive
    from cs_archive.ingest import ingest

    ingest([tmp_path / "papers"], hash_archive, get_embedder(), rebuild=True)
    a = Archive(hash_archive)
    got = a.db.execute("SELECT committee, date FROM papers WHERE source LIKE ?", (f"%{row['file']}",)).fetchone()
    assert tuple(got) == ("Corporate Parenting Panel", "2016-09-21")
    at = run_app(monkeypatch, hash_archive, q="placements", committee="Corporate Parenting Panel")
    assert cards(at) and all("Corporate Parenting Panel · 21 September 2016" in c for c in cards(at))


def test_a_correction_with_a_bad_date_is_refused_plainly(monkeypatch, hash_archive, tmp_path):
    before = (tmp_path / "papers" / "manifest.csv").read_text()
    at = run_app(monkeypatch, hash_archive, page="documents")
    _choose(at, "Children's Services Update")
    {t.label: t for t in at.text_input}["Meeting date"].input("next Tuesday")
    at.button[0].click()
    at.run()
    assert any("not a date" in e.value for e in at.error)
    assert (tmp_path / "papers" / "manifest.csv").read_text() == before


def test_a_pdf_paper_offers_the_original_at_the_cited_page(monkeypatch, tmp_path, hash_env):
    from cs_archive.embed import get_embedder
    from cs_archive.index.store import Archive
    from cs_archive.ingest import ingest

    papers = tmp_path / "papers"
    papers.mkdir()
    shutil.copy(ROOT / "tests" / "fixtures" / "pdf" / "report_running_headers.pdf", papers)
    ingest([papers], tmp_path / "index", get_embedder())
    row = Archive(tmp_path / "index").db.execute(
        "SELECT doc_id, chunk_id, page FROM chunks WHERE section = '3.1'").fetchone()
    at = run_app(monkeypatch, tmp_path / "index", page="paper", doc=row["doc_id"], at=row["chunk_id"])
    assert [t.label for t in at.tabs] == ["Text in reading order", f"Original PDF (page {row['page']})"]
    download = at.get("download_button")[0]
    assert "report_running_headers.pdf" in download.proto.label
    # the app serves the file through its checked route, at a link signed for this paper, opened at the page
    from urllib.parse import parse_qs, urlsplit

    from cs_archive.ui import originals

    (src,) = [re.search(r'<iframe src="([^"]+)"', m.value).group(1) for m in at.markdown if "<iframe" in m.value]
    parts = urlsplit(src.replace("&amp;", "&"))
    assert parts.path == f"/original/{row['doc_id']}" and parts.fragment == f"page={row['page']}"
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    assert originals.valid(row["doc_id"], query["expires"], query["sig"])
    assert not originals.valid(row["doc_id"] + "x", query["expires"], query["sig"])
    assert not originals.valid(row["doc_id"], str(int(query["expires"]) + 1), query["sig"])
    assert not originals.valid(row["doc_id"], query["expires"], query["sig"], now=int(query["expires"]) + 1)
    assert not (ROOT / "static" / "papers" / f"{row['doc_id']}.pdf").exists()  # nothing copied to a public folder


def test_upload_of_a_pdf_with_scanned_pages_says_which_pages_need_ocr(monkeypatch, hash_archive, tmp_path):
    pdf = Path(__file__).parent / "fixtures" / "bad" / "scanned_pages_among_text.pdf"
    at = run_app(monkeypatch, hash_archive, page="add")
    at.file_uploader[0].set_value([("part-scanned.pdf", pdf.read_bytes(), "application/pdf")])
    at.run()
    at.button[0].click()
    at.run()
    assert not at.exception, at.exception
    assert any("Added 1 file" in s.value for s in at.success)
    warnings = [w.value for w in at.warning]
    assert any(w.startswith("part-scanned.pdf:") and "pages 2, 5" in w and "OCR" in w for w in warnings), warnings


def test_documents_page_lists_unknown_fields_first_with_each_values_origin(monkeypatch, hash_archive):
    at = run_app(monkeypatch, hash_archive, page="documents")
    assert not at.exception, at.exception
    table = at.dataframe[0].value
    unknown = [len(u.split(", ")) if u else 0 for u in table["Unknown"]]
    assert unknown == sorted(unknown, reverse=True) and unknown[0] >= 1
    assert "" in list(table["Meeting date"])  # the decision page prints no meeting date
    assert "(manifest)" in " ".join(table["Council"])  # the seeds' councils come from their manifest.csv
    assert "(meeting)" in " ".join(table["Meeting date"])  # a pack's papers take the cover's meeting
    assert all(f.endswith(".txt") and "/" in f for f in table["File"])  # the file's path in full


def test_meetings_page_puts_papers_of_no_known_meeting_last(monkeypatch, hash_archive):
    at = run_app(monkeypatch, hash_archive, page="meetings")
    assert not at.exception, at.exception
    headers = [h.value for h in at.header]
    assert headers[-1] == "Papers not yet placed in a meeting"
    assert "*Buckinghamshire Council*" in [m.value for m in at.markdown]


def _scanned_archive(tmp_path) -> Path:
    """A PDF of two passages, the first read by OCR from its scanned page 2, stored through the
    writer (no Tesseract needed)."""
    from cs_archive.embed import get_embedder
    from cs_archive.index.store import writing
    from cs_archive.models import Chunk, Paper, PaperMeta

    pdf = tmp_path / "papers" / "part-scanned.pdf"
    pdf.parent.mkdir()
    shutil.copy(Path(__file__).parent / "fixtures" / "bad" / "scanned_pages_among_text.pdf", pdf)
    texts = ["2.1 The scanned minute records repairs to potholes on the high street.",
             "2.2 The typed minute records repairs to potholes on the ring road."]
    chunks = [Chunk(f"scanpdf:000{n}", "scanpdf", n, f"2.{n + 1}", None, None, "Highways", 0, len(t), t,
                    page=n + 2, page_end=n + 2, ocr=(n == 0)) for n, t in enumerate(texts)]
    paper = Paper("scanpdf", str(pdf), 0, 200, PaperMeta(committee="Cabinet", date="2024-01-04",
                                                         title="Highways minutes", doc_type="minutes"), page_count=5)
    emb, index = get_embedder(), tmp_path / "index"
    with writing(index, emb.name, emb.dim) as w:
        w.put_file(str(pdf), "sha", "m", 5, {}, [paper], chunks, ["h0", "h1"], emb.embed(texts))
    return index


def test_a_passage_read_by_ocr_says_so_on_its_card(monkeypatch, tmp_path, hash_env):
    from cs_archive.ui.common import OCR_NOTE

    at = run_app(monkeypatch, _scanned_archive(tmp_path), q="repairs to potholes")
    shown = {c.split("**")[1]: c for c in cards(at)}
    assert len(shown) == 2
    scanned = next(c for title, c in shown.items() if "para 2.1" in title)
    typed = next(c for title, c in shown.items() if "para 2.2" in title)
    assert OCR_NOTE in scanned and OCR_NOTE not in typed


def test_the_paper_marks_its_ocr_passages_and_shows_the_scanned_page(monkeypatch, tmp_path, hash_env):
    from cs_archive.ui.common import OCR_NOTE

    at = run_app(monkeypatch, _scanned_archive(tmp_path), page="paper", doc="scanpdf", at="scanpdf:0000")
    paper = next(h.proto.body for h in at.get("html") if "scanpdf" not in h.proto.body and "passage-" in h.proto.body)
    first, second = paper.split("id='passage-0001'")
    assert OCR_NOTE in first and OCR_NOTE not in second
    pages = at.selectbox[0]
    assert pages.options == ["Page 2"] and pages.value == 2  # the cited passage's scanned page, drawn
    assert len(at.get("image")) == 1
    assert any("Page 2 of the original, as scanned" in m.value for m in at.markdown)


def test_without_pdftoppm_the_paper_says_how_to_see_scanned_pages(monkeypatch, tmp_path, hash_env):
    index = _scanned_archive(tmp_path)
    monkeypatch.setattr(shutil, "which", lambda name, *a, **k: None)
    at = run_app(monkeypatch, index, page="paper", doc="scanpdf", at="scanpdf:0000")
    assert not at.selectbox and not at.get("image")
    assert any("install poppler-utils (pdftoppm)" in m.value for m in at.markdown)


# -- metadata is shown as text, never as markdown -------------------------------------------
LURE = "[sign in again](https://evil.example) ![](https://tracker.example/x.png)"
LURE_COMMITTEE = "[Cabinet](https://evil.example)"


@pytest.fixture
def lure_archive(tmp_path, hash_env, monkeypatch):
    """The seeds, one paper's title and committee set by manifest.csv to a disguised link and a
    tracking image (as a clerk could type them on the Documents page)."""
    from cs_archive.embed import get_embedder
    from cs_archive.ingest import ingest

    papers = tmp_path / "papers"
    shutil.copytree(SEEDS, papers)
    manifest = papers / "manifest.csv"
    rows = list(csv.DictReader(manifest.open()))
    rows[0].update(title=LURE, committee=LURE_COMMITTEE)
    with manifest.open("w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    index = tmp_path / "index"
    assert not ingest([papers], index, get_embedder()).failed
    monkeypatch.setenv("CS_ARCHIVE_UPLOADS", str(tmp_path / "uploads"))
    return index


def _shown_as_markdown(at) -> list[str]:
    """Every string the browser renders as markdown: text, headings, notes, labels."""
    shown = [e.value for group in (at.markdown, at.title, at.header, at.subheader, at.info, at.success,
                                   at.warning, at.error) for e in group]
    shown += [e.label for e in at.expander]
    shown += [e.proto.label for kind in ("page_link", "download_button") for e in at.get(kind)]
    return shown


def _assert_no_live_markdown(shown: list[str]) -> None:
    lure_seen = False
    for s in shown:
        assert "](https://evil.example" not in s and "![" not in s and "[sign in again]" not in s, s
        assert "[Cabinet]" not in s, s
        lure_seen |= "sign in again" in s
    assert lure_seen  # the title is shown, as text


@pytest.mark.parametrize("page", ["search", "meetings", "paper", "documents"])
def test_markdown_in_a_title_or_committee_is_shown_as_text(monkeypatch, lure_archive, page):
    from cs_archive import explore
    from cs_archive.index.store import Archive

    doc = next(p.doc_id for p in explore.papers(Archive(lure_archive)) if p.title == LURE)
    params = {"search": {"q": "children's services update national and local developments"},
              "meetings": {}, "paper": {"doc": doc}, "documents": {}}[page]
    at = run_app(monkeypatch, lure_archive, page=None if page == "search" else page, **params)
    if page == "documents":  # a correction typed with markdown in it, echoed back
        _choose(at, "sign in again")
        at.run()
        {t.label: t for t in at.text_input}["Title"].input(LURE + " v2")
        at.button[0].click()
        at.run()
        assert at.success, [e.value for e in at.error]
    if page == "search":
        for e in at.expander:  # the context and earlier papers too
            e.proto.expanded = True
    _assert_no_live_markdown(_shown_as_markdown(at))


def test_commitments_csv_neutralises_formulas():
    from cs_archive.ui.pages.commitments import to_csv

    rec = {"status": "open", "kind": "promise", "text": "=HYPERLINK(\"https://evil.example\",\"x\")", "owner": "@me",
           "due": None, "due_text": "+1", "date": "2024-01-04", "committee": "-Cabinet", "council": "X",
           "source": "=cmd|' /C calc'!A0", "section": "9.1", "page": None, "chunk_id": "a:0001", "id": "abc",
           "follow_ups": []}
    row = next(csv.DictReader(to_csv([rec]).splitlines()))
    assert row["text"].startswith("'=") and row["owner"] == "'@me" and row["due_text"] == "'+1"
    assert row["committee"] == "'-Cabinet" and row["source"] == "'=cmd|' /C calc'!A0"
