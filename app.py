"""cs-archive search page: one box, filters, cited passages. Thin over the library.

Run with `make run` (or `streamlit run app.py`). The URL carries the search
(/?q=children+in+care&since=2023-01-01), so a search can be shared as a link.
"""
from __future__ import annotations

import html
from datetime import date

import streamlit as st

from cs_archive.config import index_dir, model_name
from cs_archive.index.store import Archive, ArchiveError, Manifest
from cs_archive.render import esc, passage_html

st.set_page_config(page_title="cs-archive: council papers search", page_icon="🔎", layout="wide")

URL_KEYS = ("q", "since", "until", "committee", "council", "topic", "type")
DOC_TYPES = ["", "report", "minutes", "agenda", "decision", "strategy", "appendix", "other"]


@st.cache_resource(show_spinner=False)
def open_archive(folder: str, generation: str) -> Archive:
    return Archive(folder)


@st.cache_resource(show_spinner="Loading the language model…")
def embedder():
    from cs_archive.embed import get_embedder

    e = get_embedder()
    e.embed_query("warm up")
    return e


def _date(s: str | None) -> date | None:
    try:
        return date.fromisoformat(s) if s else None
    except ValueError:
        return None


def card(hit) -> None:
    body = passage_html(hit.text, hit.highlights)
    weak = "" if hit.confident else " <span style='color:#8a4b00'>(weak match)</span>"
    with st.container(border=True):
        st.markdown(f"**{hit.rank}. {esc(hit.citation())}**{weak}", unsafe_allow_html=True)
        st.markdown(f"<div style='line-height:1.5'>{body}</div>", unsafe_allow_html=True)
        meta = [hit.doc_type] + list(hit.topics)
        st.caption(" · ".join(meta) + f" · {hit.source} · {hit.chunk_id}")
        if hit.url:
            st.markdown(f"[Published paper]({html.escape(hit.url, quote=True)})")
        st.code(hit.citation(), language=None)


def main() -> None:
    st.title("Council papers search")
    folder = str(index_dir())
    try:
        manifest = Manifest.read(index_dir())
        archive = open_archive(folder, manifest.generation)
        archive.check_model(model_name())
    except ArchiveError as e:
        st.error(f"The archive cannot be opened: {e}")
        st.info("Build the sample archive with `make index`, or add papers with `cs-archive ingest PATH`.")
        return
    params = st.query_params
    committees = [r[0] for r in archive.db.execute(
        "SELECT DISTINCT committee FROM papers WHERE committee IS NOT NULL ORDER BY 1")]
    with st.sidebar:
        st.header("Filters")
        since = st.date_input("Meetings from", value=_date(params.get("since")), format="YYYY-MM-DD")
        until = st.date_input("Meetings until", value=_date(params.get("until")), format="YYYY-MM-DD")
        choices = [""] + committees
        committee = st.selectbox("Committee", choices, index=choices.index(params["committee"])
                                 if params.get("committee") in choices else 0, format_func=lambda c: c or "Any")
        dtype = st.selectbox("Type of paper", DOC_TYPES, index=DOC_TYPES.index(params["type"])
                             if params.get("type") in DOC_TYPES else 0, format_func=lambda c: c or "Any")
        k = st.slider("Results", 5, 30, 10)
    query = st.text_input("Ask a question or look up a phrase", value=params.get("q", ""),
                          placeholder="How many children are in care compared with England?")
    state = {"q": query, "since": since.isoformat() if since else "", "until": until.isoformat() if until else "",
             "committee": committee, "council": params.get("council", ""), "topic": params.get("topic", ""),
             "type": dtype}
    st.query_params.from_dict({k2: v for k2, v in state.items() if v})
    if not query.strip():
        n = manifest.counts.get("papers", 0)
        st.write(f"Searching {n} papers. Try “children in care per 10,000” or a quoted phrase like “\"Switch Bucks\"”.")
        return
    from cs_archive.search import Filters, search

    filters = Filters(since=state["since"] or None, until=state["until"] or None, committee=committee or None,
                      council=state["council"] or None, topic=state["topic"] or None, doc_type=dtype or None)
    hits = search(archive, embedder(), query, k=k, filters=filters)
    if not hits:
        st.warning("No passages match. Try fewer words, or loosen the filters.")
        return
    if not any(h.confident for h in hits):
        st.warning("No confident match in the archive. The nearest passages are below, but they may not answer "
                   "the question.")
    for hit in hits:
        card(hit)


main()
