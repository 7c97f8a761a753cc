"""The search page: one box, sidebar filters and order, result cards, timeline, export.

The URL carries the search (``/?q=…&since=…&committee=…``, names as in CONTRACT.md, plus
``sort`` and ``k`` when not the default), so a link reloads to the same results.
"""
from __future__ import annotations

from datetime import date

import streamlit as st

from ... import explore
from ...chunking.overrides import DOC_TYPES
from ...models import long_date
from ...render import esc
from .. import common
from . import following

URL_KEYS = ("q", "since", "until", "committee", "council", "topic", "type", "sort", "k")
DEFAULT_K = 10
TIMELINE_POOL = 50  # passages the timeline draws on (the cards show the first k)
EARLIEST, LATEST = date(1970, 1, 1), date(2100, 12, 31)


def _date(s: str | None) -> date | None:
    """A date the date boxes can hold, else None."""
    try:
        d = date.fromisoformat(s) if s else None
    except ValueError:
        return None
    return d if d is None or EARLIEST <= d <= LATEST else None


def _k(s) -> int:
    try:
        return min(50, max(1, int(s)))
    except (TypeError, ValueError):
        return DEFAULT_K


def _from_url() -> None:
    """Set the widgets from the address when it changed since this page last wrote it (a
    shared link, a reload, the back button); otherwise the widgets lead."""
    url = {k: st.query_params.get(k, "") for k in URL_KEYS}
    if st.session_state.get("_written") == url and "w_q" in st.session_state:
        return
    for name in ("since", "until"):
        if url[name] and _date(url[name]) is None:  # left out, and so gone from the address
            st.warning(f"The link's {name}={esc(url[name][:40])} is not a date the search can use, so it is left out: "
                       "write it as YYYY-MM-DD, e.g. 2024-01-04.")
    st.session_state.update({
        "w_q": url["q"], "w_since": _date(url["since"]), "w_until": _date(url["until"]),
        "w_committee": url["committee"], "w_council": url["council"], "w_topic": url["topic"],
        "w_type": url["type"] if url["type"] in DOC_TYPES else "",
        "w_sort": url["sort"] if url["sort"] in explore.SORTS else "relevance", "w_k": _k(url["k"] or DEFAULT_K),
    })


def _options(values: list[str], current: str) -> list[str]:
    out = [""] + values
    if current and current not in out:  # a substring from a shared link (?committee=cabinet)
        out.append(current)
    return out


def _sidebar(archive) -> dict:
    any_ = lambda v: v or "Any"  # noqa: E731
    with st.sidebar:
        st.header("Filters")
        st.date_input("Meetings from", key="w_since", min_value=EARLIEST, max_value=LATEST, format="YYYY-MM-DD")
        st.date_input("Meetings until", key="w_until", min_value=EARLIEST, max_value=LATEST, format="YYYY-MM-DD")
        st.selectbox("Committee", _options(explore.distinct(archive, "committee"), st.session_state["w_committee"]),
                     key="w_committee", format_func=any_)
        st.selectbox("Council", _options(explore.distinct(archive, "council"), st.session_state["w_council"]),
                     key="w_council", format_func=any_)
        st.selectbox("Type of paper", [""] + list(DOC_TYPES), key="w_type", format_func=any_)
        st.selectbox("Topic", _options(explore.topics_in(archive), st.session_state["w_topic"]),
                     key="w_topic", format_func=any_)
        st.header("Order")
        st.radio("Show results", list(explore.SORTS), key="w_sort", format_func=explore.SORTS.get)
        st.slider("How many passages", 1, 50, key="w_k")
    s = st.session_state
    return {"q": s["w_q"].strip(), "since": s["w_since"].isoformat() if s["w_since"] else "",
            "until": s["w_until"].isoformat() if s["w_until"] else "", "committee": s["w_committee"] or "",
            "council": s["w_council"] or "", "topic": s["w_topic"] or "", "type": s["w_type"] or "",
            "sort": s["w_sort"], "k": str(s["w_k"])}


def _write_url(state: dict) -> None:
    shown = {k: v for k, v in state.items() if v and not (k == "sort" and v == "relevance")
             and not (k == "k" and v == str(DEFAULT_K))}
    if dict(st.query_params.to_dict()) != shown:
        st.query_params.from_dict(shown)
    st.session_state["_written"] = {k: shown.get(k, "") for k in URL_KEYS}


