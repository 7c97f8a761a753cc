"""modern.gov (Civica) pages read by their own markup: what each page says about itself,
one unit per agenda item with its minutes and decision, and none of the council's site
around it. Each fixture is a page as a council's site serves it, chrome and all."""
from __future__ import annotations

from pathlib import Path

import pytest

from cs_archive.chunking.html import html_to_text
from cs_archive.chunking.load import load
from cs_archive.chunking.packs import split_pack
from cs_archive.chunking.sections import split_units

HTML = Path(__file__).parent / "fixtures" / "html"
MODERNGOV = sorted(HTML.glob("moderngov_*.html"))


def _units(text: str) -> dict[str, str]:
    return {u.section: text[u.start:u.end].strip() for u in split_units(text) if u.section}


@pytest.mark.parametrize("name, fields", [
    ("moderngov_meeting_minutes.html", (
        ("council", "Kent County Council"), ("committee", "Cabinet"), ("date", "2025-01-30"),
        ("title", "Agenda and minutes: Cabinet - Thursday, 30th January, 2025 10.00 am"), ("doc_type", "minutes"))),
    ("moderngov_meeting_agenda.html", (  # no council in the <title>: the site header's logo names it
        ("council", "Bristol City Council"), ("committee", "Cabinet"), ("date", "2025-03-04"),
        ("title", "Agenda: Cabinet - Tuesday, 4th March, 2025 4.00 pm"), ("doc_type", "agenda"))),
    ("moderngov_decision.html", (
        ("council", "Cheshire West and Chester Council"), ("committee", "Cabinet"), ("date", "2025-01-30"),
        ("title", "Library Service Opening Hours"), ("doc_type", "decision"))),
    ("moderngov_issue_history.html", (  # several meetings: no one committee or date to state
        ("council", "Kent County Council"), ("title", "Local Plan Review"), ("doc_type", "other"))),
    ("council_news_page.html", ()),  # not modern.gov: nothing read from its structure
])
def test_fields_are_what_the_page_states(name, fields):
    assert load(HTML / name).fields == fields


@pytest.mark.parametrize("path", MODERNGOV, ids=lambda p: p.stem)
def test_site_chrome_is_gone(path):
    text = load(path).text
    lines = {line.strip() for line in text.splitlines()}
    for junk in ("Skip to", "cookies", "Cookie", "Education and children", "Residents", "Sign in", "Browse",
                 "Attendance details", "Committee details", "View the background", "View the decision",
                 "View directions", "Issue history", "Facebook", "Instagram", "LinkedIn", "Accessibility",
                 "©", "__VIEWSTATE", "gtag", "_paq", "Committees", "KB", "MB"):
        assert junk not in text, junk
    for line in ("Home", "Search", "Print", "Print this page", "RSS", "Cabinet", "Agenda item", "No.\tItem"):
        assert line not in lines, line


@pytest.mark.parametrize("path", MODERNGOV, ids=lambda p: p.stem)
def test_nothing_the_page_prints_is_lost(path):
    from bs4 import BeautifulSoup

    text = " ".join(load(path).text.split())
    content = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser").find(class_="mgContent")
    for tag in content.find_all(class_=["mgWordPara", "mgAiTitleTxt", "mgSubItemTitleTxt", "mgSubSubTitleTxt"]):
        for size in tag.find_all(class_="mgFileSize"):
            size.decompose()
        printed = " ".join(tag.get_text(" ").split()).replace(" ,", ",")
        if tag.find_parent(class_="mgItemNumberCell"):  # "7." heads its item, or its meeting says "(Item 7)"
            assert f"{printed} " in text or f"(Item {printed.rstrip('.')})" in text
        else:
            assert printed in text


