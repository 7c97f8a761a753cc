"""One paper: every passage in reading order, scrolled to and marking the cited one; for a
PDF, the original file at the cited page (through the app's checked, expiring link:
``originals.py``) and a download. Passages read by OCR from scanned pages are marked, and their
pages can be seen as images above the text. A paper marked exempt is found only by a viewer
whose reader holds it (``common.archive``), and is marked "Not for publication" at the top.

Address: ``/paper?doc=DOC_ID&at=CHUNK_ID``.
"""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import streamlit as st

from ... import explore
from ...models import NOT_FOR_PUBLICATION, long_date
from ...render import esc, esc_line, esc_name, passage_html, table_columns
from .. import common, originals


def render() -> None:
    common.setup()
    with common.plain_errors():
        archive = common.archive()
        doc = st.query_params.get("doc", "")
        at = st.query_params.get("at", "")
        info = explore.paper_info(archive, doc) if doc else None
        if info is None:
            st.title("Read a paper")
            if doc:
                st.warning("That paper is not in the archive any more (it may have been removed or replaced). "
                           "Pick one below, or search again.")
            _chooser(archive)
            return
        _paper(archive, info, at)


def _chooser(archive) -> None:
    papers = explore.papers(archive)
    if not papers:
        st.write("The archive has no papers yet. Add some on the “Add papers” page.")
        return
    label = lambda p: f"{p.committee or 'Unknown committee'} · {long_date(p.date)} · {p.title or 'Untitled'}"  # noqa: E731
    choice = st.selectbox("Paper", papers, format_func=label, index=None, placeholder="Choose a paper")
    if choice is not None:
        st.query_params.from_dict({"doc": choice.doc_id})
        st.rerun()


def _paper(archive, info: explore.PaperInfo, at: str) -> None:
    passages = explore.paper_passages(archive, info.doc_id)
    cited = next((p for p in passages if p.chunk_id == at), None)
    st.title(esc_line(info.title or "Untitled paper"))
    st.markdown(esc(" · ".join(x for x in (info.committee or "Unknown committee", long_date(info.date),
                                            info.council, info.doc_type) if x)), unsafe_allow_html=True)
    if info.exempt:
        st.error(f"**{NOT_FOR_PUBLICATION}.** This paper is marked exempt from publication "
                 "(Schedule 12A, Local Government Act 1972): do not share it or quote it in public.")
    common.published_link(info.url)
    source = Path(info.path)
    is_pdf = source.suffix.lower() == ".pdf"
    if source.is_file():
        st.download_button(f"Download the original file ({esc_name(source.name)})", source.read_bytes(),
                           file_name=source.name, mime="application/pdf" if is_pdf else "text/plain",
                           on_click="ignore")
    else:
        common.note(f"The original file ({source}) is not on this computer, so only the archived text is shown.")
    if cited:
        st.info(f"The cited passage is {esc(cited.citation().split(' · ', 3)[-1])}; it is marked below.")
    if is_pdf and source.is_file():
        text_tab, pdf_tab = st.tabs(["Text in reading order", f"Original PDF{_page_word(cited)}"])
        with pdf_tab:
            _pdf(info, cited.page if cited else None)
        with text_tab:
            _scanned_pages(source, info, passages, cited)
            _text(passages, cited)
    else:
        _text(passages, cited)


def _page_word(cited) -> str:
    return f" (page {cited.page})" if cited and cited.page else ""


def _text(passages, cited) -> None:
    parts, last_heading = [], None
    for p in passages:
        top = p.heading.split(" > ")[0] if p.heading else ""
        if top and top != last_heading:
            parts.append(f"<h2 style='margin-top:1.2em;font-size:1.3rem'>{esc(top)}</h2>")
            last_heading = top
        mark = p.chunk_id == (cited.chunk_id if cited else None)
        cls = "csa-passage csa-cited" if mark else "csa-passage"
        label = "<strong>Cited passage</strong><br>" if mark else ""
        label += common.ocr_line(p)
        page = f"<span class='csa-tags'> (p. {p.page})</span>" if p.page else ""
        parts.append(f"<div id='passage-{_anchor(p)}' class='{cls}' "
                     f"style='margin:.6em 0'>{label}{passage_html(p.text, columns=table_columns(p.heading, p.part))}{page}</div>")
    st.html("".join(parts) or "<p>This paper has no text in the archive.</p>")
    if cited:
        anchor = _anchor(cited)
        st.html(f"""<script>
          (function go(n) {{
            var el = document.getElementById('passage-{anchor}');
            if (el) {{ el.scrollIntoView({{block: 'center'}}); }} else if (n > 0) {{ setTimeout(function() {{ go(n - 1); }}, 150); }}
          }})(20);
        </script>""", unsafe_allow_javascript=True)


def _scanned_pages(source: Path, info: explore.PaperInfo, passages, cited) -> None:
    """For a PDF with passages read by OCR, the page they stand on as an image, drawn when a
    clerk picks it (by pdftoppm, in memory: nothing is written where the app serves files)."""
    pages = sorted({n for p in passages if p.ocr and p.page for n in range(p.page, (p.page_end or p.page) + 1)})
    if not pages:
        return
    if shutil.which("pdftoppm") is None:
        common.note("Some passages were read by OCR from scanned pages. To see those pages here, install "
                    "poppler-utils (pdftoppm); meanwhile check them in the original PDF.")
        return
    at = pages.index(cited.page) if cited and cited.ocr and cited.page in pages else None
    page = st.selectbox("Scanned page to check the OCR text against", pages, index=at,
                        format_func=lambda n: f"Page {n}", placeholder="Choose a page to see it as scanned")
    if page is None:
        return
    stat = source.stat()
    png = page_image(str(source.resolve()), stat.st_size, stat.st_mtime_ns, page)
    if png is None:
        common.note(f"Page {page} could not be drawn; check it in the original PDF.")
        return
    common.note(f"Page {page} of the original, as scanned:")
    st.image(png)


@st.cache_data(show_spinner=False, max_entries=32)
def page_image(path: str, size: int, mtime_ns: int, page: int) -> bytes | None:
    """One page of a PDF as a PNG at 100 dpi (``size`` and ``mtime_ns`` key the cache to the
    file's contents); None when pdftoppm fails."""
    try:
        done = subprocess.run(["pdftoppm", "-r", "100", "-f", str(page), "-l", str(page), "-png", "-singlefile", path],
                              capture_output=True, timeout=60, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout if done.returncode == 0 and done.stdout.startswith(b"\x89PNG") else None


def _anchor(p) -> str:
    return p.chunk_id.rsplit(":", 1)[-1]


def _pdf(info: explore.PaperInfo, page: int | None) -> None:
    """The original PDF at the page, through the app's checked link (``originals.link``: made
    for this paper, which this viewer's reader returned, and expiring), opened at ``#page=N`` by
    the browser's own viewer. Not ``st.iframe``: its sandbox stops Chromium from showing PDFs."""
    page = page or 1
    url = originals.link(info.doc_id, page)
    st.markdown(f'<a href="{url}" target="_blank" rel="noopener">Open the original PDF at page {page} in a new '
                f'tab</a>', unsafe_allow_html=True)
    st.markdown(f'<iframe src="{url}" title="The original PDF, opened at page {page}" width="100%" height="820" '
                f'style="border:1px solid #5a6472"></iframe>', unsafe_allow_html=True)
