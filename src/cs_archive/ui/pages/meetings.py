"""Browse by meeting: each council's committees and their meetings by date, each with its papers;
then the papers that do not say which meeting they are for."""
from __future__ import annotations

from pathlib import Path

import streamlit as st

from ... import explore
from ...models import NOT_FOR_PUBLICATION, long_date
from ...render import esc, esc_line
from .. import common


def render() -> None:
    common.setup()
    st.title("Meetings")
    with common.plain_errors():
        archive = common.archive()
        everything = explore.meetings(archive)
        if not everything:
            st.write("The archive has no papers yet. Add some on the “Add papers” page.")
            return
        names = list(dict.fromkeys(m.committee for m in everything if m.placed))
        wanted = st.query_params.get("committee", "")
        choice = st.selectbox("Committee", [""] + names, index=(names.index(wanted) + 1) if wanted in names else 0,
                              format_func=lambda c: c or "All committees")
        if (choice or "") != wanted:
            st.query_params.from_dict({"committee": choice} if choice else {})
        shown = [m for m in everything if not choice or m.committee == choice]
        placed = [m for m in shown if m.placed]
        st.write(f"{len(placed)} meeting{'s' * (len(placed) != 1)} (council · committee · date), newest first "
                 "within each committee.")
        current = None
        for m in shown:
            if not m.placed:
                st.header(esc_line(m.label))
                common.note("These papers do not say which committee or meeting date they are for. Give them one on "
                            "the Documents page, where papers with unknown details are listed first.")
                _papers(m, expanded=False)
                continue
            if (m.council, m.committee) != current:
                st.header(esc_line(m.committee))
                if m.council:
                    st.markdown(f"*{esc(m.council)}*", unsafe_allow_html=True)
                current = (m.council, m.committee)
            n = len(m.papers)
            with st.expander(f"{esc_line(long_date(m.date))} ({n} paper{'s' * (n != 1)})", expanded=len(shown) <= 3):
                _papers(m)


def _papers(m: explore.Meeting, expanded: bool = True) -> None:
    for p in m.papers:
        mark = f" · **{NOT_FOR_PUBLICATION}**" if p.exempt else ""
        st.markdown(f"**{esc(p.title or 'Untitled')}**{mark} · {esc(p.doc_type)} · {p.passages} passages"
                    + (f" · {p.page_count} pages" if p.page_count else "")
                    + (f" · {esc(Path(p.source).name)}" if not m.placed else ""), unsafe_allow_html=True)
        a, b = st.columns(2)
        with a:
            common.paper_link(p.doc_id, label=f"Read “{p.title or 'this paper'}”")
        with b:
            common.published_link(p.url)
