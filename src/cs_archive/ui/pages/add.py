"""Add papers: upload PDFs, HTML or text; they are kept in the uploads folder and read into
the archive with a progress bar. Each file that cannot be read gets its own line."""
from __future__ import annotations

import re

import streamlit as st

from ...corrections import uploads_root
from ...index.store import ArchiveError
from ...ingest import UPLOADS, ingest, save_upload
from ...models import LoadError
from ...render import esc, esc_line
from .. import common


def render() -> None:
    common.setup()
    st.title("Add papers")
    with common.plain_errors():
        if not common.clerk_only("Adding papers"):  # (app.py also leaves the page out of the menu)
            return
        root = uploads_root()
        target = root / UPLOADS
        st.write(f"Upload committee papers (PDF, HTML or text). They are kept in {esc(str(target))} and "
                 "added to the archive; unchanged files are skipped. To fix a paper's date or committee "
                 "afterwards, use the Documents page.")
        files = st.file_uploader("Papers to add", accept_multiple_files=True, key=f"up{st.session_state.get('_up', 0)}",
                                 help="Scanned PDFs without a text layer cannot be read yet.")
        if not files or not st.button("Add to the archive", type="primary"):
            return
        _add(root, files)


def _add(root, files) -> None:
    bar = st.progress(0.0, text="Saving the files…")
    target = root / UPLOADS
    saved, failed = [], []
    for f in files:
        try:
            saved.append(save_upload(root, f.name, f.getvalue()))
        except LoadError as e:  # unsupported type, empty file, unsafe name
            failed.append(e.line(f.name))
    total = max(1, len(saved))

    def progress(line: str) -> None:
        m = re.match(r"\[(\d+)/(\d+)\]", line)
        done = int(m.group(1)) if m else 0
        bar.progress(min(1.0, done / total), text=f"Read {done} of {total}: {esc_line(line.split('] ', 1)[-1])}")

    report = None
    if saved:
        bar.progress(0.0, text=f"Reading {len(saved)} file{'s' * (len(saved) != 1)}…")
        try:
            report = ingest(saved, common.location(), common.embedder(), progress=progress)
        except ArchiveError as e:
            bar.empty()
            st.error(f"Nothing was added: {esc(str(e))}.")
            return
        for path, line in report.failed:
            failed.append(line.replace(str(target) + "/", ""))
            for s in saved:  # a file that cannot be read is not kept
                if str(s) == path:
                    s.unlink(missing_ok=True)
    bar.progress(1.0, text="Done.")
    if report and (report.added or report.updated):
        n = len(report.added) + len(report.updated)
        st.success(f"Added {n} file{'s' * (n != 1)} ({report.chunks} passages). They can be searched now.")
    if report and report.unchanged:
        st.info(f"{len(report.unchanged)} file{'s were' if len(report.unchanged) != 1 else ' was'} already in the "
                "archive, unchanged.")
    for _path, line in (report.notes if report else []):  # stored, with something to say (scanned pages)
        st.warning(esc_line(line.replace(str(target) + "/", "")))
    for line in failed:  # each names an uploaded file: text, not markdown
        st.error(esc_line(line))
    st.session_state["_up"] = st.session_state.get("_up", 0) + 1  # a fresh, empty uploader next time
