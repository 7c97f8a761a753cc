"""Pieces every page shares: the archive and model (loaded once), plain errors, the card."""
from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

import streamlit as st

from .. import explore
from ..config import model_name, shown, store_location
from ..index.base import ArchiveReader
from ..index import generation_of, open_archive
from ..index.store import ArchiveError, ArchiveMissing
from ..models import NOT_FOR_PUBLICATION, Hit, long_date
from ..render import esc, esc_attr, esc_line, passage_html, safe_url, table_columns
from . import auth, warm

PAGES: dict[str, st.Page] = {}  # filled by app.py: "search", "paper", "meetings", ...

# Streamlit's default grey caption (#808495 on white) fails WCAG AA contrast. Darker greys,
# a visible focus ring.
CSS = """
<style>
[data-testid="stCaptionContainer"], [data-testid="stCaptionContainer"] p { color: #4a4f5c !important; }
mark { background: #ffe45c; color: #111; padding: 0 .1em; }
.csa-passage { line-height: 1.55; border-left: 4px solid #5a6472; padding: .1em 0 .1em .8em; white-space: pre-wrap; tab-size: 6; }
.csa-table { white-space: normal; border-collapse: collapse; margin: .3em 0; font-variant-numeric: tabular-nums; }
.csa-table caption { text-align: left; font-weight: 600; }
.csa-table th, .csa-table td { border-bottom: 1px solid #d0d4d9; padding: .1em .6em; text-align: right; }
.csa-table th:first-child, .csa-table td:first-child { text-align: left; }
.csa-note { color: #3d4350; font-size: .9em; }
.csa-cited { background: #fff7cc; border-left: 6px solid #9a6700; }
.csa-tags { color: #3d4350; font-size: .92em; }
.csa-weak { color: #8a3b00; font-weight: 600; }
.csa-ocr { color: #8a3b00; font-size: .92em; }
a:focus-visible, button:focus-visible, [tabindex]:focus-visible { outline: 3px solid #1a5fb4 !important; outline-offset: 2px; }
</style>
"""


class PageError(Exception):
    """Shown as one sentence; ``advice`` says what to do."""

    def __init__(self, message: str, advice: str = ""):
        super().__init__(message)
        self.advice = advice


def setup() -> None:
    st.html(CSS)


@st.cache_resource(show_spinner=False, max_entries=4)
def _open(location: str, generation: str, exempt: bool) -> ArchiveReader:
    return open_archive(location, exempt=exempt)


def viewer():
    """Whoever is using the app now (``access.Viewer``: their role, and who they are when signed in)."""
    return auth.viewer()


def sees_exempt() -> bool:
    """Whether this page shows papers marked exempt from publication: the viewer's role allows
    it and they have switched it on (``exempt_switch``); off until they do."""
    return viewer().role.sees_exempt and bool(st.session_state.get("w_exempt"))


def exempt_switch() -> None:
    """For members and clerks, in the sidebar: the switch that shows papers not for publication."""
    if viewer().role.sees_exempt:
        st.sidebar.toggle(f"Show papers “{NOT_FOR_PUBLICATION.lower()}”", key="w_exempt",
                          help="Papers marked exempt from publication (Schedule 12A). Each is marked "
                               f"“{NOT_FOR_PUBLICATION}” wherever it is shown; do not share them.")


def clerk_only(what: str) -> bool:
    """True when the viewer may change the archive; else a one-line note that ``what`` is for clerks."""
    if viewer().role.can_edit:
        return True
    note(f"{what} is for the archive's clerks. This archive is read-only for you.")
    return False


@st.cache_resource(show_spinner="Loading the language model (once)…")
def _embedder(name: str):
    return warm.embedder(name)  # loading since the app's first run (warm.start in app.py)


def location() -> Path | str:
    """Where the archive is: $CS_ARCHIVE_STORE (a folder, faiss:///PATH or postgresql://…),
    else $CS_ARCHIVE_INDEX, else ./index (as the CLI without options)."""
    return store_location(None, None)


def archive(exempt: bool | None = None) -> ArchiveReader:
    """The current generation of the archive as this viewer may read it (papers marked exempt
    only when ``sees_exempt``: the reader withholds them otherwise), opened once per generation.
    ``exempt=False``: the public's reader, for work done outside any visitor's session."""
    where = location()
    exempt = sees_exempt() if exempt is None else exempt
    try:
        if isinstance(where, Path):  # a folder: each generation is a reader of its own
            a = _open(str(where), generation_of(where), exempt)
        else:  # PostgreSQL: one reader (and its pool of connections) reads the live archive
            a = _open(where, "live", exempt)
            if a.manifest.generation != a.generation():
                a.refresh()
        a.check_model(model_name())
        return a
    except ArchiveMissing:
        raise PageError(f"There is no archive at {shown(where)} yet.",
                        "Add papers on the “Add papers” page, or build the sample archive with `make index`.") from None
    except ArchiveError as e:
        raise PageError(f"The archive at {shown(where)} cannot be opened: {e}.",
                        "Rebuild it with `cs-archive ingest PATH --rebuild`, or ask whoever maintains it.") from None


