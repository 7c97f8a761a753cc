"""The Commitments page: the register with the CLI's filters, status at a glance, CSV export.

``render(location)`` (a folder or a ``postgresql://`` URL) draws the page into the current Streamlit app; the app's
navigation calls it. The register is computed by ``commitments.register`` (the same code as
``cs-archive commitments``) and cached per archive generation and filter set.
"""
from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

import streamlit as st

from .commitments.register import STATUSES, Selection, register
from .config import model_name
from .index.base import generation_of, open_archive
from .index.store import ArchiveError
from .render import esc, spreadsheet_cell
from .search import Filters
from .ui import common
from .ui.common import note

KINDS = ("action", "decision", "promise")
STATUS_LABEL = {"followed_up": "Followed up", "open": "Open", "overdue": "Overdue", "undated": "Undated"}
CSV_FIELDS = ["status", "kind", "text", "owner", "due", "due_text", "date", "committee", "council", "source",
              "section", "page", "chunk_id", "id", "follow_ups"]


@st.cache_data(show_spinner="Reading commitments and looking for their follow-ups…", max_entries=32)
def _records(location: str, generation: str, kind, owner, status, since, until, committee, council,
             as_of) -> list[dict]:
    archive = open_archive(location)
    try:
        archive.check_model(model_name())
        selection = Selection(kind=kind, owner=owner, status=status, as_of=as_of,
                              filters=Filters(since=since, until=until, committee=committee, council=council))
        return [r.to_json() for r in register(archive, common.embedder(), selection)]
    finally:
        archive.close()


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


def render(location: str | Path) -> None:
    st.header("Commitments")
    note("Actions, decisions and promises printed in the papers, who owns them, when they are due, "
         "and whether a later paper of the same council came back to them.")
    try:
        generation = generation_of(location)
        archive = open_archive(location)
    except ArchiveError as e:
        st.error(f"The archive cannot be opened: {esc(str(e))}")
        return
    try:
        archive.check_model(model_name())
        committees, councils = archive.distinct("committee"), archive.distinct("council")
    except ArchiveError as e:
        st.error(f"The archive cannot be opened: {esc(str(e))}")
        return
    finally:
        archive.close()

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

    records = _records(str(location), generation, kind or None, owner.strip() or None, status or None,
                       _iso(since), _iso(until), committee or None, council or None, _iso(as_of))

    cols = st.columns(len(STATUSES))
    for col, s in zip(cols, STATUSES):
        col.metric(STATUS_LABEL[s], sum(r["status"] == s for r in records))
    if not records:
        st.info("No commitments match (check the filters).")
        return
    st.dataframe(
        [{"status": STATUS_LABEL[r["status"]], "kind": r["kind"], "due": r["due"] or "", "owner": r["owner"] or "",
          "commitment": r["text"], "committee": r["committee"] or "", "meeting": r["date"] or "",
          "section": r["section"] or "", "follow-ups": len(r["follow_ups"]), "source": r["source"],
          "chunk": r["chunk_id"]} for r in records],
        use_container_width=True, hide_index=True)
    st.download_button("Download CSV", to_csv(records), file_name=f"commitments-{_iso(as_of)}.csv",
                       mime="text/csv", key="cm_csv")
