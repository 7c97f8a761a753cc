"""The Commitments page: the register with the CLI's filters, status at a glance, CSV export.

``render()`` draws the page for the archive the app opens (``render(location)``: a folder or a
``postgresql://`` URL). The register is read by ``commitments.register`` (the same code as
``cs-archive commitments``, imported when the page is opened, not for every search) from the
store computed at ingest, so the page opens at once; the model is loaded only when that store
is missing or stale. Each record links to its paper, opened at the passage it cites.
"""
from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

import streamlit as st

from ...config import model_name
from ...index import generation_of, open_archive
from ...index.store import ArchiveError
from ...render import esc, spreadsheet_cell
from .. import common
from ..common import note

KINDS = ("action", "decision", "promise")
STATUS_LABEL = {"followed_up": "Followed up", "open": "Open", "overdue": "Overdue", "undated": "Undated"}
CSV_FIELDS = ["status", "kind", "text", "owner", "due", "due_text", "date", "committee", "council", "source",
              "section", "page", "chunk_id", "id", "decision_number", "decision_maker", "report", "procedural",
              "follow_ups"]


@st.cache_data(show_spinner="Reading the commitments…", max_entries=32)
def _records(location: str, generation: str, kind, owner, status, since, until, committee, council,
             as_of, procedural: bool = False) -> list[dict]:
    from ...commitments.register import Selection, register
    from ...search import Filters

    archive = open_archive(location)
    try:
        archive.check_model(model_name())
        selection = Selection(kind=kind, owner=owner, status=status, as_of=as_of, procedural=procedural,
                              filters=Filters(since=since, until=until, committee=committee, council=council))
        return [r.to_json() for r in register(archive, common.embedder, selection)]
    finally:
        archive.close()


def paper_url(record: dict) -> str:
    """The paper page, opened at the passage the record cites (and so at its page)."""
    from urllib.parse import urlencode

    doc = record["chunk_id"].rsplit(":", 1)[0]
    return "paper?" + urlencode({"doc": doc, "at": record["chunk_id"]})


def to_csv(records: list[dict]) -> str:
    """The register for a spreadsheet; a cell that would run as a formula is written as text."""
    out = io.StringIO()
    w = csv.DictWriter(out, fieldnames=CSV_FIELDS, extrasaction="ignore")
    w.writeheader()
    for r in records:
        row = dict(r)
        row["follow_ups"] = "; ".join(f"{f['date']} {f['source']} ({f['chunk_id']}, {f['score']})"
                                      for f in r["follow_ups"])
        w.writerow({k: spreadsheet_cell(v) for k, v in row.items()})
    return out.getvalue()


def _iso(d) -> str | None:
    return d.isoformat() if isinstance(d, date) else None


def render(location: str | Path | None = None) -> None:
    from ...commitments.register import STATUSES

    location = common.location() if location is None else location
    st.header("Commitments")
    note("Actions, decisions and promises printed in the papers, who owns them, when they are due, "
         "and whether a later paper of the same council came back to them.")
    try:
        generation = generation_of(location)
        archive = open_archive(location)
        try:
            archive.check_model(model_name())
            committees, councils = archive.distinct("committee"), archive.distinct("council")
        finally:
            archive.close()
    except ArchiveError as e:
        st.error(f"The archive cannot be opened: {esc(str(e))}")
        return

    c1, c2, c3, c4 = st.columns(4)
    kind = c1.selectbox("Kind", ("",) + KINDS, format_func=lambda k: k or "Any", key="cm_kind")
    status = c2.selectbox("Status", ("",) + STATUSES, format_func=lambda s: STATUS_LABEL.get(s, "Any"),
                          key="cm_status")
    owner = c3.text_input("Owner contains", key="cm_owner")
    as_of = c4.date_input("As of", value=date.today(), format="YYYY-MM-DD", key="cm_as_of")
    c5, c6, c7, c8 = st.columns(4)
    since = c5.date_input("Meetings from", value=None, format="YYYY-MM-DD", key="cm_since")
    until = c6.date_input("Meetings until", value=None, format="YYYY-MM-DD", key="cm_until")
    committee = c7.selectbox("Committee", [""] + committees, format_func=lambda c: c or "Any", key="cm_committee")
    council = c8.selectbox("Council", [""] + councils, format_func=lambda c: c or "Any", key="cm_council")
    procedural = st.checkbox("Show procedural items (minutes approved, apologies, declarations, next meeting)",
                             key="cm_procedural")

    records = _records(str(location), generation, kind or None, owner.strip() or None, status or None,
                       _iso(since), _iso(until), committee or None, council or None, _iso(as_of), procedural)

    cols = st.columns(len(STATUSES))
    for col, s in zip(cols, STATUSES):
        col.metric(STATUS_LABEL[s], sum(r["status"] == s for r in records))
    if not records:
        st.info("No commitments match (check the filters).")
        return
    st.dataframe(
        [{"status": STATUS_LABEL[r["status"]], "kind": r["kind"],
          "due": f"{r['due']} ({r['due_text']})" if r["due"] else "", "owner": r["owner"] or "",
          "commitment": r["text"], "committee": r["committee"] or "", "meeting": r["date"] or "",
          "paper": paper_url(r), "page": r["page"], "follow-ups": len(r["follow_ups"]),
          "decision": " · ".join(x for x in (r.get("decision_number"), r.get("decision_maker")) if x),
          "source": r["source"]} for r in records],
        column_config={
            "due": st.column_config.TextColumn("due", width="medium"),
            "owner": st.column_config.TextColumn("owner", width="medium"),
            "commitment": st.column_config.TextColumn("commitment", width="large"),
            "paper": st.column_config.LinkColumn("paper", display_text="Open at page"),
        },
        width="stretch", hide_index=True)
    st.download_button("Download CSV", to_csv(records), file_name=f"commitments-{_iso(as_of)}.csv",
                       mime="text/csv", key="cm_csv")
