"""Safe HTML for passages shown in the UI. Paper text is untrusted: it is escaped as HTML and
as markdown, so `<script>`, `<img onerror=…>`, links and images in a paper render as text."""
from __future__ import annotations

import html
import re

_MARKDOWN = str.maketrans({c: f"&#{ord(c)};" for c in "*_[]`#\\~|!$<>"} | {"\n": "<br>"})
_MD_PLAIN = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~$])")


def esc(text: str | None) -> str:
    """Escape HTML (&, <, >), then markdown's own characters, each in one pass."""
    return html.escape(text or "", quote=False).translate(_MARKDOWN)


def esc_attr(text: str | None) -> str:
    """For an HTML attribute value (quotes escaped too)."""
    return html.escape(text or "", quote=True)


def esc_markdown(text: str | None) -> str:
    """For plain markdown files (exports): backslash before every markdown character, and
    HTML's own characters as entities, so a pasted export renders the text as printed."""
    return _MD_PLAIN.sub(r"\\\1", (text or "").replace("&", "&amp;"))


def safe_url(url: str | None) -> str | None:
    """A link target only when it is http(s); `javascript:` and friends are dropped."""
    if url and re.match(r"https?://[^\s<>\"']+$", url.strip(), re.I):
        return url.strip()
    return None


def passage_html(text: str, highlights: tuple[str, ...] | list[str] = ()) -> str:
    """The passage, escaped, with its best sentences marked."""
    body = esc(text)
    for s in highlights:
        e = esc(s)
        if e and e in body:
            body = body.replace(e, f"<mark>{e}</mark>", 1)
    return body
