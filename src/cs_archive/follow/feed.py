"""A saved search as an Atom feed (RFC 4287): one entry per new passage, with its citation, its
text and links back to the paper (at the passage) and to the search. Served by the app at
``/feeds/TOKEN.atom`` (``web.py``); built with the standard library."""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from urllib.parse import urlencode

from ..models import NOT_FOR_PUBLICATION
from ..render import safe_url
from .store import FILTER_KEYS, Follow, News, feed_url

ATOM = "http://www.w3.org/2005/Atom"
FEED_ENTRIES = 100  # the newest passages a feed holds
# Characters XML 1.0 cannot hold at all (a PDF's form feeds, lone surrogates): left out.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def search_url(base: str, follow: Follow) -> str:
    """The app's search page for this saved search (CONTRACT.md, *The UI's address*)."""
    return f"{base}/?" + urlencode({"q": follow.query, **{k: follow.filters[k] for k in FILTER_KEYS
                                                          if follow.filters.get(k)}})


def paper_url(base: str, hit: dict) -> str:
    """The app's paper page, opened at the passage."""
    return f"{base}/paper?" + urlencode({"doc": hit["doc_id"], "at": hit["chunk_id"]})


def atom(follow: Follow, news: list[News], base: str) -> bytes:
    """The feed's XML, UTF-8, newest entry first."""
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed")
    _text(feed, "id", f"urn:cs-archive:follow:{follow.uid}")
    _text(feed, "title", f"cs-archive: {follow.name}")
    _text(feed, "subtitle", f"New passages in council papers for “{follow.query}”")
    _text(feed, "updated", news[0].first_seen if news else follow.created)
    _link(feed, feed_url(base, follow), "self", "application/atom+xml")
    _link(feed, search_url(base, follow), "alternate", "text/html")
    author = ET.SubElement(feed, f"{{{ATOM}}}author")
    _text(author, "name", "cs-archive")
    for n in news[:FEED_ENTRIES]:
        entry = ET.SubElement(feed, f"{{{ATOM}}}entry")
        _text(entry, "id", f"urn:cs-archive:follow:{follow.uid}:{n.hit['chunk_id']}")
        _text(entry, "title", n.citation())
        _text(entry, "updated", n.first_seen)
        _text(entry, "published", n.first_seen)
        _link(entry, paper_url(base, n.hit), "alternate", "text/html")
        _link(entry, search_url(base, follow), "related", "text/html")
        if safe_url(n.hit.get("url")):  # the paper as the council published it
            _link(entry, safe_url(n.hit["url"]), "via", "text/html")
        _text(entry, "summary", n.citation())
        content = _text(entry, "content", (f"{NOT_FOR_PUBLICATION}.\n\n" if n.exempt else "") + n.hit["text"])
        content.set("type", "text")
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)


def _text(parent: ET.Element, tag: str, text: str) -> ET.Element:
    e = ET.SubElement(parent, f"{{{ATOM}}}{tag}")
    e.text = _NOT_XML.sub("", text or "")
    return e


def _link(parent: ET.Element, href: str, rel: str, kind: str | None) -> None:
    e = ET.SubElement(parent, f"{{{ATOM}}}link", {"href": _NOT_XML.sub("", href), "rel": rel})
    if kind:
        e.set("type", kind)