def embedder():
    return _embedder(model_name())


def generation() -> str:
    try:
        return generation_of(location())
    except ArchiveError:
        return ""


@contextmanager
def plain_errors():
    """Whatever goes wrong on a page is one plain sentence and what to do, never a traceback."""
    try:
        yield
    except PageError as e:
        st.error(str(e) + (f" {e.advice}" if e.advice else ""))
    except st.errors.StreamlitAPIException:
        raise
    except Exception as e:  # noqa: BLE001 — the user sees a sentence, the log keeps the detail
        import logging

        logging.getLogger("cs_archive.ui").exception("page failed")
        st.error(f"Something went wrong: {type(e).__name__}: {esc(str(e))}. Reload the page; if it happens again, "
                 "run `cs-archive check` and tell whoever maintains the archive.")


def paper_link(hit_or_doc, at: str | None = None, label: str = "Open the whole paper") -> None:
    """A link to the paper page; ``label`` is plain text (it may hold a title), escaped here."""
    doc = hit_or_doc if isinstance(hit_or_doc, str) else hit_or_doc.doc_id
    params = {"doc": doc}
    if at:
        params["at"] = at
    if "paper" in PAGES:
        st.page_link(PAGES["paper"], label=esc_line(label), query_params=params)


def published_html(url: str | None) -> str:
    """A link to the paper as published (empty when there is no safe address)."""
    if not safe_url(url):
        return ""
    return (f'<a href="{esc_attr(safe_url(url))}" target="_blank" rel="noopener noreferrer">'
            "Published paper on the council website</a>")


def published_link(url: str | None) -> None:
    if safe_url(url):
        st.markdown(published_html(url), unsafe_allow_html=True)


def note(text: str) -> None:
    """Small explanatory text, dark enough to read (Streamlit's caption grey is too light)."""
    st.markdown(f"<span class='csa-note'>{esc(text)}</span>", unsafe_allow_html=True)


# A passage whose text was read by OCR from a scanned page (``Hit.ocr``) may hold misread words.
OCR_NOTE = "Scanned page: text read by OCR, check the original"


def ocr_line(hit: Hit) -> str:
    """The scanned-page note for a passage read by OCR (empty for any other)."""
    return f"<div class='csa-ocr'>{esc(OCR_NOTE)}</div>" if hit.ocr else ""


def tags_line(hit: Hit, link: bool = False) -> str:
    bits = [f"Type: {esc(hit.doc_type)}"]
    if hit.topics:
        bits.append("Topics: " + esc(", ".join(hit.topics)))
    if hit.council:
        bits.append(esc(hit.council))
    if link and published_html(hit.url):
        bits.append(published_html(hit.url))
    return "<div class='csa-tags'>" + " · ".join(bits) + "</div>"


def show_passage(slot, hit: Hit) -> None:
    """The passage as printed, its best sentences (``hit.highlights``) marked, into ``slot``."""
    columns = table_columns(hit.heading, hit.part)
    slot.markdown(f"<div class='csa-passage'>{passage_html(hit.text, hit.highlights, columns)}</div>",
                  unsafe_allow_html=True)


# The citation a clerk pastes, with a button that copies it. Not `st.code`: its copy button
# comes with Streamlit's syntax highlighter, 1.5 MB of JavaScript the browser would load and
# run before the first page settles. This is a few lines in the page itself (a components v2
# element: no iframe). The clipboard API needs a secure page (https or localhost); elsewhere
# the button falls back to selecting the text and the browser's copy command.
_COPY_HTML = """<div class="cite"><span class="label">Citation to copy:</span>
<span class="text"></span><button type="button">Copy citation</button>
<span class="done" role="status" aria-live="polite"></span></div>"""
_COPY_CSS = """
.cite { display: flex; flex-wrap: wrap; align-items: center; gap: .25rem .6rem; font-size: .92rem;
        font-family: var(--st-font, sans-serif); color: #2b2f38; }
.label { color: #3d4350; }
.text { font-family: var(--st-code-font, monospace); background: #f0f2f6; padding: .15rem .45rem;
        border-radius: .3rem; user-select: all; overflow-wrap: anywhere; }
button { font: inherit; font-size: .85rem; color: #1f2329; background: #fff; border: 1px solid #5a6472;
         border-radius: .4rem; padding: .15rem .6rem; cursor: pointer; }
button:hover { border-color: #1a5fb4; color: #1a5fb4; }
button:focus-visible { outline: 3px solid #1a5fb4; outline-offset: 2px; }
.done { color: #1e6b34; }
"""
_COPY_JS = """
export default function ({ data, parentElement }) {
  const citation = data.citation, text = parentElement.querySelector(".text"),
        button = parentElement.querySelector("button"), done = parentElement.querySelector(".done");
  text.textContent = citation;
  button.onclick = async () => {
    let ok = false;
    try { await navigator.clipboard.writeText(citation); ok = true; } catch (e) {
      const range = document.createRange(); range.selectNodeContents(text);
      const sel = window.getSelection(); sel.removeAllRanges(); sel.addRange(range);
      try { ok = document.execCommand("copy"); } catch (e2) { ok = false; }
    }
    done.textContent = ok ? "Copied" : "Selected: press Ctrl+C to copy";
    setTimeout(() => { done.textContent = ""; }, 2500);
  };
}
"""
_copy_box = None


