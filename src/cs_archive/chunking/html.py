"""Council web pages (decision and minutes pages): the visible words only.

Scripts, styles, navigation, cookie banners and forms go; block elements become lines so
the paper's own numbering still starts a line.

modern.gov (Civica) pages are read by their own markup: a meeting's agenda and minutes
(ieListDocuments.aspx), a decision (ieDecisionDetails.aspx) and an issue's history
(mgIssueHistoryHome.aspx). Only modern.gov's part of the page is kept, not the council's site
around it; each agenda item becomes one line "N. Title" followed by its text, decision and
minutes; and what the page says about itself (council, committee, date, title, type) goes
into ``LoadedText.fields``, as the page prints it.
"""
from __future__ import annotations

import re
from dataclasses import replace

from ..models import LoadedText
from .dates import parse_date
from .text import clean_text

_INVISIBLE = ["script", "style", "noscript", "template", "svg", "iframe", "head", "nav", "footer", "form", "button",
              "select", "textarea"]
_BANNER = re.compile(r"cookie|consent|gdpr|banner|skip-?link|skip-to|breadcrumb|(?:^|\s)bc(?:\s|$)", re.I)
_CHROME_ROLES = {"navigation", "banner", "contentinfo", "search"}
_BLOCKS = ["p", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "br", "table", "section", "article",
           "ul", "ol", "dt", "dd", "blockquote", "pre", "header", "main", "caption"]
# Links that are site furniture: always, or when they stand alone (not a word of a sentence:
# "follow us on <a>Facebook</a>" keeps its word).
_CHROME_LINK = re.compile(r"skip to (?:the )?(?:main )?content|skip navigation|print this page|back to top|"
                          r"browse meetings|view directions|email this page", re.I)
_LONE_CHROME_LINK = re.compile(r"print(?: version)?|rss(?: feed)?|share(?: this page)?|top of page|facebook|"
                               r"instagram|linkedin|youtube|x|x \(twitter\)|twitter", re.I)

# modern.gov's own class names; a page carrying two of them (or its #modgov block) is one.
_MG_MARKS = ["mgMainTitleTxt", "mgSubTitleTxt", "mgContent", "mgItemTable", "mgItemNumberCell", "mgAiTitleTxt",
             "mgLabel", "mgSectionTitle", "mgSubSubTitleTxt", "mgSubItemTitleTxt", "mgWordPara", "mgLinks"]
_DOC_HREF = re.compile(r"(?:^|/)documents/|\.(?:pdf|docx?|xlsx?|pptx?|odt|rtf|csv)(?:[?#]|$)", re.I)
_FILE_SIZE = re.compile(
    r"\s*\(?\b(?:PDF|DOCX?|XLSX?|PPTX?|ODT|RTF|CSV|HTML?|ZIP)\b,?\s*[\d.,]+\s*(?:bytes|[KMG]B)\)?\s*$", re.I)
_WEEKDAY = (r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday"
            r"|Dydd (?:Llun|Mawrth|Mercher|Iau|Gwener|Sadwrn|Sul))")
# "Cabinet - Thursday, 30th January, 2025 10.00 am" (the meeting page's subtitle)
_MEETING_SUBTITLE = re.compile(rf"^(?P<c>.+?)\s+[-–—]\s+(?P<d>{_WEEKDAY}\b.*|\d.*)$")
# "Agenda for Cabinet on Thursday, 30th January, 2025, 10.00 am" (the meeting page's <title>)
_MEETING_TITLE = re.compile(r"^Agenda (?:and \w+ )?for (?P<c>.+?) on (?P<d>.*\d{4}.*)$", re.I)
_ISSUE_PREFIX = re.compile(r"^Issue(?: details)?(?:\s+-\s+items at meetings)?\s+-\s+", re.I)
# A council's name as a site prints it: "Kent County Council", "Cheshire West and Chester
# Council", "London Borough of Camden", "Cyngor Sir Ddinbych", "City of London Corporation".
_COUNCIL_NAME = re.compile(
    r"^(?:(?:[A-Z][\w'’.&-]*|of|and|upon|on|the|in|&)\s+){0,7}(?:Council|Corporation|Authority)$"
    r"|^(?:(?:London |Royal )?Borough of|City of|County of|Cyngor)"
    r"(?:\s+(?:[A-Z][\w'’.&-]*|of|and|upon|on|the|a)){1,7}$")


def html_to_text(markup: str) -> LoadedText:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(markup, "html.parser")
    fields: tuple[tuple[str, str], ...] = ()
    root = soup
    if _is_moderngov(soup):
        root = _moderngov_root(soup)
        fields = _moderngov_fields(soup, root)
        _drop_site_chrome(root)
        _tidy_moderngov(soup, root, issue=dict(fields).get("doc_type") == "other")
    text = _visible_lines(root)
    return replace(clean_text(text.replace("\n", "\n\n")), kind="html", fields=fields)


# The words a reader sees, a block a line -------------------------------------------------

