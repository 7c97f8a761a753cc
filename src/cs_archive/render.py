"""Untrusted text made safe where it is shown or saved. Paper text and metadata (a title can be
typed on the Documents page, or come from a manifest) are escaped as HTML and as markdown, so
`<script>`, `<img onerror=…>`, links and images render as text; a spreadsheet cell cannot start
a formula."""
from __future__ import annotations

import html
import re

_MARKDOWN = str.maketrans({c: f"&#{ord(c)};" for c in "*_[]`#\\~|!$<>"} | {"\n": "<br>"})
_MD_PLAIN = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~$])")


def esc(text: str | None) -> str:
    """Escape HTML (&, <, >), then markdown's own characters, each in one pass."""
    return html.escape(text or "", quote=False).translate(_MARKDOWN)


def esc_line(text: str | None) -> str:
    """Metadata for one line of markdown (a title, header, expander or link label): escaped, and
    its line breaks made spaces, so it can neither start a block nor leave raw HTML in a label."""
    return esc(" ".join((text or "").split()))


_PLAIN_NAME = re.compile(r"[\w .,'()-]+")


def esc_name(name: str) -> str:
    """A file name for a label: kept as typed when it is only letters, digits, `_`, spaces and
    `.,'()-` (no link, image or HTML can be made of those), else escaped like any metadata."""
    return name if _PLAIN_NAME.fullmatch(name) else esc_line(name)


def esc_attr(text: str | None) -> str:
    """For an HTML attribute value (quotes escaped too)."""
    return html.escape(text or "", quote=True)


def esc_markdown(text: str | None) -> str:
    """For plain markdown files (exports): backslash before every markdown character, and
    HTML's own characters as entities, so a pasted export renders the text as printed."""
    return _MD_PLAIN.sub(r"\\\1", (text or "").replace("&", "&amp;"))


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_cell(value: object) -> object:
    """A CSV cell a spreadsheet shows as text: one that starts with = + - @ tab or carriage
    return would be run as a formula (`=HYPERLINK(…)`, `=cmd|…`), so it gets a leading quote
    (OWASP's rule). Numbers and booleans stay as they are."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def safe_url(url: str | None) -> str | None:
    """A link target only when it is http(s); `javascript:` and friends are dropped."""
    if url and re.match(r"https?://[^\s<>\"']+$", url.strip(), re.I):
        return url.strip()
    return None


def passage_html(text: str, highlights: tuple[str, ...] | list[str] = (), columns: str = "") -> str:
    """The passage, escaped, with its best sentences marked and its tables drawn as tables
    (``chunking.tables.blocks_of``; ``columns``: see ``table_columns``)."""
    from .chunking.tables import blocks_of

    out = []
    for block in blocks_of(text, columns):
        if drawable(block):
            out.append(_table_html(block))
            continue
        body = esc(block.text)
        for s in highlights:
            e = esc(s)
            if e and e in body:
                body = body.replace(e, f"<mark>{e}</mark>", 1)
        out.append(body)
    return "<br>".join(out)


def drawable(block) -> bool:
    """A table worth drawing as one: rows with a name or several figures. A table pypdf read a
    cell to a line comes back as a column of lone figures, shown as printed instead."""
    return block.kind == "table" and any(r[0] or len(r) > 2 for r in block.rows)


def _table_html(block) -> str:
    """One line of HTML (the passage is shown with its line breaks kept), every cell escaped."""
    width = max(len(r) for r in block.rows)
    cells = lambda row, tag: "".join(f"<{tag}>{esc(c)}</{tag}>" for c in row + ("",) * (width - len(row)))  # noqa: E731
    caption = f"<caption>{esc_line(block.caption)}</caption>" if block.caption else ""
    # A column with no heading (the rows' names, where only the figures are headed) gets an
    # empty cell, not an empty <th>: a header cell with no text is announced as nothing.
    heads = "".join(f"<th>{esc(h)}</th>" if h.strip() else "<td></td>" for h in block.header)
    head = f"<thead><tr>{heads}</tr></thead>" if block.header else ""
    rows = "".join(f"<tr>{cells(r, 'td')}</tr>" for r in block.rows)
    return f"<table class='csa-table'>{caption}{head}<tbody>{rows}</tbody></table>"


def table_columns(heading: str | None, part: int | None) -> str:
    """The column headers a later part of a long table carries at the end of its heading path
    (the chunker puts them there), for ``passage_html`` and exports; "" for any other passage."""
    return heading.rsplit(" > ", 1)[-1] if heading and part and part > 1 else ""
