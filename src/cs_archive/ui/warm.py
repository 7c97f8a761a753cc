"""The language model, loaded in the background from the app's first run.

``start()`` begins loading the embedder (and embeds one query, so the first search pays for
nothing) on a thread of its own, once per process and model; ``embedder()`` waits for it. The
app calls ``start()`` before it imports its pages, so the load overlaps importing them, opening
the archive and drawing the search box and filters, instead of following them. A failed load
is not remembered: the next call tries again (as ``st.cache_resource`` would), and the page
shows the error as it would have without the thread.

``lifespan`` is the server's start-up hook (app.py's ``st.App``): before any browser connects it
runs ``prepare()``, which also imports the pages and NLTK and opens the archive, in the second
or so in which the server waits for the first browser to load Streamlit's own scripts.
"""
from __future__ import annotations

import contextlib
import threading
from concurrent.futures import Future

from ..config import settings

_lock = threading.Lock()
_loads: dict[tuple[str, str], Future] = {}


def _key(name: str | None) -> tuple[str, str]:
    """The model and backend to load (the settings' unless ``name`` is given), named here so
    that this thread need not import numpy and the embedding code first."""
    s = settings()
    return name or s.model, s.backend


def start(name: str | None = None) -> Future:
    """Begin loading the model named ``name`` (default: $CS_ARCHIVE_MODEL) unless it is loading or loaded."""
    key = _key(name)
    with _lock:
        f = _loads.get(key)
        if f is None:
            f = _loads[key] = Future()
            threading.Thread(target=_load, args=(key, f), name="cs-archive-model", daemon=True).start()
    return f


def _load(key: tuple[str, str], f: Future) -> None:
    try:
        from ..embed import get_embedder

        e = get_embedder(*key)
        e.embed_query("warm up")
        f.set_result(e)
    except BaseException as exc:  # noqa: BLE001 — handed to whoever waits, who shows it
        f.set_exception(exc)


def embedder(name: str | None = None):
    """The loaded embedder: waits for ``start()``'s thread (starting it when nobody has)."""
    f = start(name)
    try:
        return f.result()
    except BaseException:
        with _lock:
            if _loads.get(_key(name)) is f:
                del _loads[_key(name)]
        raise


def prepare() -> None:
    """Load what the first search needs, before any browser asks: the model (on its thread),
    the pages' modules, NLTK's stemmer and sentence splitter, and the archive (opened as the
    pages open it, and searched once). Failures are left for the page to show."""
    import logging

    start()
    try:
        from .. import lexical
        from ..chunking import sentences
        from ..search import Filters, search
        from . import common, search_page  # noqa: F401

        lexical.tokens("warm up")
        sentences.sentence_spans("Warm up. Twice.")
        search(common.archive(exempt=False), embedder(), "warm up", k=1, filters=Filters(), highlights=False)
    except Exception:  # noqa: BLE001 — the first page opens the archive again and says what is wrong
        logging.getLogger("cs_archive.ui").debug("warm-up failed", exc_info=True)


@contextlib.asynccontextmanager
async def lifespan(app):
    """The server's start-up hook (``st.App(lifespan=…)`` in app.py): ``prepare()`` on a thread,
    while the server starts answering and the first browser loads Streamlit's scripts (a second
    or so in which the server has nothing else to do)."""
    threading.Thread(target=prepare, name="cs-archive-warm", daemon=True).start()
    yield None