def _visible_lines(root) -> str:
    for tag in root.find_all(_INVISIBLE):
        if tag.decomposed:
            continue
        if tag.name == "form" and tag.find(["h1", "main", "article"]):
            tag.unwrap()  # an ASP.NET page wraps the whole page, content and all, in one form
        else:
            tag.decompose()
    for tag in root.find_all(True):
        if tag.decomposed:
            continue
        ident = " ".join([tag.get("id") or "", *(tag.get("class") or [])])
        if (ident.strip() and _BANNER.search(ident) or tag.get("aria-hidden") == "true" or tag.get("hidden") is not None
                or tag.get("role") in _CHROME_ROLES):
            tag.decompose()
    for link in root.find_all("a"):
        words = link.get_text(" ", strip=True)
        if _CHROME_LINK.fullmatch(words) or _LONE_CHROME_LINK.fullmatch(words) and _stands_alone(link):
            link.decompose()
    for cell in root.find_all(["td", "th"]):
        cell.insert_after("\t")
    for block in root.find_all(_BLOCKS):
        block.insert_before("\n")
        block.insert_after("\n")
    text = root.get_text()
    text = "\n".join(" ".join(line.split()) if "\t" not in line else line.strip() for line in text.split("\n"))
    return re.sub(r"\n{3,}", "\n\n", text)


def _stands_alone(link) -> bool:
    """No words of a sentence right before or after the link."""
    return not any(isinstance(sib, str) and re.search(r"\w", sib)
                   for sib in (link.previous_sibling, link.next_sibling))


def _text(tag) -> str:
    return " ".join(tag.get_text(" ").split()) if tag is not None else ""


# modern.gov -----------------------------------------------------------------------------

def _is_moderngov(soup) -> bool:
    if soup.find(id="modgov") is not None:
        return True
    return sum(soup.find(class_=mark) is not None for mark in _MG_MARKS) >= 2


def _moderngov_root(soup):
    """modern.gov's block (#modgov), else the smallest element holding its title and content."""
    if (block := soup.find(id="modgov")) is not None:
        return block
    marks = [m for m in (soup.find(class_=c) for c in ("mgMainTitleTxt", "mgSubTitleTxt", "mgContent", "mgItemTable"))
             if m is not None]
    if not marks:
        return soup.body or soup
    held = [{id(m), *(id(p) for p in m.parents)} for m in marks]
    for node in [marks[0], *marks[0].parents]:
        if all(id(node) in h for h in held):
            return node
    return soup.body or soup


def _page_kind(main_title: str, root) -> str | None:
    title = main_title.lower()
    if title.startswith("issue"):
        return "issue"
    if title.startswith("decision"):
        return "decision"
    if title.startswith("agenda") or root.find(class_="mgItemNumberCell") is not None:
        return "meeting"
    return None


def _moderngov_fields(soup, root) -> tuple[tuple[str, str], ...]:
    main_title = _text(root.find(class_="mgMainTitleTxt") or root.find("h1"))
    subtitle = _text(root.find(class_="mgSubTitleTxt"))
    page_title = _text(soup.find("title"))
    labels = _labels(root)
    found: dict[str, str | None] = {"council": _council(soup, page_title)}
    kind = _page_kind(main_title or page_title, root)
    if kind == "meeting":
        in_title = _strip_council(page_title, found["council"])
        for m in (_MEETING_SUBTITLE.match(subtitle), _MEETING_TITLE.match(in_title)):
            if m and parse_date(m.group("d")):
                found["committee"], found["date"] = m.group("c").strip(), parse_date(m.group("d"))
                break
        found["title"] = f"{main_title}: {subtitle}" if main_title and subtitle else main_title or subtitle or None
        minuted = any(_text(t).lower().startswith(("minutes", "cofnodion"))
                      for t in root.find_all(class_="mgSubItemTitleTxt"))
        found["doc_type"] = "minutes" if minuted else "agenda"
    elif kind == "decision":
        maker = labels.get("decision maker")
        if maker is None and (at := labels.get("decided at meeting")) and " - " in at:
            maker = at.split(" - ", 1)[1]
        found["committee"] = maker
        found["date"] = parse_date(labels.get("date of decision") or "")
        found["title"] = subtitle or None
        found["doc_type"] = "decision"
    elif kind == "issue":
        found["title"] = _ISSUE_PREFIX.sub("", subtitle) or None
        found["doc_type"] = "other"
    else:
        found["title"] = subtitle or main_title or None
    return tuple((k, v) for k, v in found.items() if v)


def _labels(root) -> dict[str, str]:
    """modern.gov's "Label: value" lines (``<span class="mgLabel">``), by lower-case label."""
    from bs4 import Tag

    out: dict[str, str] = {}
    for span in root.find_all(class_="mgLabel"):
        label = _text(span).rstrip(": ").lower()
        words = []
        for sib in span.next_siblings:  # up to the next label or line break
            if isinstance(sib, Tag) and (sib.name in ("br", "p", "div", "ul", "table")
                                         or "mgLabel" in sib.get("class", [])):
                break
            words.append(sib.get_text(" ") if isinstance(sib, Tag) else str(sib))
        value = " ".join(" ".join(words).split()).strip(" :")
        if label and value and label not in out:
            out[label] = value
    return out


