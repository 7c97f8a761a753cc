"""The Documents page: every paper with its metadata (papers with unknown fields first, each
value's origin shown when the paper did not print it), and a form for a clerk to correct the
date, committee, council, title, type or web address: click a row, change a field, save. Corrections go to the manifest.csv
beside the paper (so they survive a rebuild), then the paper is read again."""
from __future__ import annotations

import streamlit as st

from ... import explore
from ...chunking.overrides import DOC_TYPES
from ...corrections import CorrectionError, correct
from ...index.store import ArchiveError
from ...models import META_FIELDS, NOT_FOR_PUBLICATION, long_date
from ...render import esc, esc_line
from .. import common

FIELDS = {"title": "Title", "committee": "Committee", "council": "Council", "date": "Meeting date",
          "doc_type": "Type of paper", "url": "Web address of the published paper"}


def render() -> None:
    common.setup()
    st.title("Documents")
    with common.plain_errors():
        if msg := st.session_state.pop("_corrected", None):
            st.success(msg)
        archive = common.archive()
        papers = _unknown_first(explore.papers(archive))
        if not papers:
            st.write("The archive has no papers yet. Add some on the “Add papers” page.")
            return
        lacking = sum(1 for p in papers if _lacks(p))
        st.write(f"{len(papers)} papers; {lacking} lack a council, committee, meeting date, type or title and are "
                 "listed first. A clerk can click a row to correct its details. A value marked (file name), (folder) or "
                 "(meeting) was not printed in the paper: it was read from where the file sits, or from the other "
                 "papers of its meeting.")
        clerk = common.viewer().role.can_edit
        rows = [{"Unknown": ", ".join(FIELDS[k].split(" ")[0].lower() for k in META_FIELDS if p.lacks(k)),
                 "Meeting date": _with_origin(p, "date"), "Committee": _with_origin(p, "committee"),
                 "Title": _with_origin(p, "title") + (f" ({NOT_FOR_PUBLICATION})" if p.exempt else ""),
                 "Type": _with_origin(p, "doc_type"), "Council": _with_origin(p, "council"),
                 "Pages": p.page_count, "Passages": p.passages}
                | ({"File": p.source} if clerk else {}) for p in papers]  # where files sit: the clerk's business
        event = st.dataframe(
            rows, width="stretch", hide_index=True, on_select="rerun" if clerk else "ignore",
            selection_mode="single-row", key="doc_table",
            column_config={"File": st.column_config.TextColumn("File", width="large")})
        if not common.clerk_only("Correcting a paper's details"):
            return
        st.header("Correct a paper's details")
        label = lambda p: f"{p.title or 'Untitled'} · {p.committee or 'Unknown committee'} · {long_date(p.date)}"  # noqa: E731
        rows = getattr(getattr(event, "selection", None), "rows", None) or []
        clicked = papers[rows[0]].doc_id if rows and rows[0] < len(papers) else None
        if clicked != st.session_state.get("_doc_clicked"):  # a new row clicked: it becomes the choice
            st.session_state["_doc_clicked"] = clicked
            if clicked:
                st.session_state["doc_choice"] = papers[rows[0]]
        paper = st.selectbox("Paper to correct", papers, format_func=label, index=None,
                             placeholder="Choose a paper, or click its row above", key="doc_choice")
        if paper is not None:
            st.markdown(f"File: {esc_line(paper.path)}")
            _form(paper)


_ORIGIN_WORDS = {"filename": "file name", "folder": "folder", "meeting": "meeting", "manifest": "manifest",
                 "correction": "corrected"}


def _with_origin(p: explore.PaperInfo, field: str) -> str:
    """A value as the table shows it: empty when unknown, its origin beside it when the paper
    did not print it."""
    if p.lacks(field):
        return ""
    value = getattr(p, field)
    origin = p.provenance.get(field)
    return f"{value} ({_ORIGIN_WORDS[origin]})" if origin in _ORIGIN_WORDS else str(value)


def _lacks(p: explore.PaperInfo) -> bool:
    return any(p.lacks(k) for k in META_FIELDS)


def _unknown_first(papers: list[explore.PaperInfo]) -> list[explore.PaperInfo]:
    """Papers with the most unknown fields first; otherwise as given (newest meeting first)."""
    return sorted(papers, key=lambda p: -sum(p.lacks(k) for k in META_FIELDS))


def _form(p: explore.PaperInfo) -> None:
    locked = set()
    if p.part_of_pack:
        locked |= {"title", "doc_type"} | ({"date"} if p.doc_type == "minutes" else set())
        common.note("This paper is part of an agenda pack. Corrections are written for the whole pack file, so its "
                   "title and type (and, for minutes, the date) cannot be corrected here.")
    current = {"title": p.title or "", "committee": p.committee or "", "council": p.council or "",
               "date": p.date or "", "doc_type": p.doc_type, "url": p.url or ""}
    with st.form(f"correct-{p.doc_id}"):
        new = {}
        for key, label in FIELDS.items():
            if key == "doc_type":
                new[key] = st.selectbox(label, DOC_TYPES, index=DOC_TYPES.index(p.doc_type)
                                        if p.doc_type in DOC_TYPES else len(DOC_TYPES) - 1, disabled=key in locked)
            else:
                new[key] = st.text_input(label, value=current[key], disabled=key in locked,
                                         help="For example 2024-01-04 or 4 January 2024" if key == "date" else None)
        common.note(f"Saved to manifest.csv beside {p.path}. Leave a field empty to go back to what the paper "
                   "itself says.")
        if not st.form_submit_button("Save correction", type="primary"):
            return
    changes = {k: v.strip() for k, v in new.items() if k not in locked and v.strip() != current[k]}
    if not changes:
        st.info("Nothing changed.")
        return
    try:
        with st.spinner("Saving the correction and reading the paper again…"):
            result = correct(p.path, changes, embedder=common.embedder(), source=p.source)
    except CorrectionError as e:
        st.error(f"The correction was not saved: {esc(str(e))}.")
        return
    except ArchiveError as e:
        st.error(f"The correction was saved to the manifest, but the archive could not be updated: {esc(str(e))}.")
        return
    if result.report and result.report.failed:
        st.error("The correction was saved, but the paper could not be read again: " + esc(result.report.failed[0][1]))
        return
    st.session_state["_corrected"] = (f"Saved to {esc(str(result.manifest))} and updated the archive: "
                                      + ", ".join(f"{FIELDS[k].lower()} → {esc_line(v) or '(as the paper says)'}"
                                                  for k, v in changes.items()) + ". It stays when the archive is rebuilt.")
    st.session_state.pop("doc_choice", None)
    st.rerun()