def test_each_agenda_item_is_one_unit_with_its_minutes_and_resolution():
    text = load(HTML / "moderngov_meeting_minutes.html").text
    units = _units(text)
    assert list(units) == ["1", "2", "3", "4", "5"]
    assert units["1"] == ("1. Apologies\n\nMinutes:\n\nApologies for absence were received from Mr Derek Murphy. "
                          "Mr Peter Oakford was present virtually.")
    assert units["3"].startswith("3. Minutes of the Meeting held on 5 December 2024\n\nMinutes:\n\nRESOLVED that")
    assert units["3"].endswith("signed by the Chair.\n\nSupporting documents: Minutes")
    assert units["4"] == (
        "4. Draft Revenue and Capital Budget 2025-26 and Medium Term Financial Plan 2025-28\n\n"
        "To consider the draft budget and plan before County Council on 13 February 2025.\n\n"
        "Decision:\n\nCabinet agreed to recommend the draft budget to County Council.\n\n"
        "Minutes:\n\nMr Oakford, Deputy Leader and Cabinet Member for Finance, introduced the report. "
        "He said the Council faced a funding gap of £76.5m in 2025-26.\n\n"
        "Members asked about the capital programme and the use of reserves.\n\n"
        "RESOLVED that Cabinet:\n\n(a) NOTE the draft revenue budget;\n\n"
        "(b) RECOMMEND the budget to County Council for approval.\n\n"
        "Supporting documents: Report - Budget 2025-26; Appendix 1")
    assert units["5"].endswith("RESOLVED that the revised policy be adopted from September 2025.")


def test_the_meeting_header_and_its_own_papers_come_before_the_items():
    text = load(HTML / "moderngov_meeting_minutes.html").text
    assert text[:text.index("1. Apologies")] == (
        "Agenda and minutes\n\nCabinet - Thursday, 30th January, 2025 10.00 am\n\n"
        "Venue: Council Chamber, Sessions House, County Hall, Maidstone.\n\n"
        "Contact: Georgina Little 03000 414043\n\n"
        "Documents: Agenda frontsheet; Printed minutes\n\nItems\n\n")


def test_a_document_list_never_starts_another_paper():
    # "Minutes" or "Appendix 1" alone on a line would read as the start of a new paper.
    for path in MODERNGOV:
        assert len(split_pack(load(path).text)) == 1, path.name


def test_future_meeting_items_are_units_with_their_papers():
    units = _units(load(HTML / "moderngov_meeting_agenda.html").text)
    assert list(units) == ["1", "2", "3", "4", "5", "6"]
    assert units["1"] == "1. Welcome, Introductions and Safety Information"
    assert units["4"].startswith("4. Public Forum\n\nUp to one hour") and units["4"].endswith("26 February 2025.")
    assert units["5"] == ("5. Home to School Travel Policy 2025-26\n\nSupporting documents: Cabinet report - Home to "
                          "School Travel Policy; Appendix A - Draft policy; Appendix B - Equality Impact Assessment")


def test_decision_page_text():
    assert load(HTML / "moderngov_decision.html").text == (
        "Decision details\n\nLibrary Service Opening Hours\n\n"
        "Decision Maker: Cabinet\n\nDecision status: Recommendations Approved\n\n"
        "Is Key decision?: Yes\n\nIs subject to call in?: Yes\n\n"
        "Purpose:\n\nTo agree new opening hours for the borough's libraries following public consultation.\n\n"
        "Decision:\n\nCabinet RESOLVED to:\n\n"
        "(1) approve the revised opening hours set out in Appendix A, to take effect from 1 April 2025; and\n\n"
        "(2) delegate authority to the Director of Place to make minor changes to the hours.\n\n"
        "Reasons for the decision:\n\nThe revised hours keep every library open while saving £420,000 a year.\n\n"
        "Alternative options considered:\n\nClosing two branch libraries was considered and rejected.\n\n"
        "Publication date: 31/01/2025\n\nDate of decision: 30/01/2025\n\n"
        "Decided at meeting: 30/01/2025 - Cabinet\n\nEffective from: 08/02/2025\n\n"
        "Accompanying Documents: Library opening hours report; Appendix A")


def test_issue_history_keeps_each_meeting_with_its_item():
    text = load(HTML / "moderngov_issue_history.html").text
    assert ("Meeting: 14/11/2024 - Environment and Transport Cabinet Committee (Item 7)\n\n"
            "Local Plan Review - Regulation 18 consultation\n\n") in text  # "(Item 7)" says the number once
    assert ("Meeting: 30/01/2025 - Cabinet (Item 12)\n\nLocal Plan Review - approval for consultation\n\n"
            "Decision:\n\nCabinet approved") in text


