"""Council web pages (decision and minutes pages): the visible words only.

Scripts, styles, navigation, cookie banners and forms go; block elements become lines so
the paper's own numbering still starts a line.
"""
from __future__ import annotations

import re
from dataclasses import replace

from ..models import LoadedText
from .text import clean_text

_INVISIBLE = ["script", "style", "noscript", "template", "svg", "iframe", "head", "nav", "footer", "form", "button"]
_BANNER = re.compile(r"cookie|consent|gdpr|banner|skip-?link|breadcrumb", re.I)
_BLOCKS = ["p", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "br", "table", "section", "article",
           "ul", "ol", "dt", "dd", "blockquote", "pre", "header", "main"]


def html_to_text(markup: str) -> LoadedText:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(markup, "html.parser")
    for tag in soup.find_all(_INVISIBLE):
        tag.decompose()
    for tag in soup.find_all(True):
        if tag.decomposed:
            continue
        ident = " ".join([tag.get("id") or "", *(tag.get("class") or [])])
        if ident.strip() and _BANNER.search(ident) or tag.get("aria-hidden") == "true" or tag.get("hidden") is not None:
            tag.decompose()
    for cell in soup.find_all(["td", "th"]):
        cell.insert_after("\t")
    for block in soup.find_all(_BLOCKS):
        block.insert_before("\n")
        block.insert_after("\n")
    text = soup.get_text()
    text = "\n".join(" ".join(line.split()) if "\t" not in line else line.strip() for line in text.split("\n"))
    text = re.sub(r"\n{3,}", "\n\n", text)
    return replace(clean_text(text.replace("\n", "\n\n")), kind="html")
