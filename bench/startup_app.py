"""app.py (or $CS_ARCHIVE_STARTUP_APP), unchanged, with the first page's steps logged (for bench/startup.py, never for users).

Each line of $CS_ARCHIVE_STARTUP_LOG is "phase<TAB>seconds since $CS_ARCHIVE_STARTUP_T0" (the
epoch time of `streamlit run`), for the first time a phase ends in this server process.
"""
from __future__ import annotations

import os
import runpy
import sys
import time
from pathlib import Path

T0 = float(os.environ.get("CS_ARCHIVE_STARTUP_T0") or time.time())
LOG = os.environ.get("CS_ARCHIVE_STARTUP_LOG")
APP = Path(os.environ.get("CS_ARCHIVE_STARTUP_APP") or Path(__file__).resolve().parents[1] / "app.py")
seen: set[str] = set()


def mark(phase: str) -> None:
    if phase in seen or not LOG:
        return
    seen.add(phase)
    with open(LOG, "a") as f:
        f.write(f"{phase}\t{time.time() - T0:.3f}\n")


def wrap(module, name: str, phase) -> None:
    """Log when module.name returns, the first time for each phase (``phase`` may read the args)."""
    fn = getattr(module, name)
    if getattr(fn, "_bench_wrapped", False):
        return

    def wrapped(*a, **kw):
        out = fn(*a, **kw)
        mark(phase(*a, **kw) if callable(phase) else phase)
        return out

    wrapped._bench_wrapped = True
    setattr(module, name, wrapped)


mark("the script starts (the browser's session opened)")
from cs_archive.ui import common  # noqa: E402
from cs_archive.ui.pages import search as search_page  # noqa: E402

mark("ui.common and ui.pages.search imported")
wrap(common, "archive", "archive opened")
wrap(common, "embedder", "embedder ready")
wrap(search_page, "_search", lambda *a, **kw: f"search k={a[5]} highlights={'on' if a[6] else 'off'} done")
for name, phase in (("_timeline", "timeline drawn"), ("_highlight", "highlights filled in")):
    if hasattr(search_page, name):
        wrap(search_page, name, phase)
runpy.run_path(str(APP), run_name="__main__")
mark("the script finished")