def test_a_plain_council_page_keeps_working():
    loaded = load(HTML / "council_news_page.html")
    assert loaded.kind == "html"
    assert loaded.text == (  # an ASP.NET site wraps the whole page in one <form>: its content stays
        "Cabinet approves new library hours\n\nPublished: 31 January 2025\n\n"
        "The Cabinet agreed new opening hours for all eleven libraries at its meeting on 30 January 2025.\n\n"
        "What changes\n\nCentral Library opens until 8pm on Thursdays.\n\nBranch libraries open on Saturday mornings.")


def _page(title: str, header: str = "") -> str:
    return (f"<html><head><title>{title}</title></head><body><header>{header}</header>"
            '<div id="modgov"><h1 class="mgMainTitleTxt">Agenda</h1>'
            '<h2 class="mgSubTitleTxt">Planning Committee - Wednesday, 12th March, 2025 6.00 pm</h2>'
            '<div class="mgContent"><p>Items to follow.</p></div></div></body></html>')


@pytest.mark.parametrize("title, header, council", [
    ("Agenda for Planning Committee on Wednesday, 12th March, 2025, 6.00 pm | Kent County Council", "",
     "Kent County Council"),
    ("Browse meetings - Planning Committee - Bristol City Council", "", "Bristol City Council"),
    ("Agenda for Planning Committee - London Borough of Camden", "", "London Borough of Camden"),
    ("Cyngor Sir Ddinbych - Agenda", "", "Cyngor Sir Ddinbych"),
    ("Agenda for Planning Committee", '<a class="logo"><img alt="Royal Borough of Greenwich logo"></a>',
     "Royal Borough of Greenwich"),
    ("Agenda for Planning Committee", "<p>County Hall</p><p>Sign in</p>", None),  # never a guess
    ("Agenda item - Local Plan 2025-26", "", None),
])
def test_council_as_the_page_prints_it(title, header, council):
    fields = dict(html_to_text(_page(title, header)).fields)
    assert fields.get("council") == council
    assert (fields["committee"], fields["date"], fields["doc_type"]) == ("Planning Committee", "2025-03-12", "agenda")


def test_labels_that_share_one_paragraph_are_read_apart():
    page = ('<html><head><title>Decision details | Conwy County Borough Council</title></head><body>'
            '<div id="modgov"><h1 class="mgMainTitleTxt">Decision details</h1>'
            '<h2 class="mgSubTitleTxt">Car parking charges</h2><div class="mgContent">'
            '<p><span class="mgLabel">Decision Maker:</span> '
            '<a href="mgUserInfo.aspx?UID=5">Cabinet Member for Economy</a>'
            '<br><span class="mgLabel">Publication date:</span> 31/01/2025'
            '<br><span class="mgLabel">Date of decision:</span> 30/01/2025</p></div></div></body></html>')
    assert html_to_text(page).fields == (
        ("council", "Conwy County Borough Council"), ("committee", "Cabinet Member for Economy"),
        ("date", "2025-01-30"), ("title", "Car parking charges"), ("doc_type", "decision"))


def test_a_welsh_meeting_page_with_minutes():
    page = ('<html><head><title>Agenda ar gyfer Cabinet ar Dydd Iau, 30ain Ionawr, 2025 10.00 am</title></head><body>'
            '<div id="modgov"><h1 class="mgMainTitleTxt">Agenda a chofnodion</h1>'
            '<h2 class="mgSubTitleTxt">Cabinet - Dydd Iau, 30ain Ionawr, 2025 10.00 am</h2><div class="mgContent">'
            '<table class="mgItemTable"><tr><td class="mgItemNumberCell"><p class="mgAiTitleTxt">1</p></td>'
            '<td><p class="mgAiTitleTxt">Ymddiheuriadau</p><p class="mgSubItemTitleTxt">Cofnodion:</p>'
            '<div class="mgWordPara"><p>Dim.</p></div></td></tr></table></div></div></body></html>')
    loaded = html_to_text(page)
    assert dict(loaded.fields)["date"] == "2025-01-30" and dict(loaded.fields)["doc_type"] == "minutes"
    assert loaded.text.endswith("1. Ymddiheuriadau\n\nCofnodion:\n\nDim.")  # "1" as printed, a dot to set it off


def test_a_social_link_that_is_a_word_of_a_sentence_stays():
    page = ('<p>Follow the consultation on <a href="https://facebook.com/x">Facebook</a>.</p>'
            '<ul><li><a href="https://facebook.com/x">Facebook</a></li></ul>')
    assert html_to_text(page).text == "Follow the consultation on Facebook."