def _council(soup, page_title: str) -> str | None:
    """The council's name as the site prints it: in the <title> ("... | Kent County Council"),
    its site name, or its header (the logo's text)."""
    parts = [p.strip() for p in re.split(r"\s+[|–—-]\s+", page_title) if p.strip()]
    candidates = parts[-1:] + parts[:1] if len(parts) > 1 else []
    site = soup.find("meta", attrs={"property": "og:site_name"})
    if site is not None:
        candidates.append(site.get("content") or "")
    for header in soup.find_all(lambda t: t.name == "header" or t.get("role") == "banner"):
        candidates += [img.get("alt") or "" for img in header.find_all("img")]
        candidates += list(header.stripped_strings)
    for c in candidates:
        c = re.sub(r"\s+(?:logo|home ?page|home)$", "", " ".join(c.split()), flags=re.I)
        if _COUNCIL_NAME.match(c):
            return c
    return None


def _strip_council(page_title: str, council: str | None) -> str:
    parts = [p.strip() for p in re.split(r"\s+[|–—]\s+", page_title)]
    return " ".join(p for p in parts if p != council)


def _drop_site_chrome(root) -> None:
    """The council's own header, sidebars and modern.gov's navigation links."""
    for tag in root.find_all(["header", "aside"]):
        if not tag.decomposed and tag.find(class_=_MG_MARKS) is None:
            tag.decompose()
    for tag in root.find_all(class_="mgActionList"):  # "View the background to item 4."
        tag.decompose()
    for panel in root.find_all(class_="mgLinks"):
        if panel.decomposed:
            continue
        for link in panel.find_all("a"):
            if not _DOC_HREF.search(link.get("href") or ""):
                (link.find_parent("li") or link).decompose()
        if not _text(panel):
            panel.decompose()


def _tidy_moderngov(soup, root, issue: bool) -> None:
    for size in root.find_all(class_="mgFileSize"):
        size.decompose()
    for link in root.find_all("a"):
        if _DOC_HREF.search(link.get("href") or "") and _FILE_SIZE.search(_text(link)):
            link.string = _FILE_SIZE.sub("", _text(link))
    items = root.find(class_="mgItemTable")
    for docs in root.find_all("ul", class_="mgBulletList"):
        line = _documents_on_one_line(soup, docs)
        if line is not None and items is not None and line.find_parent(class_="mgItemTable") is None \
                and line.find_previous(class_="mgItemTable") is not None:
            items.insert_before(line.extract())  # the meeting's own papers head it, not its last item
    for cell in root.find_all(class_="mgItemNumberCell"):
        _item_line(soup, cell, issue)


def _documents_on_one_line(soup, docs):
    """A list of document links becomes one line under its label: "Supporting documents:
    Report - Budget 2025-26; Appendix 1". Alone on a line, "Minutes" or "Appendix 1" would
    read as the start of another paper."""
    items = docs.find_all("li", recursive=False)
    links = [li.find("a") for li in items]
    if not items or any(a is None or not _DOC_HREF.search(a.get("href") or "") or _text(a) != _text(li)
                        for a, li in zip(links, items)):
        return None
    line = "; ".join(_text(a) for a in links)
    label = docs.find_previous_sibling()
    if label is not None and label.name in ("p", "h2", "h3", "h4", "div") and len(_text(label)) <= 40 \
            and not label.find(["p", "div", "ul", "table"]):
        line = f"{_text(label).rstrip(': ')}: {line}"
        label.decompose()
    para = soup.new_tag("p")
    para.string = line
    docs.replace_with(para)
    return para


def _item_line(soup, cell, issue: bool) -> None:
    """An agenda item's row becomes "N. Title" and then its text, decision and minutes,
    one block, so the item is one unit of the paper."""
    row = cell.find_parent("tr")
    number = _text(cell)
    if row is None:
        return
    body = [td for td in row.find_all(["td", "th"], recursive=False) if td is not cell]
    title_tag = next((t for td in body for t in td.find_all(class_="mgAiTitleTxt")), None)
    title = _FILE_SIZE.sub("", _text(title_tag))
    if re.fullmatch(r"\d{1,3}[a-z]?", number):
        number += "."
    heading = row.find_previous(class_="mgSectionTitle") if issue else None
    if heading is not None and re.search(rf"\(Item {re.escape(number.rstrip('.'))}\)", _text(heading)):
        number = ""  # the meeting's heading already says "(Item 7)"
    para = soup.new_tag("p")
    para.string = f"{number} {title}".strip()
    if title_tag is not None:
        title_tag.replace_with(para)
    elif body:
        body[0].insert(0, para)
    cell.decompose()
    table = row.find_parent("table")
    for tag in [row, *body]:
        tag.name = "div"  # an item is a block of text, not a table row of tab-separated cells
    if table is not None and "mgItemTable" in (table.get("class") or []):
        for tr in table.find_all("tr"):
            if tr.find_parent("table") is table and not tr.find("td"):
                tr.decompose()  # the "No. / Item" header row
