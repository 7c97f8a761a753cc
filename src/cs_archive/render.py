"""Safe HTML for passages shown in the UI. Paper text is untrusted: it is escaped as HTML and
as markdown, so `<script>`, `<img onerror=…>`, links and images in a paper render as text."""
from __future__ import annotations

import html

_MARKDOWN = str.maketrans({c: f"&#{ord(c)};" for c in "*_[]`#\\~|!$<>"} | {"\n": "<br>"})


def esc(text: str | None) -> str:
    """Escape HTML (&, <, >), then markdown's own characters, each in one pass."""
    return html.escape(text or "", quote=False).translate(_MARKDOWN)


def passage_html(text: str, highlights: tuple[str, ...] | list[str] = ()) -> str:
    """The passage, escaped, with its best sentences marked."""
    body = esc(text)
    for s in highlights:
        e = esc(s)
        if e and e in body:
            body = body.replace(e, f"<mark>{e}</mark>", 1)
    return body