def render() -> None:
    common.setup()
    st.title("Search council papers")
    with common.plain_errors():
        archive = common.archive()
        if not archive.manifest.counts.get("papers"):
            st.info("The archive is empty: add papers on the “Add papers” page, or build the sample archive "
                    "with `make index`.")
            return
        _from_url()
        with st.form("search", border=False, enter_to_submit=True):
            box, go = st.columns([6, 1], vertical_alignment="bottom")
            box.text_input("Ask a question or look up a phrase", key="w_q",
                           placeholder="How many children are in care compared with England?",
                           help='Plain English works. Put a phrase in "double quotes" to find those exact words.')
            go.form_submit_button("Search", type="primary", width="stretch")
        state = _sidebar(archive)
        _write_url(state)
        if not state["q"]:
            _welcome(archive)
            return
        _results(archive, state)


def _welcome(archive) -> None:
    papers, (first, last) = _size(*common.archive_key(archive))
    span = f", meetings from {long_date(first)} to {long_date(last)}" if first else ""
    st.write(f"The archive holds {papers} papers{span}. Ask a question in plain English, "
             "for example “How many children are in care per 10,000?”, or put a phrase in quotes, "
             "like “\"Switch Bucks\"”, to find those exact words.")


@st.cache_data(show_spinner=False, max_entries=16)
def _size(folder: str, generation: str) -> tuple[int, tuple]:
    """How many papers this viewer's reader holds, and their meeting dates' span."""
    archive = common.archive()
    return archive.stats()["papers"], archive.date_span()


@st.cache_data(show_spinner=False, max_entries=256)
def _search(folder: str, generation: str, model: str, query: str, filters: tuple, k: int, highlights: bool) -> list:
    """The library's search, remembered per archive generation: changing the order, opening a
    tab or reloading a shared link does not search again."""
    from ...search import Filters, search

    names = ("since", "until", "committee", "council", "topic", "doc_type")
    # Exempt papers come back only where the viewer's reader holds them (common.archive; the
    # generation in the key says which reader): the filter asks, the reader decides.
    hits = search(common.archive(), common.embedder(), query, k=k,
                  filters=Filters(**dict(zip(names, filters)), include_exempt=True), highlights=highlights)
    if highlights:
        _lit.add((folder, generation, model, query, filters, k))
    return hits


# Searches whose highlights this process has worked out (and so probably remembers): their
# cards are drawn marked at once. Any other search draws its cards first and marks them after,
# since marking embeds the sentences of the top passages and costs more than the search itself.
_lit: set[tuple] = set()


def _results(archive, state: dict) -> None:
    from ...config import model_name
    from ...search import QueryTooLong, check_query

    try:
        check_query(state["q"])  # (as search does: said here as a sentence, not a failure)
    except QueryTooLong as e:
        st.warning(esc(str(e)[:1].upper() + str(e)[1:]))
        return
    filters = tuple(state[key] or None for key in ("since", "until", "committee", "council", "topic", "type"))
    k = int(state["k"])
    key = (*common.archive_key(archive), model_name(), state["q"], filters, k)
    # The cards are exactly `cs-archive search -k K`; the timeline draws on a wider pool.
    lit = key in _lit
    with st.spinner("Searching…"):
        found = _search(*key, lit)
    hits = explore.sort_hits(found, state["sort"])
    following.follow_control(state)  # "Follow this search": its new passages, on the Following page
    if not hits:
        st.warning("No passage matches these words and filters. Try fewer words, or clear some filters "
                   "in the sidebar.")
        return
    confident = [h for h in hits if h.confident]
    weak = [h for h in hits if not h.confident]
    if not confident:
        st.warning("No confident match: nothing in the archive clearly answers this question. The nearest "
                   "passages are listed below under “Weak matches”; they may not answer it.")
    else:
        st.write(f"{len(confident)} passage{'s' * (len(confident) != 1)} answer “{esc(state['q'])}”"
                 f"{_filter_words(state)}, {explore.SORTS[state['sort']].lower()}.")
    _export(hits, state["q"])
    # The timeline runs (and the browser loads Vega for it) only when its tab is opened.
    tab_cards, tab_time = st.tabs(["Passages", "Timeline"], key="w_tab", on_change="rerun")
    passages = {}
    with tab_cards:
        for h in confident:
            passages[h.chunk_id] = common.card(h)
        if weak:
            st.header("Weak matches (may not answer the question)")
            for h in weak:
                passages[h.chunk_id] = common.card(h)
    if not lit:
        _highlight(key, passages)
    if tab_time.open:
        pool = _search(*key[:-1], max(k, TIMELINE_POOL), False)
        with tab_time:
            _timeline([h for h in pool if h.confident] or found)


