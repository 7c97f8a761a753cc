"""The language model, loaded in the background from the app's first run.

``start()`` begins loading the embedder (and embeds one query, so the first search pays for
nothing) on a thread of its own, once per process and model; ``embedder()`` waits for it. The
app calls ``start()`` before it imports its pages, so the load overlaps importing them, opening
the archive and drawing the search box and filters, instead of following them. A failed load
is not remembered: the next call tries again (as ``st.cache_resource`` would), and the page
shows the error as it would have without the thread.

This module imports nothing of the app's (``common`` and the pages import it); the server's
start-up hook that calls it is ``startup.lifespan``.
"""
from __future__ import annotations

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