def copy_citation(text: str, key: str) -> None:
    """The citation as text, and a button that copies it to the clipboard."""
    global _copy_box
    if _copy_box is None:
        _copy_box = st.components.v2.component("csa_copy_citation", html=_COPY_HTML, css=_COPY_CSS, js=_COPY_JS)
    # A dict, not the bare string: Streamlit would ask pandas whether a string is a table.
    _copy_box(data={"citation": text}, key=key)


def card(hit: Hit, show_tools: bool = True):
    """One result: citation, the passage as printed with its best sentences marked, tags,
    copy-able citation, links, and (on demand) context and earlier papers. Returns the
    passage's placeholder, for ``show_passage`` to mark highlights that arrive later."""
    # Few elements, since each costs the browser time on the first page: title, tags and the
    # published paper's link are one block of markdown, and the expanders fill when opened
    # (a rerun). Drawn hidden, their passages were most of the page's elements.
    with st.container(border=True):
        weak = " <span class='csa-weak'>(weak match)</span>" if not hit.confident else ""
        st.markdown(f"**{hit.rank}. {esc(hit.citation())}**{weak}\n\n{tags_line(hit, link=show_tools)}"
                    f"{ocr_line(hit)}", unsafe_allow_html=True)
        passage = st.empty()
        show_passage(passage, hit)
        copy_citation(hit.citation(), key=f"csa-cite-{hit.chunk_id}")
        if not show_tools:
            return passage
        paper_link(hit, at=hit.chunk_id)
        context = st.expander("Show context: the paragraphs around it", key=f"w_ctx_{hit.chunk_id}",
                              on_change="rerun")
        if context.open:
            with context:
                _show_context(hit)
        earlier = st.expander("Earlier papers: what was said before", key=f"w_before_{hit.chunk_id}",
                              on_change="rerun")
        if earlier.open:
            with earlier:
                _show_earlier(hit)
    return passage


def _show_context(hit: Hit) -> None:
    for n in context_of(hit.chunk_id):
        cited = " csa-cited" if n.chunk_id == hit.chunk_id else ""
        label = n.citation().split(" · ", 3)[-1] if n.section or n.heading else "passage"
        st.markdown(f"<div class='csa-passage{cited}'><strong>{esc(label)}</strong><br>{ocr_line(n)}"
                    f"{passage_html(n.text, columns=table_columns(n.heading, n.part))}</div>", unsafe_allow_html=True)


def _show_earlier(hit: Hit) -> None:
    if not hit.date:
        st.write("This paper has no meeting date, so nothing can be placed before it. "
                 "A clerk can add the date on the Documents page.")
        return
    before = earlier_of(hit.chunk_id)
    if not before:
        st.write(f"Nothing similar in papers of meetings before {long_date(hit.date)}.")
    for b in before:
        st.markdown(f"**{esc(b.citation())}**\n\n{ocr_line(b)}", unsafe_allow_html=True)
        st.markdown(f"<div class='csa-passage'>{passage_html(b.text, columns=table_columns(b.heading, b.part))}</div>",
                    unsafe_allow_html=True)
        paper_link(b, at=b.chunk_id, label=f"Open this {long_date(b.date)} paper")


@st.cache_data(show_spinner=False, max_entries=2000)
def _context(folder: str, gen: str, chunk_id: str) -> list[Hit]:
    return explore.context(archive(), chunk_id, n=1)


@st.cache_data(show_spinner=False, max_entries=2000)
def _earlier(folder: str, gen: str, chunk_id: str) -> list[Hit]:
    return explore.earlier(archive(), chunk_id, k=4, include_exempt=True)  # as the reader allows


def context_of(chunk_id: str) -> list[Hit]:
    return _context(*archive_key(archive()), chunk_id)


def earlier_of(chunk_id: str) -> list[Hit]:
    return _earlier(*archive_key(archive()), chunk_id)


def archive_key(a: ArchiveReader) -> tuple[str, str]:
    """What identifies what a reader shows, for caching: the archive's place and generation
    (with the time it was written, in case it was wiped and rebuilt from the first generation)
    and whether the reader shows papers marked exempt (a cache shared by every visitor must
    never hand a member's results to the public)."""
    where = str(a.folder.resolve()) if isinstance(a.folder, Path) else str(a.folder)
    return where, f"{a.manifest.generation}@{a.manifest.updated}" + ("+exempt" if a.exempt else "")