def _highlight(key: tuple, passages: dict) -> None:
    """Mark the best sentences in the cards already drawn (the same search, with highlights)."""
    for h in _search(*key, True):
        if h.chunk_id in passages and h.highlights:
            common.show_passage(passages[h.chunk_id], h)


def _filter_words(state: dict) -> str:
    said = {"committee": "committee {}", "council": "{}", "type": "type {}", "topic": "topic {}", "since": "from {}",
            "until": "until {}"}
    bits = [words.format(long_date(state[k]) if k in ("since", "until") else state[k])
            for k, words in said.items() if state[k]]
    return (" (" + ", ".join(esc(b) for b in bits) + ")") if bits else ""


def _export(hits, query: str) -> None:
    row = st.container(horizontal=True, vertical_alignment="center")  # fewer elements than columns
    row.markdown("Save these results with their citations:", width="content")
    row.download_button("CSV (spreadsheet)", explore.to_csv(hits), file_name="cs-archive-results.csv",
                        mime="text/csv", on_click="ignore", icon=":material/download:")
    row.download_button("Markdown (for a briefing)", explore.to_markdown(hits, query),
                        file_name="cs-archive-results.md", mime="text/markdown", on_click="ignore",
                        icon=":material/download:")


def timeline_spec(rows: list[dict]) -> dict:
    """The timeline as a Vega-Lite spec: one dot per meeting, bigger for more passages.

    Written as a plain spec rather than with altair and pandas, which take seconds to import
    on the first search. The rows sit inside the spec's one layer, not at its top level, where
    Streamlit would convert them to a pandas/Arrow table first (importing both); Vega-Lite reads
    them the same either way. Dates are parsed as local dates, so a meeting never shows on the
    day before."""
    dark = "#2b2f38"
    return {
        "title": {"text": "Matching passages by meeting", "color": dark},
        "layer": [{
            "data": {"values": rows, "format": {"parse": {"date": "date:'%Y-%m-%d'"}}},
            "mark": {"type": "circle", "opacity": 0.85},
            "encoding": {
                "x": {"field": "date", "type": "temporal", "title": "Meeting date",
                      "axis": {"format": "%b %Y", "labelColor": dark, "titleColor": dark}},
                "y": {"field": "committee", "type": "nominal", "title": None, "sort": "ascending",
                      "axis": {"labelLimit": 360, "labelColor": dark}},
                "size": {"field": "passages", "type": "quantitative", "scale": {"range": [90, 900], "zero": False},
                         "legend": None},
                "color": {"field": "committee", "type": "nominal", "legend": None, "scale": {"scheme": "dark2"}},
                "tooltip": [{"field": "date", "type": "temporal", "title": "Meeting", "format": "%-d %B %Y"},
                            {"field": "committee", "type": "nominal", "title": "Committee"},
                            {"field": "passages", "type": "quantitative", "title": "Passages"},
                            {"field": "best", "type": "nominal", "title": "Best passage"}],
            },
        }],
    }


def _timeline(hits) -> None:
    rows = explore.timeline_rows(hits)
    if not rows:
        st.write("None of these passages has a meeting date, so there is nothing to place on a timeline.")
        return
    height = 110 + 56 * len({r["committee"] for r in rows})
    st.vega_lite_chart(spec=timeline_spec(rows), width="stretch", height=height)
    n = sum(r["passages"] for r in rows)
    common.note(f"{n} matching passages from {len(rows)} meetings; a bigger dot means more passages. "
                "Hover a dot for the meeting and its best passage.")
