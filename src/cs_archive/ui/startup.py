"""The server's start-up hook (app.py's ``st.App(lifespan=…)``): before any browser connects it
runs ``prepare()``, which loads the model (``warm``), imports the search page and NLTK and opens
the archive, in the second or so in which the server waits for the first browser to load
Streamlit's own scripts.
"""
from __future__ import annotations

import contextlib
import logging
import threading

from . import warm


def prepare() -> None:
    """Load what the first search needs, before any browser asks: the model (on its thread),
    the pages' modules (as app.py imports them), NLTK's stemmer and sentence splitter, and the archive (opened as the
    pages open it, and searched once). Failures are left for the page to show."""
    warm.start()
    try:
        from .. import lexical
        from ..chunking import sentences
        from ..search import Filters, search
        from . import common
        from .pages import add, commitments, documents, following, meetings, paper  # noqa: F401
        from .pages import search as search_page  # noqa: F401

        lexical.tokens("warm up")
        sentences.sentence_spans("Warm up. Twice.")
        search(common.archive(exempt=False), warm.embedder(), "warm up", k=1, filters=Filters(), highlights=False)
    except Exception:  # noqa: BLE001 — the first page opens the archive again and says what is wrong
        logging.getLogger("cs_archive.ui").debug("warm-up failed", exc_info=True)


@contextlib.asynccontextmanager
async def lifespan(app):
    """The server's start-up hook (``st.App(lifespan=…)`` in app.py): ``prepare()`` on a thread,
    while the server starts answering and the first browser loads Streamlit's scripts (a second
    or so in which the server has nothing else to do)."""
    threading.Thread(target=prepare, name="cs-archive-warm", daemon=True).start()
    yield None
